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

What a caller sees is decided when they read. A change whose digest they may see now
comes with the digest. Otherwise (deleted, unpublished for them, restricted from them or
hidden by a content policy) it comes as a tombstone only if the feed once gave this
reader the digest, and is left out otherwise. A policy change moves every digest of the
tenant (`touch_all`), so clients re-read what the policy may have changed.

Why tombstones go only to readers the feed gave the digest: a sync client needs one
exactly for what it holds and may no longer see, and a tombstone tells its reader the
id of a digest, that it exists (or did) and when it last changed. Sent to everyone,
drafts, restricted digests and policy-hidden ones were announced to readers that never
could see them. Whether a reader could see a digest at some past moment is not
derivable from today's rows (grants, roles and policies all change), so the feed keeps
what it actually gave: one `DigestFeedDelivery` row per reader (the API key, or the
person signed in) and digest shown to them. A reader is told a digest is gone once per
disappearance: the first tombstone notes its change number (`gone_seq`), and only a
cursor from before it (a retried page, a feed that starts over) gets it again, so
later edits of a digest they may no longer see stay unknown to them. What the feed
never gave a reader it never mentions, whatever happens to it.

Not closed here: the cursor and each change's `seq` count every change of the tenant,
so gaps between the numbers a reader sees, or a cursor that moves with no results,
tell it that changes it may not see happened (how many and roughly when, never which
digest). Closing that needs positions of the reader's own, an API change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F
from django.utils import timezone

from audit.services import lock_chain
from digests import search
from digests.models import DigestChange, DigestChangeCounter, DigestFeedDelivery
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
    """Log a change of each digest (or its deletion), in the caller's transaction, and
    write its shown texts again (digests.search.refresh): every digest write passes
    here."""
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
    if not deleted:
        search.refresh(ids)


def touch_all() -> None:
    """Log a change of every live digest of the tenant (what a policy change may alter).

    Takes the audit chain head first, as every digest write does before its number, so
    a policy change and a digest write never wait for each other's second lock."""
    from digests.models import Digest

    lock_chain()
    ids = list(Digest.objects.order_by("pk").values_list("pk", flat=True))
    record(ids)


def page(since: int, size: int) -> list[DigestChange]:
    """The next `size` changes after `since`, oldest first (size + 1 rows are read so the
    caller knows whether more follow)."""
    return list(DigestChange.objects.filter(seq__gt=since).order_by("seq")[: size + 1])


def reader_of(principal) -> str:
    """Who reads the feed, for `DigestFeedDelivery`: the API key, or the person."""
    if principal.api_key is not None:
        return f"key:{principal.api_key.pk}"
    return f"user:{principal.user.pk}"


def shown(reader: str, digest_ids: Iterable[int]) -> None:
    """Note that the feed gives `reader` these digests (visible to them again: a
    tombstone sent before no longer counts)."""
    ids = list(digest_ids)
    if not ids:
        return
    tenant = current_tenant()
    DigestFeedDelivery.objects.bulk_create(
        [DigestFeedDelivery(tenant=tenant, reader=reader, digest_id=pk) for pk in ids],
        ignore_conflicts=True,
    )
    DigestFeedDelivery.objects.filter(
        reader=reader, digest_id__in=ids, gone_seq__isnull=False
    ).update(gone_seq=None)


# Marks the first telling and answers which to tell in one statement: the SELECT reads
# the rows as they were before the UPDATE beside it (PostgreSQL runs both on one snapshot).
_TOMBSTONES_SQL = """
WITH gone (digest_id, seq) AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[])),
first_told AS (
    UPDATE digests_digestfeeddelivery AS d SET gone_seq = gone.seq
    FROM gone
    WHERE d.tenant_id = %s AND d.reader = %s AND d.digest_id = gone.digest_id
      AND d.gone_seq IS NULL
    RETURNING d.digest_id
)
SELECT digest_id FROM first_told
UNION ALL
SELECT digest_id FROM digests_digestfeeddelivery
WHERE tenant_id = %s AND reader = %s AND digest_id = ANY(%s::bigint[]) AND gone_seq > %s
"""


def tombstones(reader: str, since: int, gone: dict[int, int]) -> set[int]:
    """Of the digests gone for `reader` ({id: seq of its change}), those to tell them
    about: the ones the feed gave them, unless their cursor (`since`) is already past
    the change at which they were first told (noted now for those told the first time)."""
    if not gone:
        return set()
    tenant_id = current_tenant().pk
    ids, seqs = list(gone), list(gone.values())
    with connection.cursor() as cursor:
        cursor.execute(
            _TOMBSTONES_SQL, [ids, seqs, tenant_id, reader, tenant_id, reader, ids, since]
        )
        return {digest_id for (digest_id,) in cursor.fetchall()}
