"""Notify the API key caches (tenants/key_cache.py) when what they remember may change.

A key is remembered with its tenant and role, so a change to any of the three rows, their
deletion or a truncation sends a notification on the cache's channel, delivered when the
change commits. The payload names the table and the tenant whose keys may have changed
(`tenants_apikey:42`); a truncation or a role change names the table only, and every key
is forgotten. An
update that changes nothing sends nothing, nor does an API key row whose only change is
its last use: that is written once a minute per key and changes nothing a request
decides on. PostgreSQL folds identical notifications of one transaction into one, so a
bulk change sends one per tenant.
"""

from django.db import migrations

from tenants.rls import RunPostgresSQL

# tenants.key_cache.CHANNEL, written out: a migration must not change with the code.
CHANNEL = "digest_platform_api_keys"
FUNCTION = "tenants_api_key_cache_notify"

CHANGED = "WHEN (OLD.* IS DISTINCT FROM NEW.*)"
# (trigger, table, timing and events, level, condition, the column naming the tenant)
TRIGGERS = (
    (
        "tenants_apikey_cache_update",
        "tenants_apikey",
        "AFTER UPDATE",
        "ROW",
        "WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))",
        "tenant_id",
    ),
    ("tenants_apikey_cache_delete", "tenants_apikey", "AFTER DELETE", "ROW", "", "tenant_id"),
    # A role change forgets every key: no constraint ties a key's role to the key's tenant.
    ("tenants_role_cache_update", "tenants_role", "AFTER UPDATE", "ROW", CHANGED, ""),
    ("tenants_role_cache_delete", "tenants_role", "AFTER DELETE", "ROW", "", ""),
    ("tenants_tenant_cache_update", "tenants_tenant", "AFTER UPDATE", "ROW", CHANGED, "id"),
    ("tenants_tenant_cache_delete", "tenants_tenant", "AFTER DELETE", "ROW", "", "id"),
    *(
        (f"{table}_cache_truncate", table, "AFTER TRUNCATE", "STATEMENT", "", "")
        for table in ("tenants_apikey", "tenants_role", "tenants_tenant")
    ),
)

FORWARD = [
    # The row before the change names the tenant: its keys are the ones remembered.
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'ROW' AND TG_NARGS > 0 THEN
        PERFORM pg_catalog.pg_notify(
            '{CHANNEL}', TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0]));
    ELSE
        PERFORM pg_catalog.pg_notify('{CHANNEL}', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$""",
    *(
        f'CREATE TRIGGER {name} {events} ON "{table}" FOR EACH {level} {condition} '
        f"EXECUTE FUNCTION {FUNCTION}({argument})"
        for name, table, events, level, condition, argument in (
            (*trigger[:5], f"'{trigger[5]}'" if trigger[5] else "") for trigger in TRIGGERS
        )
    ),
]
# CASCADE: the function takes every trigger calling it along.
BACKWARD = [f"DROP FUNCTION IF EXISTS {FUNCTION}() CASCADE"]


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_apikey_prefix_unique")]

    operations = [RunPostgresSQL(FORWARD, BACKWARD)]
