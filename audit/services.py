"""Writing audit events: called by the services that make each change, in the same
transaction, so an event exists exactly when its change does.

Each event's hash covers the previous event's hash and the event's canonical form, so
editing, removing or reordering any event breaks every later link (`audit_verify`).
Appending locks the tenant's chain head, so concurrent writers never fork the chain.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from audit.metrics import APPEND_SECONDS
from audit.models import GENESIS, AuditChain, AuditEvent, AuditSink
from core.request_context import current_request_meta
from core.times import iso_utc
from tenants.context import current_tenant, tenant_context
from tenants.db import lock_tenant_row

logger = logging.getLogger(__name__)

MAX_VALUE_CHARS = 2000
# Every control character (C0, DEL and C1) except tab, newline and carriage return.
CONTROL = {c: None for c in [*range(32), *range(0x7F, 0xA0)] if c not in (9, 10, 13)}


@dataclass(frozen=True)
class Target:
    type: str
    id: str | int | None = None
    display: str = ""

    @classmethod
    def of(cls, obj, display: str | None = None) -> Target:
        return cls(
            type=type(obj).__name__.lower(),
            id=obj.pk,
            display=display if display is not None else str(obj),
        )


def _clean(text: str, limit: int) -> str:
    """Text as stored: no NUL or other control characters (tabs and newlines stay, and
    are escaped by every export), cut to the column."""
    return str(text).translate(CONTROL)[:limit]


def _scrub(value: Any) -> Any:
    """Strings without control characters, all the way down."""
    if isinstance(value, str):
        return value.translate(CONTROL)
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    return value


def _bounded(value: Any) -> Any:
    """A before/after value as it will be stored and hashed: control characters removed,
    numbers that JSON columns do not round-trip exactly (floats) kept as text, long values
    replaced by a fingerprint."""
    encoded = json.dumps(_scrub(value), default=str, ensure_ascii=False, sort_keys=True)
    if len(encoded) <= MAX_VALUE_CHARS:
        return json.loads(encoded, parse_float=str)
    return {
        "truncated": True,
        "chars": len(encoded),
        "sha256": hashlib.sha256(encoded.encode()).hexdigest(),
    }


def _storable(changes: dict) -> dict:
    """`changes` exactly as the JSON column will give it back, so its hash verifies."""
    encoded = json.dumps(_scrub(changes), default=str, ensure_ascii=False, sort_keys=True)
    return json.loads(encoded, parse_float=str)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{field: [before, after]} for the fields whose values differ."""
    return {
        name: [_bounded(before.get(name)), _bounded(after.get(name))]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _actor(actor) -> tuple[str, str, str]:
    """(type, id, display) for a Principal, a User, a SCIM actor (scim.auth.ScimActor), or
    None (the system)."""
    if actor is None:
        return AuditEvent.ActorType.SYSTEM, "", "system"
    api_key = getattr(actor, "api_key", None)
    if api_key is not None:
        return AuditEvent.ActorType.API_KEY, str(api_key.pk), f"{api_key.prefix} ({api_key.name})"
    scim_token = getattr(actor, "scim_token", None)
    if scim_token is not None:
        return (
            AuditEvent.ActorType.SCIM_TOKEN,
            str(scim_token.pk),
            f"{scim_token.prefix} ({scim_token.name})",
        )
    user = getattr(actor, "user", actor)
    if user is None:
        return AuditEvent.ActorType.SYSTEM, "", "system"
    return AuditEvent.ActorType.USER, str(user.pk), user.email


def actor_display(actor) -> str:
    """How an actor is named wherever a record keeps who did something."""
    return _actor(actor)[2]


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every recorded field, in a fixed form."""
    occurred = event.occurred_at.astimezone(dt.UTC)
    body = {
        "tenant": event.tenant_id,
        "seq": event.seq,
        "occurred_at": iso_utc(occurred, "milliseconds"),
        "actor": [event.actor_type, event.actor_id, event.actor_display],
        "action": event.action,
        "target": [event.target_type, event.target_id, event.target_display],
        "changes": event.changes,
        "request": [event.request_id, event.ip or "", event.user_agent],
        "outcome": event.outcome,
        "repeat_count": event.repeat_count,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


@dataclass(frozen=True)
class Entry:
    action: str
    target: Target | None = None
    changes: dict | None = None
    outcome: str = AuditEvent.Outcome.SUCCESS
    repeat_count: int = 1


def lock_chain() -> AuditChain:
    """The tenant's chain head, locked until the transaction ends, after the tenant's
    row (tenants.db.lock_tenant_row: the writers' one lock order). A removal records
    its event, then revokes the person's keys, which moves the tenant's
    `security_generation`; a policy change moves it, then records: both take the tenant
    row first, so they wait for each other instead of deadlocking."""
    tenant = current_tenant()
    lock_tenant_row(tenant.pk)
    chain = AuditChain.objects.select_for_update().filter(tenant=tenant).first()
    if chain is None:
        # First event of a tenant: create the head without racing a parallel writer.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_auditchain (tenant_id, last_seq, last_hash, anchor_seq, "
                "anchor_hash) VALUES (%s, 0, %s, 0, %s) ON CONFLICT (tenant_id) DO NOTHING",
                [tenant.pk, GENESIS, GENESIS],
            )
        chain = AuditChain.objects.select_for_update().get(tenant=tenant)
    return chain


@transaction.atomic
def record_many(entries: list[Entry], *, actor=None) -> list[AuditEvent]:
    """Append events for the current tenant, in order, as one stretch of its chain (the
    time it takes, lock included, goes to audit.metrics)."""
    if not entries:
        return []
    started = time.perf_counter()
    chain = lock_chain()
    meta = current_request_meta()
    actor_type, actor_id, actor_display = _actor(actor)
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # milliseconds, as hashed
    events = []
    prev_hash, seq = chain.last_hash, chain.last_seq
    for entry in entries:
        seq += 1
        target = entry.target or Target(type="")
        event = AuditEvent(
            tenant=chain.tenant,
            seq=seq,
            occurred_at=now,
            actor_type=actor_type,
            actor_id=actor_id,
            actor_display=_clean(actor_display, 254),
            action=entry.action,
            target_type=target.type,
            target_id="" if target.id is None else str(target.id),
            target_display=_clean(target.display, 300),
            changes=_storable(entry.changes or {}),
            request_id=meta.request_id if meta else "",
            ip=meta.ip if meta else None,
            user_agent=_clean(meta.user_agent, 512) if meta else "",
            outcome=entry.outcome,
            repeat_count=entry.repeat_count,
            prev_hash=prev_hash,
        )
        event.hash = link_hash(prev_hash, event)
        prev_hash = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    chain.last_seq, chain.last_hash = seq, prev_hash
    chain.save(update_fields=["last_seq", "last_hash"])
    APPEND_SECONDS.observe(time.perf_counter() - started)
    return events


def record(
    action: str,
    *,
    actor=None,
    target: Target | None = None,
    changes: dict | None = None,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    repeat_count: int = 1,
) -> AuditEvent:
    return record_many([Entry(action, target, changes, outcome, repeat_count)], actor=actor)[0]


def record_for(tenant, action: str, **kwargs) -> AuditEvent:
    with tenant_context(tenant):
        return record(action, **kwargs)


DENIAL_WINDOW_SECONDS = 3600


def should_record_denial(key: str) -> int | None:
    """Count identical denials; answer the count when this one deserves an event.

    The 1st, 10th, 100th, ... identical denial within the window is written, carrying
    the count, so a client hammering an endpoint cannot flood the log yet the total
    stays visible. Without the shared cache every denial is written.
    """
    cache_key = f"audit:denied:{hashlib.sha256(key.encode()).hexdigest()}"
    try:
        cache.add(cache_key, 0, DENIAL_WINDOW_SECONDS)
        count = cache.incr(cache_key)
    except Exception as exc:  # cache backends raise their own connection errors
        logger.warning("audit denial counter unavailable: %s", exc)
        return 1
    text = str(count)
    return count if text[0] == "1" and set(text[1:]) <= {"0"} else None


MAINTENANCE_SETTING = "app.audit_maintenance"


@contextlib.contextmanager
def maintenance():
    """Allow deleting audit events for the rest of this transaction (retention purges,
    removing a whole tenant). The database refuses it otherwise, and the runtime role
    has no DELETE privilege on the table at all."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit maintenance needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
    yield
    # Reached only without an error: after one, the transaction is rolled back anyway and
    # a statement here would hide the real error behind "transaction aborted".
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'off', true)", [MAINTENANCE_SETTING])


@transaction.atomic
def purge_before(cutoff, *, dry_run: bool = False) -> int:
    """Delete the current tenant's events older than `cutoff`; how many.

    The last deleted event's hash becomes the chain's anchor, which the first kept event
    links to, so the rest still verifies. The purge is recorded as the newest event, and
    that event carries the anchor: verification takes it from there (hash-chained,
    append-only), never from the chain head, which the database could be made to change.
    Events an enabled audit sink has not yet received are kept (audit/sinks.py).
    """
    chain = lock_chain()
    old = AuditEvent.objects.filter(seq__gt=chain.anchor_seq, occurred_at__lt=cutoff)
    # Never what an enabled sink has yet to receive: streaming is at least once.
    owed = AuditSink.objects.filter(enabled=True).aggregate(cursor=Min("cursor"))["cursor"]
    if owed is not None:
        old = old.filter(seq__lte=owed)
    last_old = old.order_by("-seq").values_list("seq", "hash").first()
    if last_old is None:
        return 0
    anchor_seq, anchor_hash = last_old
    doomed = AuditEvent.objects.filter(seq__lte=anchor_seq)
    count = doomed.count()
    if dry_run:
        return count
    before = (chain.anchor_seq, chain.anchor_hash)
    chain.anchor_seq, chain.anchor_hash = anchor_seq, anchor_hash
    with maintenance():
        doomed.delete()
        chain.save(update_fields=["anchor_seq", "anchor_hash"])
    record(
        "audit.purged",
        changes={
            "deleted": [None, count],
            "before": [None, cutoff.isoformat()],
            "anchor_seq": [before[0], anchor_seq],
            "anchor_hash": [before[1], anchor_hash],
        },
    )
    return count
