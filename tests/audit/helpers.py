"""Shared helpers for the audit tests: reading a tenant's chain, tampering with it as a
database superuser would, and fetching the streamed exports."""

from __future__ import annotations

import contextlib

from django.db import connection, transaction

from audit import services as audit
from audit.models import AuditChain, AuditEvent
from tenants.context import tenant_context
from tenants.models import Tenant

BASE = "/api/v1/tenants/acme"
EVENTS = f"{BASE}/audit/events/"
EXPORT = f"{EVENTS}export/"
VERIFY = f"{EVENTS}verify/"


def events(tenant: Tenant, **filters) -> list[AuditEvent]:
    """The tenant's events, oldest first."""
    with tenant_context(tenant):
        return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def actions(tenant: Tenant) -> list[str]:
    return [e.action for e in events(tenant)]


def last_seq(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def only(tenant: Tenant, action: str, *, after: int = 0) -> AuditEvent:
    """The single event with `action` newer than seq `after`; fails if not exactly one."""
    found = events(tenant, action=action, seq__gt=after)
    assert len(found) == 1, [f"{e.seq} {e.action}" for e in events(tenant, seq__gt=after)]
    return found[0]


def chain(tenant: Tenant) -> AuditChain:
    with tenant_context(tenant):
        return AuditChain.objects.get()


def record_some(tenant: Tenant, count: int, prefix: str = "test.event") -> list[AuditEvent]:
    with tenant_context(tenant):
        return audit.record_many([audit.Entry(f"{prefix}_{i}") for i in range(count)])


@contextlib.contextmanager
def tampering(tenant: Tenant):
    """Change or remove stored events as a database superuser could.

    Inside `audit.services.maintenance()` (what the product uses to delete), plus
    `session_replication_role = replica`, which skips the append-only trigger for an
    UPDATE (the trigger turns an UPDATE under maintenance into a silent no-op; see
    test_append_only). Both are reset before leaving, so the rest of the test runs with
    the protections on again.
    """
    with tenant_context(tenant), transaction.atomic(), audit.maintenance():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        try:
            yield AuditEvent.objects
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")


def body(response) -> bytes:
    """A response's bytes, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def export(client, export_format: str = "jsonl", **params):
    response = client.get(EXPORT, {"export_format": export_format, **params})
    assert response.status_code == 200, body(response)
    return response, body(response).decode("utf-8")
