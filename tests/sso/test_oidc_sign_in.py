"""OpenID Connect sign-in against a real provider process: discovery, authorization-code
redirect, token exchange with PKCE and JWKS, all over HTTP on loopback."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from social_django.models import UserSocialAuth

from audit.models import AuditEvent
from tenants.context import tenant_context
from tenants.models import Membership, User
from tests import factories
from tests.sso.conftest import at_provider, oidc_sign_in, start
from tests.sso.oidc_provider import OidcProvider, new_rsa_key


def events(tenant, action: str) -> list[AuditEvent]:
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def me(client: Client) -> dict:
    response = client.get("/api/v1/me")
    assert response.status_code == 200, response.content
    return response.json()


def test_first_sign_in_creates_the_member_with_the_default_role(world, provider, acme_oidc):
    provider.next_user.update(sub="okta-00u1", email="new.person@acme.test", name="New Person")
    browser = Client()

    authorization_url = start(browser)
    assert authorization_url.startswith(f"{provider.issuer}/authorize?")
    query = urlsplit(authorization_url).query
    assert "nonce=" in query and "state=" in query and "code_challenge=" in query

    done = browser.get(at_provider(authorization_url))
    assert done.status_code == 302
    assert done["Location"] == "/"
    body = me(browser)
    assert body["email"] == "new.person@acme.test"
    assert [(m["tenant"]["slug"], m["role"]["slug"]) for m in body["memberships"]] == [
        ("acme", "viewer")
    ]
    identity = UserSocialAuth.objects.get(user__email="new.person@acme.test")
    assert (identity.provider, identity.uid) == ("tenant-oidc", f"{acme_oidc.pk}:okta-00u1")
    assert provider.token_requests == 1
    [provisioned] = events(world.acme, "member.provisioned")
    assert provisioned.changes["role"] == [None, "viewer"]
    [signed_in] = events(world.acme, "auth.sign_in")
    assert signed_in.actor_display == "new.person@acme.test"
    assert signed_in.changes["method"] == "sso:oidc"


def test_the_identity_is_the_subject_at_the_connection_not_the_email(world, provider, acme_oidc):
    provider.next_user.update(sub="stable-subject", email="first@acme.test")
    oidc_sign_in(Client())
    user = User.objects.get(email="first@acme.test")

    # The provider now reports another address for the same subject: same person.
    provider.next_user.update(email="renamed@acme.test")
    browser = Client()
    oidc_sign_in(browser)
    assert me(browser)["id"] == user.pk
    assert not User.objects.filter(email="renamed@acme.test").exists()


def test_an_existing_member_is_linked_because_acme_verified_the_domain(world, provider, acme_oidc):
    editor = world.members["editor"]
    provider.next_user.update(sub="editor-sub", email=editor.email)
    browser = Client()
    oidc_sign_in(browser)
    body = me(browser)
    assert body["id"] == editor.pk
    assert body["memberships"][0]["role"]["slug"] == "editor"  # unchanged


def test_a_signed_in_person_is_not_linked_to_the_identity_they_sign_in_with(
    world, provider, acme_oidc
):
    """Completing an SSO flow while signed in as someone else signs in afresh: the
    identity is never attached to the account that happened to be signed in."""
    editor = world.members["editor"]
    browser = world.client(user=editor)
    provider.next_user.update(sub="someone-else", email="someone.else@acme.test")
    oidc_sign_in(browser)
    assert me(browser)["email"] == "someone.else@acme.test"
    assert not UserSocialAuth.objects.filter(user=editor).exists()


def test_operator_accounts_are_never_signed_in_by_a_tenant_provider(world, provider, acme_oidc):
    User.objects.create_superuser(email="ops@acme.test", password="x")
    provider.next_user.update(sub="ops", email="ops@acme.test")
    browser = Client()
    response = oidc_sign_in(browser)
    assert response.status_code == 403
    assert browser.get("/api/v1/me").status_code == 401


def test_deleting_a_connection_deletes_its_identities(world, provider, acme_oidc):
    oidc_sign_in(Client())
    assert UserSocialAuth.objects.filter(uid__startswith=f"{acme_oidc.pk}:").exists()
    response = world.client("owner").delete(f"/api/v1/tenants/acme/sso/connections/{acme_oidc.pk}/")
    assert response.status_code == 204
    assert not UserSocialAuth.objects.filter(uid__startswith=f"{acme_oidc.pk}:").exists()


def test_an_unverified_domain_gets_a_refusal_page_and_an_audit_event(world, provider, acme_oidc):
    provider.next_user.update(sub="outsider", email="someone@elsewhere.test")
    browser = Client()
    response = oidc_sign_in(browser)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"elsewhere.test is not a verified domain of Acme Media" in response.content
    assert not User.objects.filter(email="someone@elsewhere.test").exists()
    assert browser.get("/api/v1/me").status_code == 401
    [refused] = events(world.acme, "auth.sso_refused")
    assert refused.outcome == AuditEvent.Outcome.DENIED
    assert refused.changes["code"] == "domain_not_verified"


def test_a_pending_domain_does_not_allow_provisioning(world, provider, acme_oidc):
    factories.sso_domain(world.acme, "pending.test", verified=False)
    provider.next_user.update(sub="p1", email="p1@pending.test")
    assert oidc_sign_in(Client()).status_code == 403


def test_the_state_is_checked(world, provider, acme_oidc):
    browser = Client()
    back = at_provider(start(browser))
    forged = back.replace("state=", "state=forged")
    response = browser.get(forged)
    assert response.status_code == 400
    assert browser.get("/api/v1/me").status_code == 401
    [failed] = events(world.acme, "auth.sso_failed")
    assert failed.outcome == AuditEvent.Outcome.FAILURE
    # The pending authorization is looked up by its state: a forged one finds none.
    assert failed.changes["code"] in {"session_context_missing", "state_mismatch"}


def test_a_callback_without_a_started_flow_is_refused(world, provider, acme_oidc):
    back = at_provider(start(Client()))
    stranger = Client()  # another browser presents the code
    assert stranger.get(back).status_code == 403
    assert stranger.get("/api/v1/me").status_code == 401


def _refused(browser: Client, response) -> bool:
    return response.status_code in (400, 403) and browser.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"nonce": "not-the-nonce-we-sent"}, "nonce_mismatch"),
        ({"nonce": None}, "nonce_mismatch"),
        ({"iss": "http://127.0.0.1:1/another-issuer"}, "invalid_claim"),
        ({"aud": "another-client"}, "invalid_claim"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "response_expired"),
    ],
    ids=["wrong-nonce", "no-nonce", "wrong-issuer", "wrong-audience", "expired"],
)
def test_id_tokens_that_do_not_match_the_connection_are_refused(
    world, provider, acme_oidc, overrides, code
):
    provider.next_user.update(sub="victim", email="victim@acme.test")
    provider.token_overrides = overrides
    browser = Client()
    assert _refused(browser, oidc_sign_in(browser))
    assert not User.objects.filter(email="victim@acme.test").exists()
    [failed] = events(world.acme, "auth.sso_failed")
    assert failed.changes["code"] == code, failed.changes


def test_a_token_signed_by_another_key_is_refused(world, provider, acme_oidc):
    provider.sign_with = new_rsa_key()
    browser = Client()
    assert _refused(browser, oidc_sign_in(browser))
    [failed] = events(world.acme, "auth.sso_failed")
    assert failed.changes["code"] == "invalid_signature", failed.changes


def test_tenant_a_provider_never_signs_anyone_into_tenant_b(world, provider, acme_oidc):
    """globex has its own provider; tokens from acme's are refused at globex's connection."""
    factories.sso_domain(world.globex, "globex.test")
    with OidcProvider(client_id="globex-portal", client_secret="globex-secret") as globex_idp:
        globex = factories.sso_connection(
            world.globex,
            name="Globex IdP",
            issuer=globex_idp.issuer,
            client_id=globex_idp.client_id,
            client_secret=globex_idp.client_secret,
        )
        pick = f"?connection={globex.public_id}"
        # globex's provider hands out what acme's provider would: acme's issuer, acme's
        # client as audience, signed with acme's key (its own JWKS does not have it).
        globex_idp.next_user.update(sub="intruder", email="intruder@globex.test")
        globex_idp.token_overrides = {"iss": provider.issuer, "aud": provider.client_id}
        globex_idp.sign_with = provider.key
        browser = Client()
        assert _refused(browser, oidc_sign_in(browser, tenant="globex", query=pick))

        # Correctly signed by globex's key but still for acme's issuer and client.
        globex_idp.sign_with = None
        browser = Client()
        assert _refused(browser, oidc_sign_in(browser, tenant="globex", query=pick))
    assert not User.objects.filter(email="intruder@globex.test").exists()


def test_the_callback_of_one_connection_does_not_finish_anothers_flow(world, provider, acme_oidc):
    factories.sso_domain(world.globex, "globex.test")
    with OidcProvider(client_id="globex-portal", client_secret="globex-secret") as globex_idp:
        globex = factories.sso_connection(
            world.globex,
            name="Globex IdP",
            issuer=globex_idp.issuer,
            client_id=globex_idp.client_id,
            client_secret=globex_idp.client_secret,
        )
        browser = Client()
        back = at_provider(start(browser, "acme"))  # a code and state of acme's flow
        query = back.split("?", 1)[1]
        response = browser.get(f"/sso/oidc/{globex.public_id}/callback?{query}")
        assert response.status_code == 403
        assert browser.get("/api/v1/me").status_code == 401


def test_the_redirect_after_sign_in_stays_on_this_site(world, provider, acme_oidc):
    browser = Client()
    done = oidc_sign_in(browser, query="?next=https://evil.example/steal")
    assert done.status_code == 302
    assert "evil.example" not in done["Location"]
    assert done["Location"] == "/"

    browser = Client()
    done = oidc_sign_in(browser, query="?next=/api/v1/tenants/acme/digests/")
    assert done["Location"] == "/api/v1/tenants/acme/digests/"


def test_groups_map_to_roles_at_every_sign_in(world, provider, acme_oidc):
    with tenant_context(world.acme):
        from sso import services

        services.connection_update(
            actor=None,
            connection=acme_oidc,
            group_roles=[
                {"group": "digest-editors", "role": "editor"},
                {"group": "auditors", "role": "auditor"},
            ],
        )
    provider.next_user.update(sub="g1", email="grouped@acme.test", groups=["digest-editors"])
    oidc_sign_in(Client())
    with tenant_context(world.acme):
        membership = Membership.objects.get(user__email="grouped@acme.test")
        assert membership.role.slug == "editor"

    provider.next_user.update(groups=["auditors", "digest-editors"])  # first mapping wins
    oidc_sign_in(Client())
    membership.refresh_from_db()
    assert membership.role.slug == "editor"

    provider.next_user.update(groups=[])  # no group: back to the default role
    oidc_sign_in(Client())
    membership.refresh_from_db()
    assert membership.role.slug == "viewer"
    assert [e.changes["role"] for e in events(world.acme, "member.role_changed")] == [
        ["viewer", "editor"],
        ["editor", "viewer"],
    ]


def test_an_unreachable_provider_gets_a_page_not_an_error(world, acme_oidc, provider):
    with tenant_context(world.acme):
        from sso import services

        services.connection_update(
            actor=None, connection=acme_oidc, issuer="http://127.0.0.1:9/unreachable"
        )
    response = Client().get("/sso/acme/login")
    assert response.status_code == 502
    assert b"could not be reached" in response.content
    assert events(world.acme, "auth.sso_failed")


def test_login_without_a_connection_says_so(world):
    response = Client().get("/sso/acme/login")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"no single sign-on" in response.content


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"email": None}, "no_email"),
        ({"email_verified": False}, "email_unverified"),
    ],
    ids=["no-email", "email-not-verified"],
)
def test_a_new_identity_without_a_trustworthy_email_is_refused(
    world, provider, acme_oidc, claims, code
):
    provider.next_user.update({"sub": "doubtful", "email": "doubtful@acme.test", **claims})
    browser = Client()
    response = oidc_sign_in(browser)
    assert response.status_code == 403
    assert browser.get("/api/v1/me").status_code == 401
    [refused] = events(world.acme, "auth.sso_refused")
    assert refused.changes["code"] == code


def test_a_deactivated_account_is_refused(world, provider, acme_oidc):
    editor = world.members["editor"]
    editor.is_active = False
    editor.save(update_fields=["is_active"])
    provider.next_user.update(sub="gone", email=editor.email)
    browser = Client()
    assert oidc_sign_in(browser).status_code == 403
    assert browser.get("/api/v1/me").status_code == 401


def test_a_flood_of_bad_callbacks_is_counted_not_written_one_by_one(world, provider, acme_oidc):
    stranger = Client()
    for _ in range(12):
        stranger.get(f"/sso/oidc/{acme_oidc.public_id}/callback?code=x&state=y")
    refused = events(world.acme, "auth.sso_refused")
    assert [event.repeat_count for event in refused] == [1, 10]


def test_abandoned_sign_ins_leave_no_nonce_behind(world, provider, acme_oidc):
    """A sign-in started and never completed stores a nonce; the hourly job removes it
    once its lifetime has passed, and keeps the ones still in use."""
    import time

    from social_django.models import Association

    from sso.tasks import purge_expired_nonces

    start(Client())  # abandoned at the provider
    stored = Association.objects.get()
    assert purge_expired_nonces(now=int(time.time())) == 0
    assert purge_expired_nonces(now=stored.issued + stored.lifetime + 1) == 1
    assert not Association.objects.exists()
