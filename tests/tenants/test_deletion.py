"""Deleting a tenant: owners ask and may take it back; the operator's command deletes
every tenant-owned row, the role groups, the people who belonged nowhere else and their
sessions, and leaves a signed receipt with the audit chain's last link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from tenants.archive import has_tenant_column, tenant_owned_models, tenant_parent
from tenants.context import platform_scope, tenant_context
from tenants.models import DeletionReceipt, Role, Tenant, User
from tenants.services.deletion import receipt_verify
from tests import factories
from tests.factories import PASSWORD

DELETION = "/api/v1/tenants/acme/deletion/"


def rows_of(tenant_id: int) -> dict[str, int]:
    """Rows each tenant-owned table holds for the tenant (through the parent for the
    tables hanging from one)."""
    counts = {}
    with platform_scope():
        for model in tenant_owned_models():
            if has_tenant_column(model):
                found = model._base_manager.filter(tenant_id=tenant_id)
            else:
                parent = tenant_parent(model)
                found = model._base_manager.filter(**{f"{parent.name}__tenant_id": tenant_id})
            counts[model._meta.label_lower] = found.count()
    return counts


@pytest.fixture
def busy_acme(world):
    """acme holding a row in as many tables as the factories reach."""
    factories.webhook_delivery(
        world.acme, factories.webhook(world.acme, url="http://127.0.0.1:9/a")
    )
    lic = factories.license(world.acme, source=factories.source(world.acme, "Acme source"))
    factories.evidence(world.acme, lic)
    factories.sso_connection(world.acme, name="Acme IdP")
    factories.sso_domain(world.acme, "acme.test")
    policy = factories.policy(world.acme, name="Acme policy", publish=True)
    factories.policy_insight(world.acme, policy)
    factories.invitation(world.acme, "viewer", "invitee@acme.test")
    digest = factories.digest(world.acme, title="Restricted")
    with tenant_context(world.acme):
        from digests import services as digest_services

        digest_services.digest_set_access(
            actor=None, digest=digest, restricted=True, members=[world.members["editor"]], roles=[]
        )
    return world


def test_owners_ask_and_may_take_it_back(world):
    owner = world.client("owner")
    refused = owner.post(DELETION, {"confirm": "acme-typo"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "confirmation_mismatch"
    asked = owner.post(DELETION, {"confirm": "acme"}, format="json")
    assert asked.status_code == 202
    body = asked.json()
    assert body["requested"] and body["requested_by"] == "owner@acme.test"
    after = dt.datetime.fromisoformat(body["delete_after"])
    assert dt.timedelta(days=29, hours=23) < after - timezone.now() <= dt.timedelta(days=30)
    assert owner.post(DELETION, {"confirm": "acme"}, format="json").status_code == 409
    # Nothing is deleted on its own: the API keeps working meanwhile.
    assert owner.get("/api/v1/tenants/acme/digests/").status_code == 200
    assert owner.delete(DELETION).json()["requested"] is False
    with tenant_context(world.acme):
        actions = list(
            AuditEvent.objects.filter(action__startswith="tenant.deletion").values_list(
                "action", flat=True
            )
        )
    assert actions == ["tenant.deletion_requested", "tenant.deletion_cancelled"]
    assert (
        world.client("admin").post(DELETION, {"confirm": "acme"}, format="json").status_code == 403
    )
    assert world.client("viewer").get(DELETION).status_code == 200


def test_deleting_empties_every_tenant_owned_table_and_leaves_a_signed_receipt(busy_acme):
    world = busy_acme
    acme_id = world.acme.pk
    viewer = world.members["viewer"]
    viewers_browser = Client()
    assert viewers_browser.login(username=viewer.email, password=PASSWORD)
    # The auditor also belongs to globex: they stay, with their session.
    auditor = world.members["auditor"]
    factories.membership(world.globex, factories.role(world.globex, "viewer"), auditor.email)
    auditors_browser = Client()
    assert auditors_browser.login(username=auditor.email, password=PASSWORD)
    key = factories.api_key(world.acme, "viewer", name="to go")
    with connection.cursor() as cursor:
        # What commit would do now: the data version triggers (tenants/0014) count the
        # setup's writes, globex's included, before the rows are counted.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    before = rows_of(acme_id)
    assert sum(1 for n in before.values() if n) >= 20  # the fixture reached most tables
    globex_before = rows_of(world.globex.pk)
    groups = list(
        Role.objects.unscoped().filter(tenant=world.acme).values_list("group_id", flat=True)
    )
    world.client("owner").post(DELETION, {"confirm": "acme"}, format="json")
    with platform_scope():
        Tenant.objects.filter(pk=acme_id).update(delete_after=timezone.now())
    held = rows_of(acme_id)

    call_command("delete_tenant", "--due")
    with connection.cursor() as cursor:  # the foreign keys, as the commit would check them
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert not any(rows_of(acme_id).values()), rows_of(acme_id)
    assert rows_of(world.globex.pk) == globex_before
    with platform_scope():
        assert not Tenant.objects.filter(pk=acme_id).exists()
    assert not Group.objects.filter(pk__in=groups).exists()
    assert not User.objects.filter(pk=viewer.pk).exists()
    assert User.objects.filter(pk=auditor.pk).exists()
    assert viewers_browser.get("/api/v1/me").status_code in (401, 403)
    assert auditors_browser.get("/api/v1/tenants/globex/digests/").status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert api.get("/api/v1/me").status_code == 401

    receipt = DeletionReceipt.objects.get(tenant_id=acme_id)
    signed = receipt_verify(receipt.signed)
    assert signed["tenant"]["slug"] == "acme"
    assert signed["requested_by"] == "owner@acme.test"
    assert signed["audit_chain_head"] == receipt.audit_chain_head
    expected = {**held, "audit.auditevent": held["audit.auditevent"] + 1}  # tenant.deleted
    assert {k: v for k, v in signed["rows"].items() if k != "tenants.user"} == expected
    assert len(receipt.audit_chain_head["hash"]) == 64
    with pytest.raises(signing.BadSignature):
        receipt_verify(receipt.signed[:-2] + "xx")


def test_the_command_deletes_at_once_only_when_told(world, capsys):
    with pytest.raises(CommandError, match="--now"):
        call_command("delete_tenant", "acme")
    with pytest.raises(CommandError, match="no tenant"):
        call_command("delete_tenant", "nobody", "--now")
    call_command("delete_tenant", "--due")
    assert "No tenant is due" in capsys.readouterr().out
    call_command("delete_tenant", "acme", "--now")
    assert '"signed"' in capsys.readouterr().out.strip().splitlines()[-1]
    with platform_scope():
        assert list(Tenant.objects.values_list("slug", flat=True)) == ["globex"]
