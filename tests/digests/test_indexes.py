"""The digests' indexes that lead with the tenant. Under row-level security the planner
expects a few dozen visible digests per tenant, and any index leading with the tenant is
then as good a way to read a whole tenant and sort it as `digest_tenant_date` is to
read one page in order (digests/models.py). Each one here was looked at against the
list's plan; a new one must be too, and then named here."""

from __future__ import annotations

from django.db import connection

LOOKED_AT = {
    "digest_tenant_date",  # the list's own order
    "digest_tenant_status",  # status then date: the same order for one status
    "digest_tenant_slug_unique",
    "digest_tenant_import_key_unique",  # partial: imported digests only
    # Partial (digests not in English): a list's conditions never imply its predicate,
    # so it cannot serve one. Made whole, the list's plan read the benchmark's tenant
    # through it and sorted: 19.7 ms a page against under 1.
    "digest_tenant_search_config",
}


def test_only_indexes_looked_at_lead_with_the_tenant(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
            "WHERE t.relname = 'digests_digest' AND a.attname = 'tenant_id'"
        )
        leading = {name for (name,) in cursor.fetchall()}
    assert leading == LOOKED_AT
