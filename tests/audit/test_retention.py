"""Retention: `audit_purge` deletes a tenant's old events, leaves the rest of the chain
verifiable from an anchor, and records the purge itself."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit import services as audit
from audit.models import GENESIS, AuditChain
from audit.verify import verify_chain
from tenants.context import tenant_context
from tests.audit.helpers import VERIFY, chain, events, last_seq, record_some, tampering

OLD = 5


def purge(*args) -> str:
    out = StringIO()
    call_command("audit_purge", *args, stdout=out)
    return out.getvalue()


def backdate(tenant, up_to_seq: int, days: int = 60) -> None:
    """Move events 1..up_to_seq `days` into the past (their hashes no longer match, which
    is fine: they are the ones a purge removes)."""
    with tampering(tenant) as rows:
        rows.filter(seq__lte=up_to_seq).update(occurred_at=timezone.now() - timedelta(days=days))


def verdict(tenant):
    with tenant_context(tenant):
        return verify_chain()


@pytest.fixture
def aged(world):
    """acme: events 1..OLD sixty days old, then some recent ones."""
    start = last_seq(world.acme)
    record_some(world.acme, OLD - start, prefix="old")
    record_some(world.acme, 4, prefix="recent")
    backdate(world.acme, OLD)
    assert len(events(world.acme, occurred_at__lt=timezone.now() - timedelta(days=30))) == OLD
    return events(world.acme)


def test_purge_deletes_old_events_and_the_rest_still_verifies(world, aged):
    kept = aged[OLD:]
    globex_before = events(world.globex)
    output = purge("--tenant", "acme", "--days", "30")
    assert f"acme: deleted {OLD} events older than 30 days" in output

    remaining = events(world.acme)
    assert [e.seq for e in remaining[:-1]] == [e.seq for e in kept]
    assert [e.hash for e in remaining[:-1]] == [e.hash for e in kept]
    purged = remaining[-1]
    assert purged.action == "audit.purged"
    assert purged.seq == aged[-1].seq + 1
    assert purged.prev_hash == aged[-1].hash
    assert purged.actor_type == "system"
    assert purged.changes["deleted"] == [None, OLD]
    assert purged.changes["before"][0] is None

    head = chain(world.acme)
    assert head.anchor_seq == OLD
    assert head.anchor_hash == kept[0].prev_hash
    result = verdict(world.acme)
    assert (result.ok, result.checked, result.last_seq) == (True, len(kept) + 1, purged.seq)
    assert events(world.globex) == globex_before


def test_the_chain_keeps_verifying_after_a_purge_and_new_events(world, aged):
    purge("--tenant", "acme", "--days", "30")
    record_some(world.acme, 3, prefix="after")
    assert verdict(world.acme).ok
    response = world.client("auditor").get(VERIFY)
    assert response.json()["ok"] is True
    out = StringIO()
    call_command("audit_verify", "--tenant", "acme", stdout=out)
    assert "acme: ok" in out.getvalue()


def test_tampering_after_a_purge_is_still_caught(world, aged):
    purge("--tenant", "acme", "--days", "30")
    with tampering(world.acme) as rows:
        rows.filter(seq=OLD + 2).update(action="forged")
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, OLD + 2)


def test_deleting_the_first_kept_event_after_a_purge_is_caught(world, aged):
    purge("--tenant", "acme", "--days", "30")
    with tampering(world.acme) as rows:
        rows.filter(seq=OLD + 1).delete()
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, OLD + 1)


def test_a_dry_run_deletes_nothing(world, aged):
    head = chain(world.acme)
    output = purge("--tenant", "acme", "--days", "30", "--dry-run")
    assert f"acme: would delete {OLD} events older than 30 days" in output
    assert [e.hash for e in events(world.acme)] == [e.hash for e in aged]
    after = chain(world.acme)
    assert (after.anchor_seq, after.anchor_hash, after.last_seq) == (
        head.anchor_seq,
        head.anchor_hash,
        head.last_seq,
    )


def test_no_retention_and_no_days_purges_nothing(world, aged):
    assert chain(world.acme).retention_days is None
    output = purge("--tenant", "acme")
    assert "deleted" not in output
    assert [e.hash for e in events(world.acme)] == [e.hash for e in aged]
    assert events(world.acme, action="audit.purged") == []


def test_the_tenants_own_retention_applies_without_days(world, aged):
    with tenant_context(world.acme):
        AuditChain.objects.filter(tenant=world.acme).update(retention_days=30)
    globex_before = events(world.globex)
    output = purge()
    assert f"acme: deleted {OLD} events older than 30 days" in output
    assert "globex" not in output  # no retention there
    assert events(world.globex) == globex_before
    assert verdict(world.acme).ok


def test_days_overrides_a_longer_retention(world, aged):
    with tenant_context(world.acme):
        AuditChain.objects.filter(tenant=world.acme).update(retention_days=365)
    output = purge("--tenant", "acme", "--dry-run")
    assert "acme: would delete 0 events older than 365 days" in output
    assert f"deleted {OLD}" in purge("--tenant", "acme", "--days", "30")


def test_nothing_old_enough_means_no_purge_event(world, aged):
    output = purge("--tenant", "acme", "--days", "90")
    assert "acme: deleted 0 events" in output
    assert events(world.acme, action="audit.purged") == []
    assert len(events(world.acme)) == len(aged)


def test_purging_twice_deletes_only_once(world, aged):
    purge("--tenant", "acme", "--days", "30")
    count = len(events(world.acme))
    assert "acme: deleted 0 events" in purge("--tenant", "acme", "--days", "30")
    assert len(events(world.acme)) == count
    assert verdict(world.acme).ok


def test_purging_every_event_leaves_a_verifiable_chain(world):
    record_some(world.acme, 3)
    total = last_seq(world.acme)
    last_hash = chain(world.acme).last_hash
    backdate(world.acme, total)
    with tenant_context(world.acme):
        deleted = audit.purge_before(timezone.now() - timedelta(days=30))
    assert deleted == total
    [purged] = events(world.acme)
    assert (purged.action, purged.seq, purged.prev_hash) == ("audit.purged", total + 1, last_hash)
    assert verdict(world.acme).ok


def test_bad_arguments_are_refused(world):
    with pytest.raises(CommandError, match="at least 1"):
        purge("--days", "0")
    with pytest.raises(CommandError, match="no tenant"):
        purge("--tenant", "nope", "--days", "30")


def test_the_purge_event_records_the_anchor_in_the_chain(world, aged):
    purge("--tenant", "acme", "--days", "30")
    purged = events(world.acme)[-1]
    assert purged.changes["anchor_seq"] == [0, OLD]
    assert purged.changes["anchor_hash"] == [GENESIS, aged[OLD - 1].hash]
    assert (chain(world.acme).anchor_seq, chain(world.acme).anchor_hash) == (
        OLD,
        aged[OLD - 1].hash,
    )


def test_deleting_more_after_a_purge_and_moving_the_anchor_is_caught(world, aged):
    """Verification reads the anchor from the purge event, not from the head: deleting
    the next events and moving the head's anchor over them is reported."""
    purge("--tenant", "acme", "--days", "30")
    with tampering(world.acme) as rows:
        first_left = rows.get(seq=OLD + 3)
        rows.filter(seq__lt=OLD + 3).delete()
        AuditChain.objects.update(anchor_seq=OLD + 2, anchor_hash=first_left.prev_hash)
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, OLD + 1)
    assert f"event {OLD + 1} is missing" in result.reason


def test_a_second_purge_moves_the_recorded_anchor(world, aged):
    purge("--tenant", "acme", "--days", "30")
    backdate(world.acme, OLD + 2)
    assert "deleted 2 events" in purge("--tenant", "acme", "--days", "30")
    assert chain(world.acme).anchor_seq == OLD + 2
    result = verdict(world.acme)
    assert result.ok, result


def test_a_chain_purged_before_purges_recorded_anchors_is_anchored_by_the_migration(world, aged):
    """Migration 0004 writes the head's anchor into the chain of a tenant purged by the
    old code (no anchor in its purge event); until then such a chain does not verify."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = importlib.import_module("audit.migrations.0004_chain_head_guard")
    with tampering(world.acme) as rows:  # what the old purge left: events gone, head anchored
        rows.filter(seq__lte=OLD).delete()
        kept = rows.order_by("seq").first()
        AuditChain.objects.update(anchor_seq=OLD, anchor_hash=kept.prev_hash)
    assert not verdict(world.acme).ok
    before = chain(world.acme).last_seq

    state = MigrationLoader(connection).project_state(("audit", "0004_chain_head_guard"))
    migration.record_anchors(state.apps, SimpleNamespace(connection=connection))

    anchored = events(world.acme)[-1]
    assert (anchored.action, anchored.seq) == ("audit.anchored", before + 1)
    assert anchored.changes == {"anchor_seq": [None, OLD], "anchor_hash": [None, kept.prev_hash]}
    assert verdict(world.acme).ok
    assert events(world.globex, action="audit.anchored") == []  # nothing purged there
