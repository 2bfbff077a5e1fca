"""The hash chain: one per tenant, gap-free, every link checked by `verify_chain`,
`audit_verify` and the verify endpoint; concurrent writers never fork it."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.db.models import F

from audit import services as audit
from audit.models import GENESIS, AuditChain, AuditEvent
from audit.verify import verify_chain
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant
from tests.audit.helpers import VERIFY, chain, events, record_some, tampering


def verdict(tenant):
    with tenant_context(tenant):
        return verify_chain()


def test_each_tenant_has_its_own_gap_free_linked_chain(world):
    record_some(world.acme, 5)
    record_some(world.globex, 3)
    for tenant in (world.acme, world.globex):
        found = events(tenant)
        assert [e.seq for e in found] == list(range(1, len(found) + 1))
        assert found[0].prev_hash == GENESIS
        for previous, current in itertools.pairwise(found):
            assert current.prev_hash == previous.hash
            assert current.hash != previous.hash
        for event in found:
            assert event.hash == audit.link_hash(event.prev_hash, event)
        head = chain(tenant)
        assert (head.last_seq, head.last_hash) == (found[-1].seq, found[-1].hash)
        result = verdict(tenant)
        assert (result.ok, result.checked, result.last_seq) == (True, len(found), len(found))
        assert result.as_dict()["first_broken"] is None


def test_a_tenant_with_no_events_verifies_empty(db):
    with platform_scope():
        tenant = Tenant.objects.create(slug="quiet", name="Quiet")
    assert verdict(tenant).as_dict() == {
        "ok": True,
        "checked": 0,
        "last_seq": 0,
        "first_broken": None,
    }


def test_record_many_appends_one_stretch_in_order(world):
    before = chain(world.acme).last_seq
    made = record_some(world.acme, 3, prefix="batch")
    assert [e.seq for e in made] == [before + 1, before + 2, before + 3]
    assert [e.action for e in events(world.acme)[-3:]] == ["batch_0", "batch_1", "batch_2"]
    assert verdict(world.acme).ok


TAMPERED_FIELDS = {
    "action": "member.innocent",
    "actor_display": "someone-else@acme.test",
    "actor_id": "999999",
    "target_display": "another target",
    "target_id": "424242",
    "changes": {"role": ["viewer", "viewer"]},
    "outcome": AuditEvent.Outcome.FAILURE,
    "repeat_count": 7,
    "user_agent": "curl/8",
    "request_id": "forged",
    "ip": "203.0.113.9",
    "occurred_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
}


@pytest.mark.parametrize("field", sorted(TAMPERED_FIELDS))
def test_editing_any_recorded_field_breaks_the_chain_at_that_event(world, field):
    record_some(world.acme, 6)
    victim = events(world.acme)[3]
    with tampering(world.acme) as rows:
        assert rows.filter(pk=victim.pk).update(**{field: TAMPERED_FIELDS[field]}) == 1
    with tenant_context(world.acme):
        stored = AuditEvent.objects.get(pk=victim.pk)
    assert getattr(stored, field) != getattr(victim, field)  # the edit really happened
    result = verdict(world.acme)
    assert not result.ok
    assert result.broken_seq == victim.seq
    assert "edited" in result.reason
    assert result.checked == victim.seq - 1


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(world):
    record_some(world.acme, 6)
    victim = events(world.acme)[2]
    victim.action = "forged.action"
    forged_hash = audit.link_hash(victim.prev_hash, victim)
    with tampering(world.acme) as rows:
        rows.filter(pk=victim.pk).update(action="forged.action", hash=forged_hash)
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, victim.seq + 1)
    assert "does not link" in result.reason


def test_deleting_an_event_in_the_middle_is_reported_as_a_gap(world):
    record_some(world.acme, 6)
    victim = events(world.acme)[3]
    with tampering(world.acme) as rows:
        assert rows.filter(pk=victim.pk).delete()[0] == 1
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, victim.seq)
    assert f"event {victim.seq} is missing" in result.reason


def test_deleting_the_last_event_is_reported_against_the_chain_head(world):
    record_some(world.acme, 4)
    last = events(world.acme)[-1]
    with tampering(world.acme) as rows:
        rows.filter(pk=last.pk).delete()
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq, result.last_seq) == (False, last.seq, last.seq)
    assert "head" in result.reason


def test_the_delete_used_for_tampering_goes_through_maintenance_without_tricks(world):
    """Deleting needs only maintenance() (no trigger bypass): what a purge or a rogue
    operator with the owner role can do, and what verification must catch."""
    from django.db import transaction

    record_some(world.acme, 4)
    victim = events(world.acme)[2]
    with tenant_context(world.acme), transaction.atomic(), audit.maintenance():
        AuditEvent.objects.filter(pk=victim.pk).delete()
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, victim.seq)


def test_tampering_with_one_tenant_leaves_the_other_verifying(world):
    record_some(world.acme, 3)
    with tampering(world.acme) as rows:
        rows.filter(seq=2).update(action="x")
    assert not verdict(world.acme).ok
    assert verdict(world.globex).ok


# --- audit_verify -------------------------------------------------------------------------


def run_verify(*args):
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def test_audit_verify_reports_ok_for_every_tenant(world):
    record_some(world.acme, 3)
    output = run_verify()
    acme = len(events(world.acme))
    globex = len(events(world.globex))
    assert f"acme: ok, {acme} events verified" in output
    assert f"globex: ok, {globex} events verified" in output
    assert "BROKEN" not in output


def test_audit_verify_fails_with_the_broken_event(world):
    record_some(world.acme, 5)
    with tampering(world.acme) as rows:
        rows.filter(seq=3).update(target_display="changed")
    out = StringIO()
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify", stdout=out)
    assert "acme: BROKEN at event 3" in out.getvalue()
    assert "globex: ok" in out.getvalue()
    assert "globex: ok" in run_verify("--tenant", "globex")
    with pytest.raises(CommandError):
        run_verify("--tenant", "acme")


def test_audit_verify_refuses_an_unknown_tenant(world):
    with pytest.raises(CommandError, match="no tenant"):
        run_verify("--tenant", "nope")


# --- The verify endpoint ------------------------------------------------------------------


def test_the_verify_endpoint_reports_ok_then_the_first_broken_link(world):
    client = world.client("auditor")
    record_some(world.acme, 4)
    head = chain(world.acme).last_seq
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert response.json() == {"ok": True, "checked": head, "last_seq": head, "first_broken": None}

    with tampering(world.acme) as rows:
        rows.filter(seq=2).update(changes={"forged": True})
    body = client.get(VERIFY).json()
    assert body["ok"] is False
    assert body["checked"] == 1
    assert body["last_seq"] == head
    assert body["first_broken"]["seq"] == 2
    assert "edited" in body["first_broken"]["reason"]


def test_the_verify_endpoint_checks_only_the_callers_tenant(world):
    record_some(world.globex, 2)
    with tampering(world.globex) as rows:
        rows.filter(seq=1).update(action="x")
    response = world.client("auditor").get(VERIFY)
    assert response.json()["ok"] is True


# --- Parallel writers ---------------------------------------------------------------------

THREADS = 8
PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_parallel_writers_never_fork_or_skip_the_chain():
    # A bare tenant: its chain head does not exist yet, so the writers also race to
    # create it.
    with platform_scope():
        tenant = Tenant.objects.create(slug="busy", name="Busy")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n):
        try:
            barrier.wait()
            with tenant_context(tenant):
                for i in range(PER_THREAD):
                    audit.record(f"parallel.t{n}", changes={"i": [None, i]})
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    found = events(tenant)
    total = THREADS * PER_THREAD
    assert len(found) == total
    assert [e.seq for e in found] == list(range(1, total + 1))
    for n in range(THREADS):
        mine = [e.changes["i"][1] for e in found if e.action == f"parallel.t{n}"]
        assert mine == list(range(PER_THREAD))  # each writer's events in its own order
    with tenant_context(tenant):
        assert AuditChain.objects.count() == 1
    result = verdict(tenant)
    assert (result.ok, result.checked, result.last_seq) == (True, total, total)


def test_an_event_with_float_changes_verifies_as_written(world):
    with tenant_context(world.acme):
        audit.record("test.floats", changes={"big": [None, 1e16], "zero": [-0.0, 0.5]})
    assert verdict(world.acme).ok


def test_an_event_from_an_ipv6_client_behind_a_proxy_verifies(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = world.client("admin")
    response = client.post(
        "/api/v1/tenants/acme/roles/",
        {"name": "Six", "permissions": []},
        HTTP_X_FORWARDED_FOR="2001:DB8:0:0::1",
    )
    assert response.status_code == 201
    assert events(world.acme)[-1].ip == "2001:db8::1"
    assert verdict(world.acme).ok


# --- A head that lies -----------------------------------------------------------------------
# Done as a superuser who switched the triggers off (`tampering`): the runtime role cannot
# do any of this (test_append_only), and verification must not believe it either.


@contextlib.contextmanager
def head_tampering(tenant):
    with tampering(tenant):
        yield AuditChain.objects


def test_an_anchor_moved_to_the_head_does_not_blind_verification(world):
    """The review's finding: the anchor moved to the head made verify answer ok with 0
    events checked. The walk now starts from the genesis (nothing was purged), checks
    every event, and reports the head's anchor."""
    record_some(world.acme, 6)
    total = len(events(world.acme))
    with head_tampering(world.acme) as heads:
        heads.update(anchor_seq=F("last_seq"), anchor_hash=F("last_hash"))
    result = verdict(world.acme)
    assert (result.ok, result.checked) == (False, total)
    assert "anchor" in result.reason
    response = world.client("auditor").get(VERIFY).json()  # its sign-in is appended too
    assert response["ok"] is False and response["checked"] > total
    assert "anchor" in response["first_broken"]["reason"]


def test_a_moved_anchor_cannot_hide_deleted_history(world):
    """Delete the oldest events and move the anchor to match: without a purge recording
    that anchor, the first missing event is reported."""
    record_some(world.acme, 6)
    kept = events(world.acme)[3:]
    with head_tampering(world.acme) as heads:
        AuditEvent.objects.filter(seq__lt=kept[0].seq).delete()
        heads.update(anchor_seq=kept[0].seq - 1, anchor_hash=kept[0].prev_hash)
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq, result.checked) == (False, 1, 0)
    assert "event 1 is missing" in result.reason


def test_a_deleted_head_is_reported(world):
    record_some(world.acme, 5)
    total = len(events(world.acme))
    with head_tampering(world.acme) as heads:
        heads.all().delete()
    result = verdict(world.acme)
    assert (result.ok, result.checked, result.broken_seq) == (False, total, total + 1)
    assert "head is missing" in result.reason
    out = StringIO()
    with pytest.raises(CommandError, match="1 chain"):
        call_command("audit_verify", "--tenant", "acme", stdout=out)
    assert "head is missing" in out.getvalue()


@pytest.mark.parametrize(
    "rewind",
    [
        {"last_seq": 0, "last_hash": GENESIS},
        {"last_seq": 2},
        {"last_hash": "f" * 64},
    ],
    ids=["to-genesis", "back", "other-hash"],
)
def test_a_rewound_head_is_reported(world, rewind):
    record_some(world.acme, 5)
    total = len(events(world.acme))
    with head_tampering(world.acme) as heads:
        heads.update(**rewind)
    result = verdict(world.acme)
    assert (result.ok, result.checked) == (False, total)
    assert "head" in result.reason


def test_events_before_the_start_are_not_left_out(world):
    """An event slipped in before the first one is covered by the walk, not skipped."""
    record_some(world.acme, 3)
    first = events(world.acme)[0]
    with head_tampering(world.acme):
        AuditEvent.objects.create(
            **{
                f.attname: getattr(first, f.attname)
                for f in AuditEvent._meta.concrete_fields
                if f.attname not in ("id", "seq")
            },
            seq=0,
        )
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, 0)
    assert "before the start" in result.reason


def test_events_beyond_the_head_are_not_left_out(world):
    record_some(world.acme, 4)
    with head_tampering(world.acme) as heads:
        heads.update(last_seq=F("last_seq") - 1)
        # the head now stops short of the last event, which still exists
    result = verdict(world.acme)
    assert not result.ok
    assert "head" in result.reason


def test_a_forged_purge_that_names_another_anchor_is_reported(world):
    """A checkpoint is an event: one appended (the runtime role may INSERT) that claims a
    purge which did not happen makes the chain fail, not pass."""
    record_some(world.acme, 3)
    with tenant_context(world.acme):
        audit.record(
            "audit.purged",
            changes={"anchor_seq": [0, 2], "anchor_hash": [GENESIS, events(world.acme)[1].hash]},
        )
    result = verdict(world.acme)
    assert not result.ok
    assert result.broken_seq == 1


def test_a_purge_event_that_names_no_anchor_is_reported(world):
    record_some(world.acme, 2)
    with tenant_context(world.acme):
        forged = audit.record("audit.purged", changes={"deleted": [None, 0]})
    result = verdict(world.acme)
    assert (result.ok, result.broken_seq) == (False, forged.seq)
    assert "names no anchor" in result.reason
