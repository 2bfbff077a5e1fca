"""Retention set by owners through the API: at least the minimum, shortening held back by
a delay, the operator's setting winning, and `audit_purge` applying it with the chain
still verifiable."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditChain, AuditEvent, AuditRetention
from audit.verify import verify_chain
from tenants.context import platform_scope, tenant_context
from tests.audit.helpers import last_seq, record_some, tampering

RETENTION = "/api/v1/tenants/acme/audit/retention/"


def set_days(client, days):
    return client.patch(RETENTION, {"days": days}, format="json")


def test_owners_set_it_and_shortening_waits(world, settings):
    settings.AUDIT_MIN_RETENTION_DAYS = 90
    settings.AUDIT_RETENTION_SHORTENING_DELAY_DAYS = 7
    owner = world.client("owner")
    assert owner.get(RETENTION).json()["days_in_force"] is None

    too_short = set_days(owner, 30)
    assert too_short.status_code == 400 and too_short.json()["code"] == "retention_too_short"

    # From "keep everything" to 365 days is shorter: it waits.
    answer = set_days(owner, 365).json()
    assert answer["days_in_force"] is None
    assert answer["owners"]["days"] == 365 and answer["owners"]["previous_days"] is None
    waits = dt.datetime.fromisoformat(answer["owners"]["effective_at"]) - timezone.now()
    assert dt.timedelta(days=6, hours=23) < waits <= dt.timedelta(days=7)

    with tenant_context(world.acme):
        AuditRetention.objects.update(effective_at=timezone.now())
    assert owner.get(RETENTION).json()["days_in_force"] == 365
    # Longer holds at once; so does keeping everything.
    assert set_days(owner, 400).json()["days_in_force"] == 400
    assert set_days(owner, None).json()["days_in_force"] is None
    with tenant_context(world.acme):
        changes = [
            e.changes["days"]
            for e in AuditEvent.objects.filter(action="audit.retention_changed").order_by("seq")
        ]
    assert changes == [[None, 365], [365, 400], [400, None]]


def test_only_owners_may_set_it_and_auditors_may_read_it(world):
    assert set_days(world.client("admin"), 365).status_code == 403
    assert world.client("auditor").get(RETENTION).status_code == 200
    assert world.client("viewer").get(RETENTION).status_code == 403


def test_the_operators_setting_wins(world):
    owner = world.client("owner")
    set_days(owner, 365)
    with tenant_context(world.acme):
        AuditRetention.objects.update(effective_at=timezone.now())
    # The test database's own role may write it; the runtime role may not
    # (audit.models.RUNTIME_PRIVILEGES): operators set it with the database owner's role.
    with platform_scope():
        AuditChain.objects.unscoped().filter(tenant=world.acme).update(retention_days=120)
    answer = owner.get(RETENTION).json()
    assert answer["days_in_force"] == 120 and answer["operator_days"] == 120


def test_the_purge_applies_what_owners_set(world, settings):
    settings.AUDIT_MIN_RETENTION_DAYS = 30
    record_some(world.acme, 3, prefix="old")
    old_until = last_seq(world.acme)
    record_some(world.acme, 2, prefix="recent")
    with tampering(world.acme) as rows:
        rows.filter(seq__lte=old_until).update(occurred_at=timezone.now() - dt.timedelta(days=60))
    set_days(world.client("owner"), 30)
    out = StringIO()
    call_command("audit_purge", "--tenant", "acme", stdout=out)
    assert "deleted" not in out.getvalue()  # shortening has not held yet
    with tenant_context(world.acme):
        AuditRetention.objects.update(effective_at=timezone.now())
    call_command("audit_purge", "--tenant", "acme", stdout=out)
    assert f"acme: deleted {old_until} events older than 30 days" in out.getvalue()
    with tenant_context(world.acme):
        assert verify_chain().ok
