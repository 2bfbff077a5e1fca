"""Policy insight: what the rules in force did to the digests people and apps were shown,
per rule, reader and day, so that a rule can be watched in monitor mode before it is
enforced (docs/compliance.md "Policy insight").

What is counted, in `PolicyRuleDay` rows (one per day, rule, mode, action and reader: a
role's people together, or one API key):

- every digest a digest endpoint answers with (list and search, detail, the answers to
  writes, the changes feed, exports), once for each rule and action among its findings:
  `redact`, `hide_field`, `hide_section` in either mode, and `hide` of a monitor-mode
  hiding rule (a digest it would have hidden);
- a detail (`digests/{id}/`, `digests/{id}/export/`) refused with 404 or 451 because
  enforce-mode hiding rules remove a digest the reader could otherwise see: `hide` in
  enforce mode, for each such rule.

Not counted: what enforce-mode hiding rules leave out of lists, search, exports and the
feed (the database leaves those digests out, and counting them would cost a second
query on every page); digests read for the platform's own checks (simulation, the
importer, the slug guard) or for another answer (a digest's sources, the audit log, this
insight); the text a rule matched, which is never stored.

Each request keeps a `Tally`. After its response the tally goes to this process's
`pending` counts, which a background thread adds to their rows every
POLICY_INSIGHT_FLUSH_SECONDS, one statement per reader and day, and once more when the
process exits: a read costs a dictionary update rather than three round trips. Rows
therefore trail the reads by up to that interval, and a process killed outright loses
its last interval of counts (statistics, never an answer). With 0, each tally is
written after its own response, as the tests do.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    F,
    Func,
    Max,
    Min,
    Sum,
    Value,
    When,
)
from django.db.models.functions import NullIf
from django.utils import timezone

from core.request_context import after_response
from policies.models import Policy, PolicyRuleDay
from tenants.context import platform_scope, tenant_context

logger = logging.getLogger(__name__)

# Digest ids a row keeps: the first distinct ones of its day, so a hot rule's row stops
# growing once it has them.
SAMPLE = 20
# The range a read covers when it names no start.
DEFAULT_DAYS = 30

# The upsert (`Tally.write`): constant SQL (table names from the models, the sample's
# size) with one placeholder row per rule, values as parameters. Its transaction commits
# without waiting for the disk (`synchronous_commit` off, for it alone): the counts are
# statistics, and a crash may lose the last fraction of a second of them, never other
# data. Waiting took about twice as long on the development machine (a one-row update
# and its commit: 0.76 against 0.35 ms).
_KEY = "tenant_id, day, policy_id, rule, kind, mode, action, role, api_key"
_UPSERT_HEAD = (
    f"INSERT INTO {PolicyRuleDay._meta.db_table} AS t ({_KEY}, count, digests) "  # noqa: S608
    "SELECT %s, %s, p.id, v.rule, v.kind, v.mode, v.action, %s, %s, v.count, v.digests "
    "FROM (VALUES "
)
_UPSERT_ROW = "(%s::int, %s, %s, %s, %s, %s, %s::bigint, %s::bigint[])"
# A row's sample: its ids, then the new ones, each once, the first SAMPLE; as it was when
# it is full or holds every new one already (the usual case for a busy row).
_UPSERT_TAIL = (
    ") AS v(n, slug, rule, kind, mode, action, count, digests) "  # noqa: S608
    f"JOIN {Policy._meta.db_table} AS p ON p.tenant_id = %s AND p.slug = v.slug "
    "CROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS unhurried "
    f"ORDER BY v.n ON CONFLICT ({_KEY}) DO UPDATE SET count = t.count + EXCLUDED.count, "
    f"digests = CASE WHEN cardinality(t.digests) >= {SAMPLE} OR EXCLUDED.digests <@ t.digests "
    "THEN t.digests ELSE ARRAY("
    "SELECT u.id FROM unnest(t.digests || EXCLUDED.digests) WITH ORDINALITY AS u(id, n) "
    f"GROUP BY u.id ORDER BY min(u.n) LIMIT {SAMPLE}) END"
)


class Tally:
    """One request's findings, per (rule, action, enforced): how many digests, and the
    first ids. `add` runs once per finding (policies.metrics.count_decisions); `write`
    adds them to their rows once the response is made."""

    __slots__ = ("api_key", "counts", "day", "role", "rule_set", "tenant")

    def __init__(self, principal, rule_set, day: dt.date):
        self.tenant = principal.tenant
        self.role = principal.role.slug
        self.api_key = principal.api_key.prefix if principal.api_key is not None else ""
        self.rule_set = rule_set
        self.day = day
        # (rule id, action, enforced) -> [digests, last digest id, first ids]
        self.counts: dict[tuple[str, str, bool], list] = {}

    def add(self, rule: str, action: str, enforced: bool, digest_id: int) -> None:
        """Count `digest_id` for what `rule` did to it. A digest's findings come
        together, so a rule that acted in several places of one digest (its title and
        slug) counts it once."""
        key = (rule, action, enforced)
        entry = self.counts.get(key)
        if entry is None:
            self.counts[key] = [1, digest_id, [digest_id]]
        elif entry[1] != digest_id:
            entry[0] += 1
            entry[1] = digest_id
            _sample(entry[2], [digest_id])

    def write(self) -> None:
        """Add the counts to their rows, and forget them: to this process's pending
        counts, or straight to the rows when POLICY_INSIGHT_FLUSH_SECONDS is 0."""
        if not self.counts:
            return
        counts, self.counts = self.counts, {}
        kinds = {rule.id: rule.kind for rule in self.rule_set.rules}
        if settings.POLICY_INSIGHT_FLUSH_SECONDS:
            pending.add(self.tenant, self.day, self.role, self.api_key, counts, kinds)
        else:
            _upsert(self.tenant, self.day, self.role, self.api_key, counts, kinds)


def _sample(ids: list[int], new: list[int]) -> None:
    """Add `new` to a row's sample as the upsert does: each id once, the first SAMPLE."""
    for digest_id in new:
        if len(ids) >= SAMPLE:
            return
        if digest_id not in ids:
            ids.append(digest_id)


def _upsert(tenant, day, role: str, api_key: str, counts: dict, kinds: dict) -> None:
    """One INSERT ... ON CONFLICT DO UPDATE of one reader's counts for every rule, in
    the caller's transaction. Rows are taken in one order, so that two writers of the
    same rows wait for each other, never in a circle. A rule of a policy deleted
    meanwhile is dropped."""
    values = []
    for n, ((rule, action, enforced), (count, _, ids)) in enumerate(sorted(counts.items())):
        values += [
            n,
            rule.partition("/")[0],
            rule,
            kinds.get(rule, ""),
            "enforce" if enforced else "monitor",
            action,
            count,
            ids,
        ]
    statement = _UPSERT_HEAD + ", ".join([_UPSERT_ROW] * len(counts)) + _UPSERT_TAIL
    params = [tenant.pk, day, role, api_key, *values, tenant.pk]
    with (
        tenant_context(tenant),
        transaction.atomic(savepoint=False),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


class PendingCounts:
    """This process's counts not yet in their rows, merged per reader and day as the
    upsert would merge them (counts added, the first SAMPLE distinct ids kept), and the
    thread that writes them every POLICY_INSIGHT_FLUSH_SECONDS."""

    def __init__(self):
        self._lock = threading.Lock()
        self._readers: dict[tuple, tuple] = {}  # (tenant id, day, role, key) -> ...
        self._thread_pid: int | None = None

    def add(self, tenant, day, role: str, api_key: str, counts: dict, kinds: dict) -> None:
        with self._lock:
            key = (tenant.pk, day, role, api_key)
            held = self._readers.setdefault(key, (tenant, {}, {}))
            held[2].update(kinds)
            for rule_key, (count, last, ids) in counts.items():
                entry = held[1].get(rule_key)
                if entry is None:
                    held[1][rule_key] = [count, last, list(ids)]
                    continue
                entry[0] += count
                _sample(entry[2], ids)
            if self._thread_pid != os.getpid():  # none yet, or the parent's before a fork
                try:
                    threading.Thread(target=self._run, name="policy-insight", daemon=True).start()
                except RuntimeError:  # no thread to be had now: the next read tries again
                    logger.warning("policy insight thread not started", exc_info=True)
                else:
                    self._thread_pid = os.getpid()

    def flush(self) -> int:
        """Write every reader's counts, each in a transaction of its own; how many
        readers. A failed write loses those counts and nothing else."""
        with self._lock:
            readers, self._readers = self._readers, {}
        for (_, day, role, api_key), (tenant, counts, kinds) in sorted(
            readers.items(), key=lambda item: item[0]
        ):
            try:
                with transaction.atomic():
                    _upsert(tenant, day, role, api_key, counts, kinds)
            except DatabaseError:
                logger.warning("policy insight not written", exc_info=True)
        return len(readers)

    def _run(self) -> None:
        written = time.monotonic()
        while True:
            time.sleep(0.5)  # short: a changed interval applies within a second
            if time.monotonic() - written < settings.POLICY_INSIGHT_FLUSH_SECONDS:
                continue
            written = time.monotonic()
            try:
                if self.flush():
                    connection.close()  # this thread's own; opened again next time
            except Exception:  # the thread must outlive any one failure
                logger.exception("policy insight flush failed")


pending = PendingCounts()
atexit.register(pending.flush)
# A child forked with counts held would write them a second time: it starts empty.
os.register_at_fork(after_in_child=lambda: pending.__init__())


def tally_for(principal, rule_set, day: dt.date) -> Tally | None:
    """A tally of what `rule_set` does for `principal` in this request, written once
    after the response; None when POLICY_INSIGHT is off or no rule applies to them."""
    if not settings.POLICY_INSIGHT or not rule_set.rules:
        return None
    tally = Tally(principal, rule_set, day)
    after_response(tally.write)
    return tally


def flush(tally: Tally | None) -> None:
    """Write `tally` now, in a transaction of its own, where no response is left to
    write it after (a streamed export's body). Like the work done after a response, a
    failed write loses the counts and nothing else."""
    if tally is None:
        return
    try:
        with transaction.atomic():
            tally.write()
    except DatabaseError:
        logger.warning("policy insight not written", exc_info=True)


def today() -> dt.date:
    """The platform's calendar day (settings.TIME_ZONE): the day a reader's answers are
    counted on (digests.selectors.Reader.day) and ranges end on."""
    return timezone.localdate(timezone=timezone.get_default_timezone())


def purge(on: dt.date | None = None) -> int:
    """Delete every tenant's rows older than POLICY_INSIGHT_DAYS before `on` (today);
    how many."""
    before = (on or today()) - dt.timedelta(days=settings.POLICY_INSIGHT_DAYS)
    with platform_scope():
        deleted, _ = PolicyRuleDay.objects.unscoped().filter(day__lt=before).delete()
    return deleted


# --- Reads -----------------------------------------------------------------------------------


class Unnest(Func):
    """Each element of an array column, one row each."""

    function = "unnest"
    output_field = BigIntegerField()


GROUP = ("policy_id", "rule", "kind", "mode", "action")


def rule_totals(rows):
    """Per rule, mode and action: digests counted, and the first and last day."""
    return rows.values(*GROUP).annotate(
        count=Sum("count"), first_day=Min("day"), last_day=Max("day")
    )


def day_series(rows):
    """Per day, rule, mode and action: digests counted."""
    return rows.values("day", *GROUP).annotate(count=Sum("count"))


def readers(rows, *, keys_shown: bool):
    """Per rule, mode, action and reader: digests counted. A reader is a role's people, or
    one API key (`key`: its prefix); without `keys_shown`, a role's keys together (`key`
    None)."""
    by_key = Case(When(api_key="", then=Value(False)), default=Value(True))
    key = NullIf(F("api_key"), Value("")) if keys_shown else Value(None, CharField())
    return rows.values(*GROUP, "role").annotate(by_api_key=by_key, key=key, count=Sum("count"))


def involved_ids(rows):
    """The digest ids the rows sampled, for `pk__in`."""
    return rows.annotate(digest=Unnest("digests")).values("digest")


def rules_of(rows, digest_ids: list[int]) -> dict[int, list[dict]]:
    """For each of `digest_ids`, the rules, modes and actions whose rows sampled it."""
    found: dict[int, list[dict]] = {pk: [] for pk in digest_ids}
    pairs = (
        rows.filter(digests__overlap=digest_ids)
        .annotate(digest=Unnest("digests"))
        .values_list("digest", "rule", "mode", "action")
        .distinct()
    )
    for digest, rule, mode, action in sorted(pairs):
        if digest in found:
            found[digest].append({"rule": rule, "mode": mode, "action": action})
    return found
