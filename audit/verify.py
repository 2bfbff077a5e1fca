"""Walk a tenant's chain and report the first broken link.

Nothing the database lets the application change is trusted. The walk covers every
event present, from the oldest to the newest. The oldest must link to the genesis or,
once events were purged, to the anchor the newest purge recorded in its own event
(hash-chained like the rest). The chain head (`AuditChain`) is only compared with what
the walk found: a head that was moved, rewound or removed is reported, never believed.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.models import CHECKPOINT_ACTIONS, GENESIS, AuditChain, AuditEvent
from audit.services import link_hash


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    last_seq: int
    broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "last_seq": self.last_seq,
            "first_broken": None if self.ok else {"seq": self.broken_seq, "reason": self.reason},
        }


def recorded_anchor() -> tuple[int, str] | int:
    """(seq, hash) the oldest kept event must follow: what the newest purge recorded, or
    the genesis when nothing was ever purged. The event itself is verified by the walk;
    one that names no anchor is answered by its seq, to be reported."""
    checkpoint = (
        AuditEvent.objects.filter(action__in=CHECKPOINT_ACTIONS)
        .order_by("-seq")
        .values_list("seq", "changes")
        .first()
    )
    if checkpoint is None:
        return 0, GENESIS
    seq, changes = checkpoint
    try:
        return int(changes["anchor_seq"][1]), str(changes["anchor_hash"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return seq


def verify_chain() -> Verdict:
    """For the current tenant: every event's hash recomputed and every link followed,
    from the recorded anchor through every event present; then the head compared."""
    chain = AuditChain.objects.first()
    checked = 0
    last_seq = chain.last_seq if chain is not None else 0

    def broken(seq: int, reason: str) -> Verdict:
        return Verdict(False, checked, last_seq, seq, reason)

    anchor = recorded_anchor()
    if isinstance(anchor, int):
        return broken(anchor, "a purge event that names no anchor")
    anchor_seq, anchor_hash = anchor
    expected_seq, prev_hash = anchor_seq + 1, anchor_hash

    events = AuditEvent.objects.order_by("seq")
    for event in events.iterator(chunk_size=2000):
        if chain is None:
            last_seq = event.seq  # reported below: events without a head
        if event.seq != expected_seq:
            if checked == 0 and event.seq < expected_seq:
                return broken(
                    event.seq, f"event {event.seq} lies before the start of the kept chain"
                )
            missing = f"event {expected_seq} is missing (next found: {event.seq})"
            return broken(expected_seq, missing)
        if event.prev_hash != prev_hash:
            start = "the recorded anchor" if checked == 0 else "the previous event"
            return broken(event.seq, f"does not link to {start}")
        if link_hash(prev_hash, event) != event.hash:
            return broken(event.seq, "its content does not match its hash (edited)")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    last = expected_seq - 1
    if chain is None:
        if checked:
            return broken(last + 1, "the chain head is missing")
        return Verdict(True, 0, 0)
    if last != chain.last_seq or prev_hash != chain.last_hash:
        return broken(last + 1, f"the chain ends at {last} but its head says {chain.last_seq}")
    if (chain.anchor_seq, chain.anchor_hash) != (anchor_seq, anchor_hash):
        return broken(
            anchor_seq + 1,
            f"the chain head's anchor ({chain.anchor_seq}) is not the one recorded "
            f"by the last purge ({anchor_seq})",
        )
    return Verdict(True, checked, chain.last_seq)
