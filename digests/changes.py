"""The change log behind `GET .../digests/changes`: incremental sync for internal apps.

Every write of a digest takes the tenant's next change number in the writer's own
transaction and moves the digest's `DigestChange` row to it (a deletion keeps the row as
a tombstone). The number comes from incrementing the tenant's `DigestChangeCounter`
row, which stays locked until that transaction commits or rolls back. So, within a
tenant, numbers are handed out in commit order: a transaction holding number N commits
before the next writer can take N+1. A reader that sees N committed therefore sees
every lower number committed too, and paging by "seq greater than the cursor" never
skips a change that commits later with a lower number. A rolled-back writer's number
is taken again by the next writer, so there are no holes either.

The lock serialises digest writes per tenant for the few milliseconds between taking
the number and committing; digest writes already serialise on the tenant's audit chain
head (audit/services.py), which every one of them appends to before taking its number,
so the lock order is always chain, then counter, and adds no new waiting.

What a caller sees is decided when they read: a change whose digest is now deleted,
unpublished for them, restricted from them or hidden by a content policy comes back as
removed. A policy change moves every digest of the tenant (`touch_all`), so clients
re-read what the policy may have changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F
from django.utils import timezone

from digests.models import DigestChange, DigestChangeCounter
from tenants.context import current_tenant


def _take(count: int) -> int:
    """Reserve `count` numbers for the current tenant; the first one. Locks the counter
    row until the transaction ends (the caller must be inside one)."""
    for _ in range(2):
        updated = DigestChangeCounter.objects.filter().update(last_seq=F("last_seq") + count)
        if updated:
            last = DigestChangeCounter.objects.values_list("last_seq", flat=True).get()
            return last - count + 1
        # The tenant's first change: make its counter (a racing writer may win; fine).
        DigestChangeCounter.objects.bulk_create(
            [DigestChangeCounter(tenant=current_tenant(), last_seq=0)], ignore_conflicts=True
        )
    raise RuntimeError("the change counter could not be created")


def record(digest_ids: Iterable[int], *, deleted: bool = False) -> None:
    """Log a change of each digest (or its deletion), in the caller's transaction."""
    ids = list(dict.fromkeys(digest_ids))
    if not ids:
        return
    if not connection.in_atomic_block:
        # Outside a transaction the counter lock would end at once: numbers could then
        # commit out of order, which is exactly what the feed must never see.
        raise RuntimeError("digest changes are logged inside the writer's transaction")
    first = _take(len(ids))
    now = timezone.now()
    tenant = current_tenant()
    rows = [
        DigestChange(
            tenant=tenant,
            digest_id=digest_id,
            seq=first + offset,
            changed_at=now,
            deleted_at=now if deleted else None,
        )
        for offset, digest_id in enumerate(ids)
    ]
    # Moving a row to a higher seq keeps the (tenant, seq) constraint: numbers are new.
    DigestChange.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["tenant", "digest_id"],
        update_fields=["seq", "changed_at", "deleted_at"],
    )


def touch_all() -> None:
    """Log a change of every live digest of the tenant (what a policy change may alter).

    Takes the audit chain head first, as every digest write does before its number, so
    a policy change and a digest write never wait for each other's second lock."""
    from audit.services import _lock_chain
    from digests.models import Digest

    _lock_chain()
    ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
    record(ids)


def page(since: int, size: int) -> list[DigestChange]:
    """The next `size` changes after `since`, oldest first (size + 1 rows are read so the
    caller knows whether more follow)."""
    return list(DigestChange.objects.filter(seq__gt=since).order_by("seq")[: size + 1])
