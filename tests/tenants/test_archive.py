"""The tenant's archive: every tenant-owned table (found, not listed), nothing of another
tenant, no secrets, evidence as files; for owners only, and from an operator command."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent
from tenants.archive import has_tenant_column, secret_columns, tenant_owned_models
from tenants.context import tenant_context
from tests import factories
from tests.conftest import SENTINEL

ARCHIVE = "/api/v1/tenants/acme/archive/"


@pytest.fixture
def acme_with_secrets(world):
    """acme with a secret of every kind: a webhook's signing secret, a key, an SSO client
    secret, evidence, a pending invitation."""
    webhook = factories.webhook(world.acme, url="http://127.0.0.1:9/acme")
    key = factories.api_key(world.acme, "viewer", name="widget")
    factories.sso_connection(world.acme, name="Acme IdP", client_secret="acme-client-secret-42")
    lic = factories.license(world.acme, source=factories.source(world.acme, "Acme source"))
    evidence = factories.evidence(world.acme, lic, filename="contract.pdf", data=b"%PDF signed")
    factories.invitation(world.acme, "viewer", "invitee@acme.test")
    return {"webhook": webhook, "key": key, "evidence": evidence}


def open_archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-')
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_owner_gets_every_table_of_their_tenant_and_nothing_else(world, acme_with_secrets):
    archive = open_archive(world.client("owner").get(ARCHIVE))
    manifest = json.loads(archive.read("manifest.json"))
    tables = {name for name in manifest["files"] if name.startswith("tables/")}
    assert tables == {f"tables/{m._meta.label_lower}.jsonl" for m in tenant_owned_models()}

    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert SENTINEL.encode() not in everything  # globex's data is all marked with it
    for secret in (
        acme_with_secrets["webhook"].secret,
        acme_with_secrets["key"].token,
        acme_with_secrets["key"].api_key.secret_hash,
        b"acme-client-secret-42".decode(),
    ):
        assert secret.encode() not in everything
    assert "webhooks.webhookendpoint.secret" in manifest["left_out"]

    with tenant_context(world.acme):
        for model in tenant_owned_models():
            name = f"tables/{model._meta.label_lower}.jsonl"
            lines = archive.read(name).decode().splitlines()
            entry = manifest["files"][name]
            assert entry["rows"] == len(lines)
            assert entry["sha256"] == hashlib.sha256(archive.read(name)).hexdigest()
            if has_tenant_column(model):
                stored = model._base_manager.filter(tenant=world.acme)
                if model is AuditEvent:  # but the export's own event, written after it
                    stored = stored.exclude(action="tenant.exported")
                assert len(lines) == stored.count(), name
                assert all(json.loads(line)["tenant_id"] == world.acme.pk for line in lines)
        before_export = AuditEvent.objects.exclude(action="tenant.exported").latest("seq")
    assert manifest["audit_chain_head"] == {"seq": before_export.seq, "hash": before_export.hash}

    (row,) = [
        json.loads(line)
        for line in archive.read("tables/licensing.evidence.jsonl").decode().splitlines()
    ]
    content = archive.read(row["content"]["file"])
    assert content == b"%PDF signed"
    assert hashlib.sha256(content).hexdigest() == row["sha256"]

    people = [json.loads(line) for line in archive.read("people.jsonl").decode().splitlines()]
    assert {p["email"] for p in people} >= {"owner@acme.test", "invitee@acme.test"}
    assert all("password" not in p for p in people)
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="tenant.exported").count() == 1


@pytest.mark.parametrize("role", ["admin", "auditor", "viewer"])
def test_only_owners_may_take_the_archive(world, role):
    assert world.client(role).get(ARCHIVE).status_code == 403


def test_the_operator_command_writes_the_same_archive(world, acme_with_secrets, tmp_path, capsys):
    call_command("export_tenant", "acme", "--output", str(tmp_path))
    path = capsys.readouterr().out.strip().splitlines()[-1]
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["tenant"]["slug"] == "acme"
        assert SENTINEL.encode() not in b"".join(archive.read(n) for n in archive.namelist())
    with pytest.raises(CommandError, match="exists"):
        call_command("export_tenant", "acme", "--output", path)
    with pytest.raises(CommandError, match="no tenant 'nobody'"):
        call_command("export_tenant", "nobody")


def test_every_tenant_owned_table_has_a_forced_row_level_security_policy(db):
    """The archive's list of tenant-owned tables is derived from the models; every table
    on it must have the tenant policy, so a new tenant-owned model without one fails here."""
    missing = []
    with connection.cursor() as cursor:
        for model in tenant_owned_models():
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            if cursor.fetchone() != (True, True):
                missing.append(model._meta.db_table)
    assert missing == []


def test_the_secret_columns_left_out_are_the_known_ones(db):
    """A column named as a secret is left out; this list changes only on purpose."""
    assert secret_columns() == [
        "audit.auditsink.secret",
        "scim.scimtoken.secret_hash",
        "sso.connection.client_secret_encrypted",
        "tenants.apikey.secret_hash",
        "tenants.invitation.secret_hash",
        "webhooks.webhookendpoint.secret",
    ]
