"""Which of the tenant's keyword phrases each digest holds, noted in the digest's row.

A keyword rule (policies.engine) matches a phrase anywhere in a digest's words. Asked
of `words_vector`, that reads a vector of several kilobytes kept out of line for every
digest a condition looks at, and row-level security keeps PostgreSQL from answering it
by the GIN index (the `@@` operator is not leakproof). A list, its facets, the reports
and the registry's text gate each look at every digest a reader may read.

So the tenant's phrases are rows (`KeywordPhrase`), and a trigger of the digest
(migration 0012) notes, whenever its words may have changed, which of them the digest
holds (`keyword_hits`) and the newest it looked for (`keyword_phrases_seen`). Invariants,
each kept by the database:

- a phrase takes its id after its tenant's row lock (the writers' lock,
  tenants.db.lock_tenant_row), so a tenant's phrases commit in the order of their ids:
  a trigger that saw phrase N saw every phrase of its tenant before N; a phrase is
  never changed;
- the trigger is the notes' only writer: whatever a statement writes to them, or to the
  words, it makes them again from `words_vector`;
- a digest's hits are trusted for a rule only when the digest is the current tenant's
  and every phrase of the rule is a row of it no newer than the digest's
  `keyword_phrases_seen`; otherwise the rule reads the digest's `words_vector`, as it
  always did. Nothing here can make a rule match less:
  a phrase not yet noted costs time, not correctness.

The publication of a policy adds its keyword rules' phrases and queues their noting in
every digest behind (`index_phrases`); `manage.py rebuild_search_index` notes them all
at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Max

from config.celery import send_jobs
from digests.models import Digest, KeywordPhrase
from tenants.context import current_tenant, platform_scope, tenant_context
from tenants.db import lock_tenant_row
from tenants.models import Tenant


def phrases_in_force() -> list[str]:
    """The phrases of the keyword rules of every policy in force in the current tenant,
    whatever their mode or audience (monitor-mode rules ask the same condition)."""
    from policies.selectors import active_versions, compiled_groups

    return sorted(
        {
            phrase
            for group in compiled_groups(active_versions())
            for rule in group
            if rule.kind == "keyword_block"
            for phrase in rule.params["keywords"]
        }
    )


def add_phrases(phrases: Iterable[str]) -> int | None:
    """Make `phrases` rows of the current tenant (those it lacks), under its row lock, in
    the caller's transaction. Returns the id of the tenant's newest phrase (None: none):
    digests whose `keyword_phrases_seen` is lower have not been looked at for it."""
    wanted = set(phrases)
    tenant = current_tenant()
    lock_tenant_row(tenant.pk)
    known = set(KeywordPhrase.objects.filter(phrase__in=wanted).values_list("phrase", flat=True))
    if wanted - known:
        KeywordPhrase.objects.bulk_create(
            [KeywordPhrase(tenant=tenant, phrase=p) for p in sorted(wanted - known)]
        )
    return KeywordPhrase.objects.aggregate(newest=Max("pk"))["newest"]


NOTE_TASK = "digests.note_keyword_phrases"
BATCH = 1000


def note_phrases(tenant_id: int) -> int:
    """Note the tenant's phrases in every digest of it that has not looked for all of
    them yet, a batch of digests per transaction, so that writers wait for one batch at
    most. Returns how many digests were noted. Safe at any time and in any number of
    processes: each digest's notes are made from the phrases its statement sees."""
    table = Digest._meta.db_table
    noted = 0
    with platform_scope():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:  # removed since
        return 0
    with tenant_context(tenant):
        newest = KeywordPhrase.objects.aggregate(newest=Max("pk"))["newest"]
        while newest is not None:
            with transaction.atomic(), connection.cursor() as cursor:
                # Writing the notes fires their trigger, which makes them afresh.
                cursor.execute(
                    f"UPDATE {table} SET keyword_hits = NULL "  # noqa: S608 (model's table)
                    f"WHERE id IN (SELECT id FROM {table} WHERE tenant_id = %s "
                    "AND keyword_phrases_seen < %s LIMIT %s)",
                    [tenant_id, newest, BATCH],
                )
                noted += cursor.rowcount
                if cursor.rowcount < BATCH:
                    break
    return noted


def index_phrases(phrases: Iterable[str]) -> None:
    """`add_phrases`, and once the caller's transaction commits, queue the noting of
    them in the tenant's digests (`note_phrases`, on the job queue). Until it runs, the
    rules that ask for them read the word vectors."""
    if add_phrases(phrases) is None:
        return
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: send_jobs(NOTE_TASK, [[tenant_id]]))
