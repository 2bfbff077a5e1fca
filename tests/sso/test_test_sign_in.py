"""The test sign-in: a real round trip through the provider that signs nobody in."""

from __future__ import annotations

from django.test import Client

from audit.models import AuditEvent
from sso import trial
from tenants.context import platform_scope, tenant_context
from tenants.models import Membership, User
from tests import factories
from tests.sso.conftest import at_provider
from tests.sso.oidc_provider import new_rsa_key
from tests.sso.saml_idp import AuthnRequest
from tests.sso.test_saml_sign_in import ALICE, post


def admin_browser(world) -> Client:
    """An owner's: setting up SSO is the owners' (sso.manage_sso)."""
    browser = Client()
    browser.force_login(world.members["owner"], backend="sso.auth.PasswordBackend")
    return browser


def ask(browser: Client, connection, return_to: str = "/t/acme/sso/") -> str:
    answer = browser.post(
        f"/api/v1/tenants/acme/sso/connections/{connection.pk}/test/",
        {"return_to": return_to},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["start_url"]


def report(browser: Client, connection) -> dict:
    answer = browser.get(f"/api/v1/tenants/acme/sso/connections/{connection.pk}/test/")
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_an_oidc_test_reports_what_the_provider_sent_and_signs_nobody_in(
    world, provider, acme_oidc
):
    acme_oidc.group_roles = [{"group": "Digest Editors", "role": "editor"}]
    with tenant_context(world.acme):
        acme_oidc.save(update_fields=["group_roles"])
    provider.next_user = {
        "sub": "okta-42",
        "email": "new.hire@acme.test",
        "email_verified": True,
        "name": "New Hire",
        "groups": ["Everyone", "Digest Editors"],
    }
    browser = admin_browser(world)
    start = browser.get(ask(browser, acme_oidc))
    assert start.status_code == 302
    back = browser.get(at_provider(start["Location"]))
    assert back.status_code == 302 and back["Location"] == "/t/acme/sso/"

    found = report(browser, acme_oidc)
    assert found["email"] == "new.hire@acme.test" and found["subject"] == "okta-42"
    assert found["groups"] == ["Digest Editors", "Everyone"]
    assert (found["role"], found["role_from"]) == ("editor", "group Digest Editors")
    assert found["claims"]["name"] == "New Hire" and found["claims"]["iss"] == provider.issuer
    assert "id_token" not in found["claims"] and "access_token" not in found["claims"]
    assert found["problems"] == []
    # Nobody was signed in or provisioned: the admin is still who the session is.
    with platform_scope():
        assert not User.objects.filter(email="new.hire@acme.test").exists()
    assert browser.get("/api/v1/me").json()["email"] == world.members["owner"].email
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.tested")
    assert event.actor_display == world.members["owner"].email and event.changes["problems"] == []


def test_a_test_names_what_would_refuse_the_sign_in(world, provider, acme_oidc):
    provider.next_user = {
        "sub": "x-1",
        "email": "someone@elsewhere.test",
        "email_verified": False,
        "name": "Someone",
        "groups": [],
    }
    browser = admin_browser(world)
    browser.get(at_provider(browser.get(ask(browser, acme_oidc))["Location"]))
    problems = " ".join(report(browser, acme_oidc)["problems"])
    assert "not verified" in problems and "elsewhere.test is not a verified domain" in problems


def test_a_bad_signature_is_reported_as_the_refusal_a_sign_in_would_meet(
    world, provider, acme_oidc
):
    provider.sign_with = new_rsa_key()
    browser = admin_browser(world)
    back = browser.get(at_provider(browser.get(ask(browser, acme_oidc))["Location"]))
    assert back.status_code == 302 and back["Location"] == "/t/acme/sso/"
    found = report(browser, acme_oidc)
    assert found["failed"] and found["problems"][0].startswith("The test did not complete")


def test_a_saml_test_reports_the_attributes_and_the_mapped_role(world, idp, acme_saml):
    browser = admin_browser(world)
    begun = browser.get(ask(browser, acme_saml))
    request = AuthnRequest.from_redirect(begun["Location"])
    answer = post(
        browser, request, idp.response(request, name_id="alice@acme.test", attributes=ALICE)
    )
    assert answer.status_code == 302 and answer["Location"] == "/t/acme/sso/"
    found = report(browser, acme_saml)
    assert found["claims"]["name_id"] == "alice@acme.test"
    assert found["claims"]["memberOf"] == ["Digest Editors", "Everyone"]
    assert (found["role"], found["problems"]) == ("editor", [])
    with tenant_context(world.acme):
        assert not Membership.objects.filter(user__email="alice@acme.test").exists()


def test_only_a_session_that_asked_can_run_a_test(world, provider, acme_oidc):
    # Without asking, the start page refuses; an ordinary sign-in is untouched.
    browser = admin_browser(world)
    refused = browser.get(f"/sso/test/{acme_oidc.public_id}/start")
    assert refused.status_code == 404
    # Those who may not manage SSO cannot ask; nor can an API key.
    viewer = Client()
    viewer.force_login(world.members["viewer"], backend="sso.auth.PasswordBackend")
    path = f"/api/v1/tenants/acme/sso/connections/{acme_oidc.pk}/test/"
    assert viewer.post(path, {}, content_type="application/json").status_code == 403
    factories.custom_role(
        world.acme, slug="sso-keeper", permissions=["sso.view_sso", "sso.manage_sso"]
    )
    key = factories.api_key(world.acme, "sso-keeper", name="automation")
    keyed = Client().post(
        path, {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key.token}"
    )
    assert keyed.status_code == 403 and keyed.json()["code"] == "browser_session_required"
    # The way back is a path on this site, never another.
    start = ask(browser, acme_oidc, return_to="https://evil.example/")
    back = browser.get(at_provider(browser.get(start)["Location"]))
    assert back["Location"] == "/"


def test_a_test_that_outlives_its_request_still_signs_nobody_in(world, provider, acme_oidc):
    """The callback knows a test by how its flow started: a test asked for long ago, or
    asked for again through another connection meanwhile, is reported, never a sign-in."""
    provider.next_user = {**provider.next_user, "email": "late@acme.test", "sub": "late"}
    browser = admin_browser(world)
    at = browser.get(ask(browser, acme_oidc))["Location"]
    session = browser.session
    tests = session[trial.TEST_SESSION_KEY]
    tests[str(acme_oidc.public_id)]["asked_at"] -= trial.TEST_SECONDS + 1
    session[trial.TEST_SESSION_KEY] = tests
    session.save()
    back = browser.get(at_provider(at))
    assert back.status_code == 302 and back["Location"] == "/t/acme/sso/"
    assert "took longer than allowed" in report(browser, acme_oidc)["problems"][0]
    assert browser.get("/api/v1/me").json()["email"] == world.members["owner"].email
    with platform_scope():
        assert not User.objects.filter(email="late@acme.test").exists()


def test_a_second_test_asked_meanwhile_does_not_turn_the_first_into_a_sign_in(
    world, provider, acme_oidc
):
    other = factories.sso_connection(world.acme, name="Second IdP")
    provider.next_user = {**provider.next_user, "email": "tab@acme.test", "sub": "tab"}
    browser = admin_browser(world)
    at = browser.get(ask(browser, acme_oidc))["Location"]
    ask(browser, other)  # a second tab asks for another test before the first comes back
    back = browser.get(at_provider(at))
    assert back.status_code == 302
    assert report(browser, acme_oidc)["email"] == "tab@acme.test"
    assert browser.get("/api/v1/me").json()["email"] == world.members["owner"].email
    with platform_scope():
        assert not User.objects.filter(email="tab@acme.test").exists()
