"""The connections API: protocol-specific fields, secrets encrypted at rest and never
returned, clear 400s with nothing half-stored, and the URLs an admin copies."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db

from audit.models import AuditEvent
from sso import crypto
from sso.models import Connection
from tenants.context import tenant_context
from tenants.models import Tenant
from tests import factories
from tests.sso.saml_idp import SigningKey, metadata_xml

URL = "/api/v1/tenants/acme/sso/connections/"
SECRET = "very-secret-client-secret-1234"

OIDC = {
    "protocol": "oidc",
    "name": "Okta",
    "default_role": "viewer",
    "issuer": "https://acme.okta.example/",
    "client_id": "0oa1example",
    "client_secret": SECRET,
    "scopes": ["openid", "email", "profile", "groups"],
    "claim_mapping": {"groups": "groups", "name": "name"},
    "group_roles": [{"group": "digest-editors", "role": "editor"}],
}


def stored(pk: int) -> Connection:
    with tenant_context(Tenant.objects.get(slug="acme")):
        return Connection.objects.get(pk=pk)


def test_an_oidc_connection_is_created_and_its_secret_never_comes_back(world):
    owner = world.client("owner")
    created = owner.post(URL, OIDC, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert SECRET.encode() not in created.content
    assert body["client_secret_set"] is True
    assert body["protocol"] == "oidc"
    assert body["default_role"] == "viewer"
    assert body["claim_mapping"] == {"groups": "groups", "name": "name"}
    assert body["scopes"] == ["openid", "email", "profile", "groups"]
    assert body["attribute_mapping"] is None
    row = stored(body["id"])
    assert body["login_url"] == f"http://testserver/sso/acme/login?connection={row.public_id}"
    assert body["callback_url"] == f"http://testserver/sso/oidc/{row.public_id}/callback"

    for response in (owner.get(URL), owner.get(f"{URL}{body['id']}/")):
        assert response.status_code == 200
        assert SECRET.encode() not in response.content

    # At rest: only ciphertext in the column; the key from the environment opens it.
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret_encrypted FROM sso_connection WHERE id = %s", [body["id"]]
        )
        (ciphertext,) = cursor.fetchone()
    assert SECRET not in ciphertext
    assert row.client_secret == SECRET

    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.connection_created")
    assert SECRET not in str(event.changes)


def test_a_saml_connection_takes_pem_certificates_and_publishes_sp_metadata(world):
    owner = world.client("owner")
    cert = SigningKey.generate().cert_text
    created = owner.post(
        URL,
        {
            "protocol": "saml",
            "name": "Entra ID",
            "default_role": "viewer",
            "idp_entity_id": "https://sts.windows.example/tenant-id/",
            "idp_sso_url": "https://login.microsoftonline.example/tenant-id/saml2",
            "idp_certificates": [cert],
            "attribute_mapping": {
                "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "groups": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
            },
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "BEGIN CERTIFICATE" not in body["idp_certificates"][0]  # stored as base64 DER
    assert body["sp_entity_id"].endswith("/metadata")
    metadata = owner.get(body["sp_entity_id"].removeprefix("http://testserver"))
    assert metadata.status_code == 200
    assert body["callback_url"].encode() in metadata.content


def test_a_saml_connection_is_set_up_from_the_providers_metadata(world):
    owner = world.client("owner")
    key = SigningKey.generate()
    xml = metadata_xml("https://idp.example/entity", "https://idp.example/sso", key.cert_text)
    created = owner.post(
        URL,
        {"protocol": "saml", "name": "Okta", "default_role": "viewer", "idp_metadata": xml},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["idp_entity_id"] == "https://idp.example/entity"
    assert body["idp_sso_url"] == "https://idp.example/sso"
    assert len(body["idp_certificates"]) == 1 and "idp_metadata" not in body
    # What the request names itself wins over the metadata.
    changed = owner.patch(
        f"{URL}{body['id']}/",
        {"idp_metadata": xml, "idp_sso_url": "https://idp.example/sso-2"},
        format="json",
    )
    assert changed.json()["idp_sso_url"] == "https://idp.example/sso-2"
    refused = owner.post(
        URL,
        {"protocol": "saml", "name": "Bad", "default_role": "viewer", "idp_metadata": "<x"},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "idp_metadata"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"client_secret": None}, "client_secret"),
        ({"issuer": "not a url"}, "issuer"),
        ({"issuer": "http://plain.example/"}, "issuer"),
        ({"scopes": ["email", "has space"]}, "scopes.1"),
        ({"protocol": "ldap"}, "protocol"),
        ({"default_role": "no-such-role"}, "default_role"),
        ({"idp_sso_url": "https://idp.example/sso"}, "idp_sso_url"),
        ({"claim_mapping": {"shoe_size": "x"}}, "claim_mapping"),
        ({"group_roles": [{"group": "g"}]}, "group_roles.0.role"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_stored(world, settings, change, field):
    settings.SSO_ALLOW_HTTP = False
    body = {**OIDC, **change}
    body = {key: value for key, value in body.items() if value is not None}
    response = world.client("owner").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]], response.json()
    with tenant_context(world.acme):
        assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"default_role": "owner"}, "owner_by_sso"),
        ({"group_roles": [{"group": "g", "role": "owner"}]}, "owner_by_sso"),
        ({"group_roles": [{"group": "g", "role": "ghost"}]}, "unknown_role"),
    ],
)
def test_sso_never_hands_out_the_owner_role_or_unknown_roles(world, change, code):
    response = world.client("owner").post(URL, {**OIDC, **change}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    with tenant_context(world.acme):
        assert not Connection.objects.exists()


def test_a_saml_certificate_must_be_a_certificate(world):
    response = world.client("owner").post(
        URL,
        {
            "protocol": "saml",
            "name": "Broken",
            "default_role": "viewer",
            "idp_entity_id": "https://idp.example/",
            "idp_sso_url": "https://idp.example/sso",
            "idp_certificates": ["-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "idp_certificates.0"


def test_patch_changes_fields_rotates_the_secret_and_keeps_the_protocol(world):
    owner = world.client("owner")
    body = owner.post(URL, OIDC, format="json").json()
    url = f"{URL}{body['id']}/"
    change = {"name": "Okta (prod)", "client_secret": "new-secret"}
    changed = owner.patch(url, change, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Okta (prod)"
    assert b"new-secret" not in changed.content
    assert stored(body["id"]).client_secret == "new-secret"
    wrong = owner.patch(url, {"idp_entity_id": "https://x.example/"}, format="json")
    assert wrong.status_code == 400
    assert owner.patch(url, {"protocol": "saml"}, format="json").json()["protocol"] == "oidc"


def test_a_viewer_cannot_read_connections(world):
    assert world.client("viewer").get(URL).status_code == 403


def test_secrets_survive_key_rotation(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.SSO_ENCRYPTION_KEYS = [old]
    token = crypto.encrypt("s3")
    settings.SSO_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(token) == "s3"
    rotated = crypto.rotate(token)
    settings.SSO_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == "s3"
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        crypto.decrypt(token)


def test_the_rotation_command_reencrypts_every_secret_with_the_first_key(world, settings):
    from django.core.management import call_command

    made = factories.sso_connection(world.acme, name="Rotating", client_secret="keep-me")
    new = Fernet.generate_key()
    settings.SSO_ENCRYPTION_KEYS = [new, *settings.SSO_ENCRYPTION_KEYS]
    call_command("sso_rotate_secrets")
    settings.SSO_ENCRYPTION_KEYS = [new]  # the old key is gone
    assert stored(made.pk).client_secret == "keep-me"
    with tenant_context(world.globex):
        assert Connection.objects.get().client_secret == "client-secret"


def test_a_role_an_sso_connection_hands_out_cannot_be_deleted(world):
    owner = world.client("owner")
    role = owner.post(
        "/api/v1/tenants/acme/roles/", {"name": "Readers", "permissions": []}, format="json"
    ).json()
    owner.post(URL, {**OIDC, "group_roles": [{"group": "r", "role": role["slug"]}]}, format="json")
    refused = owner.delete(f"/api/v1/tenants/acme/roles/{role['id']}/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "role_in_use"


def test_the_last_enabled_connection_stays_while_sso_is_required(world):
    owner = world.client("owner")
    body = owner.post(URL, OIDC, format="json").json()
    assert (
        owner.patch(
            "/api/v1/tenants/acme/sso/settings/",
            {"require_sso": True, "break_glass": [world.members["owner"].email]},
            format="json",
        ).status_code
        == 200
    )
    owner = world.client("owner")  # a break-glass owner's password session
    for response in (
        owner.patch(f"{URL}{body['id']}/", {"enabled": False}, format="json"),
        owner.delete(f"{URL}{body['id']}/"),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "last_sso_connection"


def test_replacing_the_secret_is_audited_without_the_secret(world):
    owner = world.client("owner")
    body = owner.post(URL, OIDC, format="json").json()
    owner.patch(f"{URL}{body['id']}/", {"client_secret": "rotated-secret"}, format="json")
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.connection_updated")
    assert event.changes == {"client_secret": ["(set)", "(replaced)"]}
    assert "rotated-secret" not in str(event.changes)
