"""Deleting a tenant: asked for by an owner, kept for a grace period, then carried out by
an operator, leaving a signed receipt.

Owners ask (`deletion_request`) and may change their mind (`deletion_cancel`) until
`delete_after`; the API keeps working meanwhile, so they can take the archive
(tenants.archive). Deleting (`tenant_delete`) is an operator's command run as the
database owner, because the application's own role may not delete audit events.

Every row of every tenant-owned table goes (`tenants.archive.tenant_owned_models`, the
same list the archive and the row-level security test use), in one transaction: the
foreign keys are checked at commit, so the order of the tables does not matter. The
tenant's role groups go with them, and so do the people who belonged to no other tenant
(operators' accounts excepted), with their sessions. The last audit event, written just
before, records the deletion; its hash is in the receipt.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from audit import services as audit
from core.exceptions import Conflict, ServiceError
from tenants.archive import has_tenant_column, tenant_owned_models, tenant_parent
from tenants.context import current_tenant, platform_scope, tenant_context
from tenants.db import lock_tenant_row
from tenants.models import DeletionReceipt, Membership, Role, Tenant, User
from tenants.principals import Principal
from tenants.signals import member_sessions_ending

RECEIPT_SALT = "digest-platform.tenant-deletion-receipt"


@transaction.atomic
def deletion_request(*, actor: Principal | None, confirm: str) -> Tenant:
    """Schedule the current tenant's deletion after TENANT_DELETION_GRACE_DAYS; `confirm`
    must be its slug."""
    tenant = current_tenant()
    lock_tenant_row(tenant.pk)
    tenant = Tenant.objects.get(pk=tenant.pk)
    if confirm != tenant.slug:
        raise ServiceError(
            f"type the tenant's slug ({tenant.slug}) in `confirm` to ask for its deletion",
            code="confirmation_mismatch",
        )
    if tenant.delete_after is not None:
        raise Conflict(
            f"deletion is already asked for, on {tenant.delete_after:%Y-%m-%d}",
            code="deletion_requested",
        )
    now = timezone.now()
    tenant.deletion_requested_at = now
    tenant.deletion_requested_by = str(actor.user or actor.api_key) if actor else "operator"
    tenant.delete_after = now + dt.timedelta(days=settings.TENANT_DELETION_GRACE_DAYS)
    tenant.save(update_fields=["deletion_requested_at", "deletion_requested_by", "delete_after"])
    audit.record(
        "tenant.deletion_requested",
        actor=actor,
        target=audit.Target.of(tenant, tenant.name),
        changes={"delete_after": [None, tenant.delete_after.isoformat()]},
    )
    return tenant


@transaction.atomic
def deletion_cancel(*, actor: Principal | None) -> Tenant:
    tenant = current_tenant()
    lock_tenant_row(tenant.pk)
    tenant = Tenant.objects.get(pk=tenant.pk)
    if tenant.delete_after is None:
        raise Conflict("no deletion is asked for", code="no_deletion_requested")
    audit.record(
        "tenant.deletion_cancelled",
        actor=actor,
        target=audit.Target.of(tenant, tenant.name),
        changes={"delete_after": [tenant.delete_after.isoformat(), None]},
    )
    tenant.deletion_requested_at = tenant.delete_after = None
    tenant.deletion_requested_by = ""
    tenant.save(update_fields=["deletion_requested_at", "deletion_requested_by", "delete_after"])
    return tenant


def _delete_rows(model, tenant: Tenant) -> int:
    table = sql.Identifier(model._meta.db_table)
    if has_tenant_column(model):
        statement = sql.SQL("DELETE FROM {} WHERE tenant_id = %s").format(table)
    else:  # a table hanging from a tenant-owned one (tenants.archive)
        parent = tenant_parent(model)
        statement = sql.SQL(
            "DELETE FROM {} WHERE {} IN (SELECT id FROM {} WHERE tenant_id = %s)"
        ).format(
            table,
            sql.Identifier(parent.column),
            sql.Identifier(parent.related_model._meta.db_table),
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, [tenant.pk])
        return cursor.rowcount


@transaction.atomic
def tenant_delete(tenant: Tenant) -> DeletionReceipt:
    """Delete `tenant` and everything it holds, now; its receipt."""
    with platform_scope():
        lock_tenant_row(tenant.pk)
        tenant = Tenant.objects.get(pk=tenant.pk)
        members = list(Membership.objects.unscoped().filter(tenant=tenant).select_related("user"))
        groups = list(
            Role.objects.unscoped().filter(tenant=tenant).values_list("group_id", flat=True)
        )
    with tenant_context(tenant):
        last = audit.record(
            "tenant.deleted",
            target=audit.Target.of(tenant, tenant.name),
            changes={"members": [len(members), 0]},
        )
    head = {"seq": last.seq, "hash": last.hash}
    rows = {}
    with platform_scope(), audit.maintenance():
        # Tables hanging from a tenant-owned one find their rows through it: first.
        for model in sorted(tenant_owned_models(), key=has_tenant_column):
            rows[model._meta.label_lower] = _delete_rows(model, tenant)
        Group.objects.filter(pk__in=groups).delete()
        gone = [
            m.user
            for m in members
            if not m.user.is_staff
            and not m.user.is_superuser
            and not Membership.objects.unscoped().filter(user=m.user).exists()
        ]
        for person in gone:  # their sessions (sso answers); the rest keep theirs
            member_sessions_ending.send(sender=Membership, user=person)
        rows["tenants.user"] = (
            User.objects.filter(pk__in=[p.pk for p in gone]).delete()[1].get("tenants.User", 0)
        )
        deleted_at = timezone.now()
        receipt = {
            "tenant": {"id": tenant.pk, "slug": tenant.slug, "name": tenant.name},
            "requested_by": tenant.deletion_requested_by,
            "requested_at": tenant.deletion_requested_at.isoformat()
            if tenant.deletion_requested_at
            else None,
            "deleted_at": deleted_at.isoformat(),
            "rows": rows,
            "audit_chain_head": head,
        }
        Tenant.objects.filter(pk=tenant.pk).delete()
        return DeletionReceipt.objects.create(
            tenant_id=tenant.pk,
            slug=tenant.slug,
            name=tenant.name,
            requested_by=tenant.deletion_requested_by,
            requested_at=tenant.deletion_requested_at,
            deleted_at=deleted_at,
            rows=rows,
            audit_chain_head=head,
            signed=signing.dumps(receipt, salt=RECEIPT_SALT, compress=True),
        )


def receipt_verify(signed: str) -> dict:
    """The receipt a signed copy holds; raises signing.BadSignature if it is not ours
    or was changed."""
    return signing.loads(signed, salt=RECEIPT_SALT)


def due_for_deletion(now: dt.datetime | None = None) -> list[Tenant]:
    with platform_scope():
        return list(
            Tenant.objects.filter(delete_after__lte=now or timezone.now()).order_by("delete_after")
        )
