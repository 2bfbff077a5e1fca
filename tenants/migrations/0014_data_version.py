"""The tenant's data version: a counter the database moves with every committed change.

Every table under row-level security gets two constraint triggers, deferred to commit:
one for inserts and deletes, one for updates that change the row. The first of them to
fire in a transaction adds one to the tenant's `DataVersion` row and notes in a
transaction-local setting that it did, so a transaction moves each tenant's version
once, in the same commit as its changes. Deferred to commit, the row lock on the version
is held only while the transaction commits, after every other lock it takes.

Tables are found in the catalog, not listed: every table with row-level security at this
point. tests/tenants/test_result_cache.py checks that every such table has the triggers,
so a later tenant table without them fails the suite. Left out, and why:

- `tenants_dataversion`, the counter itself;
- `digests_digestfeeddelivery`, which reading the changes feed writes, and
  `policies_policyruleday`, the policy insight counts that reading digests writes: no
  kept result is computed from either, and moving the version with every read would
  make every kept result a miss.

The function runs as the tables' owner (SECURITY DEFINER), naming its tables and
functions with their schema so that no search path of the caller's can redirect them. The
runtime role may read and delete versions but not write them (`grant_runtime_role`), so
no statement of the application can set one back. Each move draws a new random `token`,
which keys kept results along with the version.

An API key's `last_used_at` alone does not move it (it changes on use). Tables whose rows
belong to a tenant through a parent (the digest grant tables) find the tenant through the
parent: a grant whose digest went in the same transaction leaves the move to the
digest's own trigger.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from tenants.rls import SETTING, EnableRowLevelSecurity

FUNCTION = "tenants_data_version_move"
TRIGGER = "tenants_data_version"
UPDATE_TRIGGER = "tenants_data_version_update"
LEFT_OUT = {"tenants_dataversion", "digests_digestfeeddelivery", "policies_policyruleday"}
# Tables without tenant_id: (the parent table, the column naming the parent row).
THROUGH_PARENT = {
    "digests_digestuserobjectpermission": ("digests_digest", "content_object_id"),
    "digests_digestgroupobjectpermission": ("digests_digest", "content_object_id"),
}
# Columns whose change alone does not move the version.
IGNORED_COLUMNS = {"tenants_apikey": ("last_used_at",)}

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER AS $$
DECLARE
    tenant bigint;
    row_data jsonb;
    scope text;
BEGIN
    IF TG_NARGS = 0 THEN
        IF TG_OP = 'DELETE' THEN tenant := OLD.tenant_id; ELSE tenant := NEW.tenant_id; END IF;
        IF pg_catalog.current_setting('tenants.data_version_' || tenant, true) = 'moved' THEN
            RETURN NULL;  -- the rest of a transaction's rows cost this much
        END IF;
    END IF;
    -- At commit the request may have left its tenant already: row-level security is
    -- opened for the statements below, and put back as it was.
    scope := pg_catalog.current_setting('{SETTING}', true);
    PERFORM pg_catalog.set_config('{SETTING}', '*', true);
    IF TG_NARGS > 0 THEN
        IF TG_OP = 'DELETE' THEN
            row_data := pg_catalog.to_jsonb(OLD);
        ELSE
            row_data := pg_catalog.to_jsonb(NEW);
        END IF;
        EXECUTE pg_catalog.format('SELECT tenant_id FROM public.%I WHERE id = $1', TG_ARGV[0])
            INTO tenant USING (row_data ->> TG_ARGV[1])::bigint;
    END IF;
    IF tenant IS NOT NULL AND pg_catalog.current_setting('tenants.data_version_' || tenant, true)
                              IS DISTINCT FROM 'moved' THEN
        -- A tenant deleted in this transaction has no version to move.
        INSERT INTO public.tenants_dataversion AS v (tenant_id, version, token)
            SELECT tenant, 1, pg_catalog.gen_random_uuid()
            WHERE EXISTS (SELECT 1 FROM public.tenants_tenant WHERE id = tenant)
            ON CONFLICT (tenant_id) DO UPDATE
            SET version = v.version + 1, token = pg_catalog.gen_random_uuid();
        PERFORM pg_catalog.set_config('tenants.data_version_' || tenant, 'moved', true);
    END IF;
    PERFORM pg_catalog.set_config('{SETTING}', COALESCE(scope, ''), true);
    RETURN NULL;
END
$$
"""


ROLE = settings.DATABASE_RUNTIME_ROLE.replace('"', "")
# What grant_runtime_role grants on the versions as of this migration.
PRIVILEGES = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'REVOKE ALL ON tenants_dataversion FROM "{ROLE}"';
        EXECUTE 'GRANT SELECT, DELETE ON tenants_dataversion TO "{ROLE}"';
    END IF;
END
$$;
"""


def _changed(table: str) -> str:
    ignored = IGNORED_COLUMNS.get(table, ())
    if not ignored:
        return "OLD.* IS DISTINCT FROM NEW.*"
    minus = " - ".join(f"'{column}'" for column in ignored)
    return f"(to_jsonb(OLD) - {minus}) IS DISTINCT FROM (to_jsonb(NEW) - {minus})"


def trigger_sql(table: str) -> list[str]:
    """The two triggers that move the version for changes to `table`."""
    args = ", ".join(f"'{a}'" for a in THROUGH_PARENT.get(table, ()))
    run = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    return [
        f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"',
        f'DROP TRIGGER IF EXISTS {UPDATE_TRIGGER} ON "{table}"',
        f'CREATE CONSTRAINT TRIGGER {TRIGGER} AFTER INSERT OR DELETE ON "{table}" {run} '
        f"EXECUTE FUNCTION {FUNCTION}({args})",
        f'CREATE CONSTRAINT TRIGGER {UPDATE_TRIGGER} AFTER UPDATE ON "{table}" {run} '
        f"WHEN ({_changed(table)}) EXECUTE FUNCTION {FUNCTION}({args})",
    ]


def tables_with_row_security(cursor) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND c.relrowsecurity AND n.nspname = current_schema() "
        "ORDER BY 1"
    )
    return [name for (name,) in cursor.fetchall()]


def install(apps, schema_editor):
    schema_editor.execute(CREATE_FUNCTION, params=None)
    with schema_editor.connection.cursor() as cursor:
        tables = tables_with_row_security(cursor)
    for table in tables:
        if table not in LEFT_OUT:
            for statement in trigger_sql(table):
                schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        tables = tables_with_row_security(cursor)
    for table in tables:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {UPDATE_TRIGGER} ON "{table}"')
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0013_deletionreceipt_tenant_delete_after_and_more"),
        # Every table under row-level security exists by now.
        ("audit", "0007_auditretention"),
        ("digests", "0012_keyword_phrases"),
        ("licensing", "0005_proposer_of_key_proposals"),
        ("policies", "0004_policyruleday"),
        ("scim", "0002_row_level_security"),
        ("sso", "0004_connection_idp_metadata_url"),
        ("webhooks", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0)),
                ("token", models.UUIDField(editable=False, null=True)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenants.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("tenant",), name="data_version_tenant_unique")
                ],
            },
        ),
        EnableRowLevelSecurity("DataVersion"),
        migrations.RunPython(install, uninstall),
        migrations.RunSQL(PRIVILEGES, migrations.RunSQL.noop),
    ]
