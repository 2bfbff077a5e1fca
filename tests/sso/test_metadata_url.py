"""SAML metadata by URL: fetched from the provider (a real HTTP server on loopback)
through the outbound guard the webhooks use, kept on the connection, fetched again on
request; every failure a 400 naming `idp_metadata_url`, with nothing stored."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from audit.models import AuditEvent
from sso import metadata
from sso.models import Connection
from sso.services import fingerprint
from tenants.context import tenant_context
from tests import factories
from tests.processes import free_port
from tests.sso.saml_idp import Canned, SamlIdpServer, SigningKey, metadata_xml

URL = "/api/v1/tenants/acme/sso/connections/"


@pytest.fixture
def idp_server():
    with SamlIdpServer() as server:
        yield server


def saml_body(url: str, **extra) -> dict:
    return {
        "protocol": "saml",
        "name": "Okta SAML",
        "default_role": "viewer",
        "idp_metadata_url": url,
        **extra,
    }


def refused_field(response, field: str = "idp_metadata_url") -> str:
    """The one-line reason a 400 problem document gives for `field`."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    messages = [e["message"] for e in response.json()["errors"] if e["field"] == field]
    assert messages, response.json()
    return " ".join(messages)


def fingerprint_of(key: SigningKey) -> str:
    der = x509.load_pem_x509_certificate(key.cert_pem).public_bytes(serialization.Encoding.DER)
    return fingerprint(base64.b64encode(der).decode())


def nothing_stored(world) -> None:
    with tenant_context(world.acme):
        assert not Connection.objects.exists()
        assert not AuditEvent.objects.filter(action__startswith="sso.connection").exists()


def events(world, action: str) -> list[AuditEvent]:
    with tenant_context(world.acme):
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_a_connection_is_set_up_from_its_metadata_url_which_is_kept(world, idp_server):
    owner = world.client("owner")
    created = owner.post(URL, saml_body(idp_server.metadata_url), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["idp_entity_id"] == idp_server.idp.entity_id
    assert body["idp_sso_url"] == idp_server.idp.sso_url
    assert body["idp_metadata_url"] == idp_server.metadata_url
    assert len(body["idp_certificates"]) == 1
    assert fingerprint(body["idp_certificates"][0]) == fingerprint_of(idp_server.idp.key)
    assert idp_server.asked == ["/metadata"]
    (event,) = events(world, "sso.connection_created")
    assert event.changes["idp_metadata_url"] == [None, idp_server.metadata_url]


def test_the_fields_the_request_sends_win_over_the_metadata(world, idp_server):
    owner = world.client("owner")
    created = owner.post(
        URL,
        saml_body(idp_server.metadata_url, idp_sso_url="https://idp.acme.example/sso-mine"),
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["idp_sso_url"] == "https://idp.acme.example/sso-mine"
    assert created.json()["idp_entity_id"] == idp_server.idp.entity_id
    # PATCH too: a new URL is fetched, and what the request names wins.
    idp_server.canned["/other"] = Canned(
        body=metadata_xml(
            "https://idp.acme.example/other",
            "https://idp.acme.example/sso-2",
            idp_server.idp.key.cert_text,
        ).encode()
    )
    changed = owner.patch(
        f"{URL}{created.json()['id']}/",
        {"idp_metadata_url": f"{idp_server.base}/other", "idp_entity_id": "mine"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["idp_entity_id"] == "mine"
    assert changed.json()["idp_sso_url"] == "https://idp.acme.example/sso-2"
    assert changed.json()["idp_metadata_url"] == f"{idp_server.base}/other"


def test_fetching_again_takes_a_rotated_certificate_and_is_audited(world, idp_server):
    owner = world.client("owner")
    made = owner.post(URL, saml_body(idp_server.metadata_url), format="json").json()
    old = fingerprint(made["idp_certificates"][0])
    new_key = idp_server.rotate_key()

    refreshed = owner.post(f"{URL}{made['id']}/refresh-metadata/")
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["idp_certificates"] != made["idp_certificates"]
    assert fingerprint(refreshed.json()["idp_certificates"][0]) == fingerprint_of(new_key)
    with tenant_context(world.acme):
        row = Connection.objects.get(pk=made["id"])
    assert row.idp_certificates == refreshed.json()["idp_certificates"]
    (event,) = events(world, "sso.metadata_refreshed")
    assert event.actor_display == world.members["owner"].email
    assert event.changes == {
        "url": [None, idp_server.metadata_url],
        "idp_certificates": [[old], [fingerprint_of(new_key)]],
    }

    # Again with nothing new: still recorded (when the keys were last taken), no change.
    again = owner.post(f"{URL}{made['id']}/refresh-metadata/")
    assert again.status_code == 200
    assert events(world, "sso.metadata_refreshed")[-1].changes == {
        "url": [None, idp_server.metadata_url]
    }


def test_a_private_address_is_refused_outside_development(world, idp_server, settings):
    settings.SSO_ALLOW_HTTP = False  # production: only public addresses, only https
    owner = world.client("owner")
    port = idp_server.base.rsplit(":", 1)[1]
    for url, reason in (
        (f"https://127.0.0.1:{port}/metadata", "private, loopback or reserved address"),
        (f"https://localhost:{port}/metadata", "private, loopback or reserved address"),
        ("https://[::ffff:169.254.169.254]/metadata", "private, loopback or reserved address"),
        (idp_server.metadata_url, "Use an https:// URL."),
    ):
        assert reason in refused_field(owner.post(URL, saml_body(url), format="json")), url
    assert idp_server.asked == []  # never connected to
    nothing_stored(world)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Canned(status=404, body=b"no such app"), "The server answered HTTP 404."),
        (Canned(status=500, body=b"oops"), "The server answered HTTP 500."),
        (
            Canned(status=302, headers={"Location": "/internal"}),
            "redirects are not followed",
        ),
        (
            Canned(body=b"<html><body>Sign in to Okta<br></body></html>"),
            "Not SAML metadata an identity provider publishes",
        ),
        (
            Canned(body=b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>'),
            "Not SAML metadata: it names no entity id, sign-on URL or certificate.",
        ),
        (Canned(body=b"<x>" + b" " * 600_000 + b"</x>"), "Too large"),
        (Canned(body=b"<x>" + b" " * 600_000 + b"</x>", content_length=False), "Too large"),
    ],
    ids=["404", "500", "redirect", "html", "other-xml", "too-large", "too-large-unannounced"],
)
def test_what_is_not_metadata_is_refused_and_nothing_is_stored(world, idp_server, answer, reason):
    idp_server.canned["/metadata"] = answer
    response = world.client("owner").post(URL, saml_body(idp_server.metadata_url), format="json")
    refused = refused_field(response)
    assert reason in refused
    assert "/internal" not in idp_server.asked
    assert "/internal" not in refused and "Okta" not in refused  # nothing of the answer
    nothing_stored(world)


def test_a_provider_that_is_not_there_or_too_slow_is_refused(world, idp_server, monkeypatch):
    owner = world.client("owner")
    closed = free_port()  # nothing listens there
    response = owner.post(URL, saml_body(f"http://127.0.0.1:{closed}/metadata"), format="json")
    assert "Not reachable" in refused_field(response)

    monkeypatch.setattr(metadata, "TIMEOUT_SECONDS", 0.5)
    idp_server.canned["/slow"] = Canned(body=idp_server.idp.metadata().encode())
    original = idp_server._server.RequestHandlerClass.do_GET

    def slow(handler):
        time.sleep(1.5)
        original(handler)

    monkeypatch.setattr(idp_server._server.RequestHandlerClass, "do_GET", slow)
    started = time.monotonic()
    response = owner.post(URL, saml_body(f"{idp_server.base}/slow"), format="json")
    assert "no answer within 0.5 s" in refused_field(response)
    assert time.monotonic() - started < 1.5
    nothing_stored(world)


def test_a_certificate_the_metadata_gets_wrong_is_the_metadatas_fault(world, idp_server):
    bad = metadata_xml(idp_server.idp.entity_id, idp_server.idp.sso_url, "bm90IGEgY2VydA==")
    idp_server.canned["/metadata"] = Canned(body=bad.encode())
    response = world.client("owner").post(URL, saml_body(idp_server.metadata_url), format="json")
    assert "The metadata's idp_certificates: not an X.509 certificate" in refused_field(response)
    nothing_stored(world)


def test_metadata_comes_pasted_or_by_url_not_both(world, idp_server):
    response = world.client("owner").post(
        URL,
        saml_body(idp_server.metadata_url, idp_metadata=idp_server.idp.metadata()),
        format="json",
    )
    assert "not both" in refused_field(response)
    nothing_stored(world)


def test_a_failed_refresh_changes_nothing(world, idp_server):
    owner = world.client("owner")
    made = owner.post(URL, saml_body(idp_server.metadata_url), format="json").json()
    idp_server.rotate_key()
    idp_server.canned["/metadata"] = Canned(status=404)
    response = owner.post(f"{URL}{made['id']}/refresh-metadata/")
    assert "HTTP 404" in refused_field(response)
    with tenant_context(world.acme):
        assert Connection.objects.get(pk=made["id"]).idp_certificates == made["idp_certificates"]
    assert events(world, "sso.metadata_refreshed") == []


def test_a_connection_without_a_metadata_url_has_nothing_to_refresh(world, idp_server):
    owner = world.client("owner")
    made = owner.post(
        URL,
        {
            "protocol": "saml",
            "name": "Pasted",
            "default_role": "viewer",
            "idp_metadata": idp_server.idp.metadata(),
        },
        format="json",
    ).json()
    assert made["idp_metadata_url"] == ""
    assert "no metadata URL" in refused_field(owner.post(f"{URL}{made['id']}/refresh-metadata/"))
    oidc = factories.sso_connection(world.acme, name="OIDC")
    assert "no metadata URL" in refused_field(owner.post(f"{URL}{oidc.pk}/refresh-metadata/"))
    # Setting a URL fetches it; null forgets it.
    url = owner.patch(
        f"{URL}{made['id']}/", {"idp_metadata_url": idp_server.metadata_url}, format="json"
    )
    assert url.json()["idp_metadata_url"] == idp_server.metadata_url
    forgot = owner.patch(f"{URL}{made['id']}/", {"idp_metadata_url": None}, format="json")
    assert forgot.status_code == 200 and forgot.json()["idp_metadata_url"] == ""
    assert len(idp_server.asked) == 1


def test_only_those_who_manage_sso_refresh_and_only_their_tenants(world, idp_server):
    owner = world.client("owner")
    made = owner.post(URL, saml_body(idp_server.metadata_url), format="json").json()
    for role in ("viewer", "admin"):
        refused = world.client(role).post(f"{URL}{made['id']}/refresh-metadata/")
        assert refused.status_code == 403, (role, refused.content)
    theirs = factories.sso_connection(
        world.globex,
        protocol="saml",
        name="Globex SAML",
        idp_entity_id="https://idp.globex.example/",
        idp_sso_url="https://idp.globex.example/sso",
        idp_certificates=[SigningKey.generate().cert_text],
        idp_metadata_url=idp_server.metadata_url,
    )
    assert owner.post(f"{URL}{theirs.pk}/refresh-metadata/").status_code == 404
    assert idp_server.asked == ["/metadata"]  # only the owner's own creation fetched
