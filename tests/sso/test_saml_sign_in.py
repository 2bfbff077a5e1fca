"""SAML sign-in: responses signed with keys made in the test (xmlsec), validated by
python3-saml through the tenant's connection."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from lxml import etree

from audit.models import AuditEvent
from tenants.context import tenant_context
from tenants.models import Membership, User
from tests.sso.saml_idp import SAML, AuthnRequest, SamlIdp, SigningKey


def begin(browser: Client, idp: SamlIdp) -> AuthnRequest:
    response = browser.get("/sso/acme/login")
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(idp.sso_url + "?SAMLRequest=")
    return AuthnRequest.from_redirect(response["Location"])


def post(browser: Client, request: AuthnRequest, saml_response: str):
    """What the browser posts back (after the same-site re-post python-social-auth asks for)."""
    path = request.acs_url.removeprefix("http://testserver")
    return browser.post(
        path,
        {
            "SAMLResponse": saml_response,
            "RelayState": request.relay_state,
            "psa_saml_browser_return": "1",
        },
    )


def signed_in(browser: Client) -> dict | None:
    response = browser.get("/api/v1/me")
    return response.json() if response.status_code == 200 else None


ALICE = {"email": ["alice@acme.test"], "memberOf": ["Digest Editors", "Everyone"]}


def test_a_signed_response_signs_in_and_provisions_with_the_mapped_role(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    assert request.sp_entity_id == f"http://testserver/sso/saml/{acme_saml.public_id}/metadata"

    # The identity provider's post arrives cross-site, without our session cookie; the
    # library answers with a form that posts it again from our own origin.
    path = request.acs_url.removeprefix("http://testserver")
    saml_response = idp.response(request, name_id="alice@acme.test", attributes=ALICE)
    cross_site = Client()  # no cookies of ours come with the provider's post
    first = cross_site.post(
        path, {"SAMLResponse": saml_response, "RelayState": request.relay_state}
    )
    assert first.status_code == 200
    assert b'name="psa_saml_browser_return"' in first.content

    done = post(browser, request, saml_response)
    assert done.status_code == 302, done.content
    me = signed_in(browser)
    assert me["email"] == "alice@acme.test"
    assert me["memberships"][0]["role"]["slug"] == "editor"
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.changes["method"] == "sso:saml"
    # How the provider says Alice authenticated, from the assertion's AuthnContext.
    assert event.changes["factors"] == [
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    ]


def _refused(world, browser, response, code_part: str = "") -> None:
    assert response.status_code in (400, 403), response.content
    assert response["Content-Type"].startswith("text/html")
    assert signed_in(browser) is None
    with tenant_context(world.acme):
        failures = list(
            AuditEvent.objects.filter(action__in=["auth.sso_failed", "auth.sso_refused"])
        )
    assert failures
    if code_part:
        text = f"{failures[-1].changes['code']} {failures[-1].changes['reason']}"
        assert code_part in text, text


def test_an_unsigned_response_is_refused(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(request, name_id="alice@acme.test", attributes=ALICE, sign=False)
    _refused(world, browser, post(browser, request, response), "is not signed")
    assert not User.objects.filter(email="alice@acme.test").exists()


def test_a_response_tampered_after_signing_is_refused(world, idp, acme_saml):
    def promote(root):
        value = root.find(f".//{{{SAML}}}AttributeValue")
        value.text = "mallory@acme.test"

    browser = Client()
    request = begin(browser, idp)
    response = idp.response(request, name_id="alice@acme.test", attributes=ALICE, tamper=promote)
    _refused(world, browser, post(browser, request, response), "Signature validation failed")
    assert not User.objects.filter(email="mallory@acme.test").exists()


def test_a_response_signed_by_an_untrusted_key_is_refused(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(
        request, name_id="alice@acme.test", attributes=ALICE, signing_key=SigningKey.generate()
    )
    _refused(world, browser, post(browser, request, response), "Signature validation failed")


def test_an_expired_response_is_refused(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(
        request,
        name_id="alice@acme.test",
        attributes=ALICE,
        issued=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
    )
    _refused(world, browser, post(browser, request, response), "expired")


def test_a_response_for_another_audience_is_refused(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(
        request,
        name_id="alice@acme.test",
        attributes=ALICE,
        audience="https://another-service.example/metadata",
    )
    _refused(world, browser, post(browser, request, response), "audience")


def test_a_replayed_response_is_refused(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(request, name_id="alice@acme.test", attributes=ALICE)
    assert post(browser, request, response).status_code == 302

    attacker = Client()
    begin(attacker, idp)
    # Another browser's flow: the response answers a request this session never sent.
    _refused(world, attacker, post(attacker, request, response), "does not match the ID")


def test_an_assertion_id_is_accepted_once_even_in_a_fresh_valid_response(world, idp, acme_saml):
    """The replay store: an assertion id seen before is refused while it has not expired,
    even inside a response that is otherwise valid for the flow in progress."""
    first = Client()
    request = begin(first, idp)
    response = idp.response(
        request, name_id="alice@acme.test", attributes=ALICE, assertion_id="_reused-id"
    )
    assert post(first, request, response).status_code == 302

    second = Client()
    request = begin(second, idp)
    response = idp.response(
        request, name_id="alice@acme.test", attributes=ALICE, assertion_id="_reused-id"
    )
    _refused(world, second, post(second, request, response), "saml_replay")


def test_groups_are_reapplied_at_each_sign_in(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    post(
        browser,
        request,
        idp.response(
            request,
            name_id="bob@acme.test",
            attributes={"email": ["bob@acme.test"], "memberOf": ["Digest Editors"]},
        ),
    )
    browser = Client()
    request = begin(browser, idp)
    post(
        browser,
        request,
        idp.response(
            request,
            name_id="bob@acme.test",
            attributes={"email": ["bob@acme.test"], "memberOf": []},
        ),
    )
    with tenant_context(world.acme):
        assert Membership.objects.get(user__email="bob@acme.test").role.slug == "viewer"


def test_the_service_provider_metadata_is_published(world, acme_saml):
    response = Client().get(f"/sso/saml/{acme_saml.public_id}/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = etree.fromstring(response.content)
    assert root.get("entityID") == f"http://testserver/sso/saml/{acme_saml.public_id}/metadata"
    acs = root.find(".//{urn:oasis:names:tc:SAML:2.0:metadata}AssertionConsumerService")
    assert acs.get("Location") == f"http://testserver/sso/saml/{acme_saml.public_id}/acs"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
