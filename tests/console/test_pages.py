"""The console's pages and actions, walked from the URLconf, for every preset role.

What a page shows and whether an action is allowed follow from the API view it calls
(`console.api.Endpoint.permission`); these tests check the pages really answer so, that
another tenant's objects and text never show, and that a page read cannot write.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from console import api as console_api
from console import views
from digests.models import Digest
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import ApiKey, Membership
from tenants.services.members import membership_add
from tests import factories
from tests.conftest import SENTINEL


def console_pages() -> list[tuple[str, type[views.TenantPage]]]:
    """(route, page class) of every tenant page, found in the URLconf."""
    found = []

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                cls = getattr(pattern.callback, "view_class", None)
                if cls is not None and issubclass(cls, views.TenantPage):
                    found.append((prefix + str(pattern.pattern), cls))

    walk(get_resolver().url_patterns)
    return found


PAGES = console_pages()


def page_url(route: str, tenant: str, pk: int | None = None) -> str:
    url = "/" + route.replace("<slug:tenant>", tenant).replace("<slug:provider>", "okta")
    return url.replace("<int:pk>", str(pk)) if pk is not None else url


def target_of(world, cls) -> int | None:
    """An object of acme's for a page that shows one."""
    if "<int:pk>" not in dict((c, r) for r, c in PAGES)[cls]:
        return None
    if cls is views.DigestPage:
        return factories.digest(world.acme, title="Console target").pk
    if cls is views.PolicyPage:
        return factories.policy(world.acme, name="Console target", publish=True).pk
    if cls is views.LicensePage:
        return factories.license(world.acme, source=factories.source(world.acme)).pk
    if cls is views.SsoConnectionPage:
        return factories.sso_connection(world.acme, name="Console target").pk
    raise AssertionError(f"tests/console/test_pages.py: say which object {cls.__name__} shows")


def browser_for(world, role: str) -> Client:
    client = Client()
    client.force_login(world.members[role], backend="sso.auth.PasswordBackend")
    return client


def visible_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_walk_finds_the_pages():
    classes = {cls for _, cls in PAGES}
    assert set(views.NAVIGATION) <= classes and views.DigestPage in classes


@pytest.mark.parametrize("role", list(rbac.PRESETS))
def test_every_page_answers_as_its_api_read_allows(world, role):
    browser = browser_for(world, role)
    held = rbac.PRESETS[role].permissions
    mismatches = []
    for route, cls in PAGES:
        url = page_url(route, "acme", target_of(world, cls))
        needed = cls.endpoint.permission
        response = browser.get(url)
        expected = 200 if needed is None or needed in held else 403
        if response.status_code != expected:
            mismatches.append(f"{url} ({needed}): {response.status_code}, expected {expected}")
        elif expected == 403:
            assert f"does not include {needed}" in visible_text(response)
        assert SENTINEL not in response.content.decode(), url
        assert response["Content-Type"].startswith("text/html"), url
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("role", list(rbac.PRESETS))
def test_the_navigation_offers_exactly_the_pages_the_role_may_read(world, role):
    page = browser_for(world, role).get("/t/acme/")
    if page.status_code != 200:  # a role that may not read digests
        page = browser_for(world, role).get("/t/acme/members/")
    held = rbac.PRESETS[role].permissions
    nav = re.search(r'<nav class="side".*?</nav>', page.content.decode(), re.S)
    offered = set(re.findall(r'href="(/t/acme/[^"]*)"', nav.group(0))) if nav else set()
    expected = {
        reverse(f"console:{cls.url_name}", args=["acme"])
        for cls in views.NAVIGATION
        if cls.endpoint.permission is None or cls.endpoint.permission in held
    }
    assert offered == expected


def test_an_outsider_and_a_stranger_get_nothing(world):
    outsider = Client()
    outsider.force_login(world.globex_owner, backend="sso.auth.PasswordBackend")
    anonymous = Client()
    for route, cls in PAGES:
        url = page_url(route, "acme", target_of(world, cls))
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert "Acme" not in visible_text(response)
        refused = anonymous.get(url)
        assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")


def test_another_tenants_digest_is_not_found_by_id(world):
    owner = browser_for(world, "owner")
    response = owner.get(f"/t/acme/digests/{world.globex_digest.pk}/")
    assert response.status_code == 404
    assert SENTINEL not in response.content.decode()


def route_for(cls, action: str) -> str:
    """The address a page's form for `action` posts to: evidence to the upload address."""
    routes = [r for r, c in PAGES if c is cls]
    uploads = [r for r in routes if "evidence/upload" in r]
    return uploads[0] if action == "attach" and uploads else routes[0]


def actions_of_every_page():
    return [(cls, name, endpoint) for _, cls in PAGES for name, endpoint in cls.actions.items()]


def action_form(world, cls, name) -> dict:
    """A well-formed form for one action, on an object of acme's."""
    if cls is views.PoliciesPage and name == "create":
        return {"name": "Console policy"}
    if cls is views.PolicyPage:
        return {
            "save": {"rule-count": "0"},
            "enable": {"enabled": "0"},
            "simulate": {"as": "role:viewer"},
            "publish": {"note": "from the console"},
            "rollback": {"version": "1"},
        }[name]
    if cls is views.LicensePage:
        return {
            "review": {"decision": "approved", "version": "1"},
            "attach": {"file": SimpleUploadedFile("terms.txt", b"Terms."), "description": ""},
        }[name]
    if cls is views.RolesPage:
        if name == "create":
            return {"name": "Readers plus", "permissions": ["digests.view_digest"]}
        role = factories.custom_role(world.acme, slug="target-role", permissions=[])
        return {"role": role.pk, "name": "Renamed", "permissions": []}
    if cls is views.WebhooksPage:
        if name == "create":
            return {"url": "https://hooks.acme.test/in", "events": ["digest.published"]}
        hook = factories.webhook(world.acme)
        if name == "redeliver":
            return {"delivery": factories.webhook_delivery(world.acme, hook).pk}
        return {"webhook": hook.pk, "is_active": "0"}
    if cls is views.SsoPage:
        if name == "settings":
            return {"session_idle_minutes": "60"}
        if name == "add-domain":
            return {"domain": "console.acme.test"}
        return {"domain": factories.sso_domain(world.acme, "target.acme.test", verified=False).pk}
    if cls is views.SsoSetupPage:
        return {
            "name": "Okta",
            "default_role": "viewer",
            "issuer": "https://acme.okta.example",
            "client_id": "client",
            "client_secret": "secret",
        }
    if cls is views.SsoConnectionPage:
        return {
            "test": {},
            "mapping": {"group": ["Editors"], "group_role": ["editor"]},
            "metadata-url": {"idp_metadata_url": "https://idp.acme.example/metadata"},
            "refresh-metadata": {},
            "enable": {"enabled": "0"},
            "delete": {},
        }[name]
    if name == "invite":
        return {"email": "new.person@acme.test", "role": "viewer"}
    if cls is views.MembersPage and name in ("resend", "revoke"):
        invitation = factories.invitation(world.acme, rbac.VIEWER, "invited-target@acme.test")
        return {"invitation": invitation.pk}
    if name == "change-role":
        member = factories.membership(
            world.acme, factories.role(world.acme, rbac.VIEWER), email="target@acme.test"
        )
        return {"member": member.pk, "role": "editor"}
    if name == "remove":
        member = factories.membership(
            world.acme, factories.role(world.acme, rbac.VIEWER), email="target@acme.test"
        )
        return {"member": member.pk}
    if name == "create":
        return {"name": "console key", "role": "viewer"}
    if name == "revoke":
        return {"key": factories.api_key(world.acme, rbac.VIEWER, name="target").api_key.pk}
    raise AssertionError(f"tests/console/test_pages.py: give a form for {cls.__name__} {name}")


@pytest.mark.parametrize("role", list(rbac.PRESETS))
def test_every_action_is_allowed_or_refused_as_its_api_write(world, role):
    held = rbac.PRESETS[role].permissions
    mismatches = []
    for cls, name, endpoint in actions_of_every_page():
        browser = browser_for(world, role)
        with transaction.atomic():
            url = page_url(route_for(cls, name), "acme", target_of(world, cls))
            form = {"action": name, **action_form(world, cls, name)}
            response = browser.post(url, form, follow=True)
            text = visible_text(response)
            transaction.set_rollback(True)
        allowed = endpoint.permission in held
        refused = f"does not include {endpoint.permission}" in text
        if allowed == refused:
            mismatches.append(
                f"{cls.__name__} {name}: allowed={allowed} but page said {text[:300]}"
            )
    assert not mismatches, "\n".join(mismatches)


def test_a_console_post_without_the_csrf_token_is_refused(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.members["owner"], backend="sso.auth.PasswordBackend")
    response = browser.post(
        "/t/acme/api-keys/", {"action": "create", "name": "x", "role": "viewer"}
    )
    assert response.status_code == 403
    with tenant_context(world.acme):
        assert not ApiKey.objects.filter(name="x").exists()


def test_a_page_read_cannot_write_through_the_api(world):
    request = RequestFactory().get("/t/acme/members/")
    request.user = world.members["owner"]
    request.session = {}
    with pytest.raises(console_api.UnsafeCallOnRead):
        console_api.call(request, views.MEMBER_REMOVE, tenant="acme", pk=1)


def test_an_unchecked_post_cannot_write_through_the_api(world):
    """A POST that Django's CSRF middleware did not pass (a view exempted by mistake)."""
    request = RequestFactory().post("/t/acme/members/")
    request.user = world.members["owner"]
    request.session = {}
    with pytest.raises(console_api.UnsafeCallOnRead):
        console_api.call(request, views.MEMBER_REMOVE, tenant="acme", pk=1)


def test_an_api_key_header_sent_to_the_console_is_not_passed_on(world):
    """The console acts as the signed-in person only, never as a key the browser sent."""
    made = factories.api_key(world.acme, rbac.ADMIN, name="admin key")
    browser = browser_for(world, "viewer")
    response = browser.get("/t/acme/members/", HTTP_AUTHORIZATION=f"Bearer {made.token}")
    assert response.status_code == 403


def test_the_members_page_invites_changes_and_removes(
    world, mailbox, django_capture_on_commit_callbacks
):
    admin = browser_for(world, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        invited = admin.post(
            "/t/acme/members/",
            {"action": "invite", "email": "new.person@acme.test", "role": "editor"},
            follow=True,
        )
    assert "Invitation sent to new.person@acme.test" in visible_text(invited)
    (message,) = mailbox.wait_for("new.person@acme.test")
    assert "/accounts/invitations/" in message.text
    with tenant_context(world.acme):
        member = Membership.objects.get(user__email="new.person@acme.test")
    changed = admin.post(
        "/t/acme/members/",
        {"action": "change-role", "member": member.pk, "role": "viewer"},
        follow=True,
    )
    assert "Role changed to viewer" in visible_text(changed)
    with tenant_context(world.acme):
        assert Membership.objects.get(pk=member.pk).role.slug == "viewer"
    removed = admin.post("/t/acme/members/", {"action": "remove", "member": member.pk}, follow=True)
    assert "Member removed" in visible_text(removed)
    with tenant_context(world.acme):
        assert not Membership.objects.filter(pk=member.pk).exists()


def test_an_invalid_invitation_is_shown_next_to_its_field(world):
    admin = browser_for(world, "admin")
    response = admin.post(
        "/t/acme/members/", {"action": "invite", "email": "not-an-email", "role": "viewer"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(r'<ul class="field-errors" id="invite-email-errors">(.*?)</ul>', html, re.S)
    assert errors and "valid email" in errors.group(1)
    assert 'value="not-an-email"' in html  # what was typed is kept


def test_a_new_keys_secret_is_shown_once_and_not_stored(world):
    owner = browser_for(world, "owner")
    response = owner.post(
        "/t/acme/api-keys/", {"action": "create", "name": "widget", "role": "viewer"}
    )
    assert response.status_code == 200
    secret = re.search(r'id="new-secret" value="([^"]+)"', response.content.decode()).group(1)
    assert secret.startswith("dp_")
    assert "no-store" in response["Cache-Control"]
    assert secret not in owner.get("/t/acme/api-keys/").content.decode()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_a_reader_sees_what_a_policy_changed_in_its_own_words_never_the_text(world):
    factories.digest(
        world.acme,
        title="Ledger talk",
        summary="The word zorblax is said here.",
        key_points=["zorblax twice"],
    )
    factories.policy(
        world.acme,
        name="No zorblax",
        rules=[
            {
                "id": "no-zorblax",
                "kind": "regex_redact",
                "params": {"pattern": "zorblax"},
                "message": "Internal code names are masked for readers.",
            }
        ],
        publish=True,
    )
    viewer = browser_for(world, "viewer")
    library = viewer.get("/t/acme/?q=Ledger")
    assert "Internal code names are masked for readers." in visible_text(library)
    with tenant_context(world.acme):
        pk = Digest.objects.get(title="Ledger talk").pk
    page = viewer.get(f"/t/acme/digests/{pk}/")
    text = visible_text(page)
    assert "Words were redacted." in text and "Internal code names are masked" in text
    assert "zorblax" not in page.content.decode().lower()
    searched = visible_text(viewer.get("/t/acme/?q=zorblax"))
    assert "Ledger talk" not in searched and "No digest you may read matches" in searched


def test_console_pages_forbid_inline_styles_and_scripts(world):
    page = browser_for(world, "viewer").get("/t/acme/")
    policy = page["Content-Security-Policy"]
    assert "style-src 'self';" in policy and "unsafe-inline" not in policy
    assert "<style" not in page.content.decode() and " style=" not in page.content.decode()
    sign_in = Client().get("/accounts/login/")
    assert "unsafe-inline" not in sign_in["Content-Security-Policy"]


def test_home_takes_a_person_to_their_last_tenant(world):
    person = factories.member(world.acme, rbac.VIEWER, email="two@acme.test")
    with tenant_context(world.globex):
        membership_add(
            tenant=world.globex, user=person, role=factories.role(world.globex, rbac.VIEWER)
        )
    browser = Client()
    browser.force_login(person, backend="sso.auth.PasswordBackend")
    assert browser.get("/")["Location"] == "/t/acme/"
    switched = browser.get("/t/globex/")
    assert switched.status_code == 200 and "Acme Media" in visible_text(switched)  # switcher
    assert browser.get("/")["Location"] == "/t/globex/"


def test_a_person_in_no_tenant_is_told_how_to_get_in(db):
    person = factories.UserFactory(email="alone@nowhere.test")
    browser = Client()
    browser.force_login(person, backend="sso.auth.PasswordBackend")
    response = browser.get("/")
    assert response.status_code == 200 and "not in a tenant yet" in visible_text(response)


def test_the_documented_pages_and_permissions_are_the_real_ones():
    """docs/console.md's table says who sees each page: the permission its API read asks."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "console.md").read_text()
    documented = dict(re.findall(r"\| `(/t/<tenant>/[^`]*)` \| `([a-z_.]+)` \|", text))
    real = {}
    for route, cls in PAGES:
        address = "/" + route.replace("<slug:tenant>", "<tenant>").replace("<int:pk>", "<id>")
        if cls.endpoint.method == "get" and "evidence/upload" not in address:
            real[address] = cls.endpoint.permission
    assert documented == real


def test_odd_numbers_in_forms_and_addresses_are_refused_not_failed(world):
    owner = browser_for(world, "owner")
    for bad in ("²", "9" * 5000, "-1", "1.5"):
        removed = owner.post("/t/acme/members/", {"action": "remove", "member": bad})
        assert removed.status_code == 400, bad
    lic = factories.license(world.acme, source=factories.source(world.acme))
    assert owner.get(f"/t/acme/licenses/{lic.pk}/?right=²").status_code == 200
    settings_form = {"action": "settings", "session_idle_minutes": "²"}
    assert owner.post("/t/acme/sso/", settings_form).status_code == 400


def test_the_upload_address_takes_only_an_allowed_upload(world):
    lic = factories.license(world.acme, source=factories.source(world.acme))
    upload = f"/t/acme/licenses/{lic.pk}/evidence/upload/"
    viewer = browser_for(world, "viewer")
    big = SimpleUploadedFile("big.txt", b"x" * (3 * 1024 * 1024))
    refused = viewer.post(upload, {"action": "attach", "file": big}, follow=True)
    assert "does not include licensing.add_license" in visible_text(refused)
    owner = browser_for(world, "owner")
    other = owner.post(upload, {"action": "review", "decision": "approved", "version": "1"})
    assert other.status_code == 400


def test_a_policy_page_shows_what_a_monitor_rule_would_have_done(world):
    factories.digest(world.acme, title="Cold chains", summary="Vaccines kept cold.")
    policy = factories.policy(
        world.acme,
        name="Watch",
        rules=[
            {
                "id": "watch-vaccines",
                "kind": "keyword_block",
                "params": {"keywords": ["vaccines"]},
                "mode": "monitor",
            }
        ],
        publish=True,
    )
    viewer = browser_for(world, "viewer")
    assert "Cold chains" in visible_text(viewer.get("/t/acme/"))  # monitor: still shown
    page = visible_text(browser_for(world, "admin").get(f"/t/acme/policies/{policy.pk}/"))
    assert "watch/watch-vaccines keyword block monitor would hide 1" in page
    assert "1 for people with role viewer" in page
    assert "Cold chains : watch/watch-vaccines hide (monitor)" in page


def test_a_saml_providers_metadata_is_taken_by_url_and_fetched_again(world, settings):
    """The set-up takes the metadata's address; the connection's page fetches it again
    after the provider changed its certificate, and says why when it cannot."""
    from tests.sso.saml_idp import Canned, SamlIdpServer

    settings.SSO_ALLOW_HTTP = True  # the provider listens on http://127.0.0.1
    owner = browser_for(world, "owner")
    with SamlIdpServer() as idp:
        form = {
            "action": "create",
            "name": "Acme SAML",
            "default_role": "viewer",
            "idp_metadata_url": "http://127.0.0.1:9/nothing-here",
            "attribute_email": "email",
        }
        refused = owner.post("/t/acme/sso/new/saml/", form)
        assert refused.status_code == 400
        html = refused.content.decode()
        errors = re.search(
            r'<ul class="field-errors" id="idp_metadata_url-errors">(.*?)</ul>', html
        )
        assert errors and "Not reachable" in errors.group(1)
        assert 'value="http://127.0.0.1:9/nothing-here"' in html  # what was typed is kept

        created = owner.post(
            "/t/acme/sso/new/saml/", {**form, "idp_metadata_url": idp.metadata_url}
        )
        assert created.status_code == 302, visible_text(created)
        page = owner.get(created["Location"])
        text = visible_text(page)
        assert idp.idp.sso_url in text and idp.metadata_url in text
        assert "Fetch again" in text

        idp.rotate_key()
        again = owner.post(created["Location"], {"action": "refresh-metadata"}, follow=True)
        assert "Metadata fetched again: new signing certificates." in visible_text(again)
        same = owner.post(created["Location"], {"action": "refresh-metadata"}, follow=True)
        assert "nothing had changed" in visible_text(same)

        idp.canned["/metadata"] = Canned(status=404)
        failed = owner.post(created["Location"], {"action": "refresh-metadata"})
        assert failed.status_code == 400
        errors = re.search(
            r'<ul class="field-errors" id="idp_metadata_url-errors">(.*?)</ul>',
            failed.content.decode(),
        )
        assert errors and "HTTP 404" in errors.group(1)

    # An auditor reads where the metadata comes from, and is offered no change.
    auditor = visible_text(browser_for(world, "auditor").get(created["Location"]))
    assert idp.metadata_url in auditor and "Fetch again" not in auditor
    assert "Save and fetch" not in auditor
