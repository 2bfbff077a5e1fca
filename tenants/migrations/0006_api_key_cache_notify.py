"""Notify the API key caches (tenants/key_cache.py) when what they remember may change.

A key is remembered with its tenant and role, so a change to any of the three rows, their
deletion or a truncation sends a notification on the cache's channel, delivered when the
change commits. An API key row whose only change is its last use sends none: that is
written once a minute per key and changes nothing a request decides on. PostgreSQL folds
identical notifications of one transaction into one, so a bulk change sends one.
"""

from django.db import migrations

from tenants.rls import RunPostgresSQL

# tenants.key_cache.CHANNEL, written out: a migration must not change with the code.
CHANNEL = "digest_platform_api_keys"
FUNCTION = "tenants_api_key_cache_notify"

# (trigger, table, timing and events, level, condition). Updates notify per row, and only
# rows that changed: an update that changes nothing (or only a key's last use) is silent.
CHANGED = "WHEN (OLD.* IS DISTINCT FROM NEW.*)"
TRIGGERS = (
    (
        "tenants_apikey_cache_update",
        "tenants_apikey",
        "AFTER UPDATE",
        "ROW",
        "WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM (to_jsonb(NEW) - 'last_used_at'))",
    ),
    ("tenants_apikey_cache_delete", "tenants_apikey", "AFTER DELETE OR TRUNCATE", "STATEMENT", ""),
    ("tenants_role_cache_update", "tenants_role", "AFTER UPDATE", "ROW", CHANGED),
    ("tenants_role_cache_delete", "tenants_role", "AFTER DELETE OR TRUNCATE", "STATEMENT", ""),
    ("tenants_tenant_cache_update", "tenants_tenant", "AFTER UPDATE", "ROW", CHANGED),
    ("tenants_tenant_cache_delete", "tenants_tenant", "AFTER DELETE OR TRUNCATE", "STATEMENT", ""),
)

FORWARD = [
    f"""CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$""",
    *(
        f'CREATE TRIGGER {name} {events} ON "{table}" FOR EACH {level} {condition} '
        f"EXECUTE FUNCTION {FUNCTION}()"
        for name, table, events, level, condition in TRIGGERS
    ),
]
BACKWARD = [
    *(f'DROP TRIGGER IF EXISTS {name} ON "{table}"' for name, table, *_ in TRIGGERS),
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
]


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_apikey_prefix_unique")]

    operations = [RunPostgresSQL(FORWARD, BACKWARD)]
