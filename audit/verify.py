"""Walk a tenant's chain and report the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from audit.models import AuditChain, AuditEvent
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


def verify_chain() -> Verdict:
    """For the current tenant: every event's hash recomputed, every link followed, from
    the anchor (the genesis, or what a purge left) to the chain head."""
    chain = AuditChain.objects.first()
    if chain is None:
        return Verdict(ok=True, checked=0, last_seq=0)
    expected_seq = chain.anchor_seq + 1
    prev_hash = chain.anchor_hash
    checked = 0
    events = AuditEvent.objects.filter(seq__gt=chain.anchor_seq).order_by("seq")
    for event in events.iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return Verdict(
                False,
                checked,
                chain.last_seq,
                expected_seq,
                f"event {expected_seq} is missing (next found: {event.seq})",
            )
        if event.prev_hash != prev_hash:
            return Verdict(
                False, checked, chain.last_seq, event.seq, "does not link to the previous event"
            )
        if link_hash(prev_hash, event) != event.hash:
            return Verdict(
                False,
                checked,
                chain.last_seq,
                event.seq,
                "its content does not match its hash (edited)",
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    last = expected_seq - 1
    if last != chain.last_seq or prev_hash != chain.last_hash:
        return Verdict(
            False,
            checked,
            chain.last_seq,
            last + 1,
            f"the chain ends at {last} but its head says {chain.last_seq}",
        )
    return Verdict(True, checked, chain.last_seq)
