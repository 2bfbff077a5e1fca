"""A per-tenant counter that every change to what a request is authorized by moves on.

Processes remember API keys with their tenant and role, and the policies in force, across
requests (tenants/key_cache.py, policies/selectors.py). A request uses what was remembered
only if its own transaction reads the generation it was remembered at, so a change is
seen by the first request that starts after the change committed, on every process,
whenever (or whether) the cache's notification arrives.

The database moves the counter in the transaction that makes the change, so no code path
can forget it: an update of the tenant row itself (but one that changes nothing), an
update of one of its API keys (but one that only records a last use) or roles, their
deletion; a person's activation or deactivation moves every tenant's (a key stops working
when its accountable person is deactivated, and the row-level security of memberships
would hide, outside a tenant, which tenants the person is in; this is rare). Policies do
the same in migration policies/0003. Whatever the application writes
into the column, the counter only ever goes up by one per changed row.
"""

from django.db import migrations, models

from tenants.rls import RunPostgresSQL

# Moves the generation of the tenant the changed row belongs to (policies/0003 uses it too).
BUMP = "tenants_security_generation_bump"
# The tenant row's own: any change to the row moves it, and nothing else can.
OWN = "tenants_tenant_security_generation"
# Every tenant's, when a person is activated or deactivated.
EVERY = "tenants_security_generation_bump_every"

FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION {BUMP}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenants_tenant SET security_generation = security_generation + 1
    WHERE id = (COALESCE(to_jsonb(NEW), to_jsonb(OLD)) ->> 'tenant_id')::bigint;
    RETURN NULL;
END
$$""",
    f"""CREATE OR REPLACE FUNCTION {EVERY}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenants_tenant SET security_generation = security_generation + 1;
    RETURN NULL;
END
$$""",
    f"""CREATE OR REPLACE FUNCTION {OWN}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD) THEN
        NEW.security_generation := OLD.security_generation + 1;
    END IF;
    RETURN NEW;
END
$$""",
]

TRIGGERS = [
    f"CREATE TRIGGER tenants_tenant_security_generation BEFORE UPDATE ON tenants_tenant "
    f"FOR EACH ROW EXECUTE FUNCTION {OWN}()",
    "CREATE TRIGGER tenants_apikey_security_generation AFTER UPDATE ON tenants_apikey "
    "FOR EACH ROW WHEN ((to_jsonb(OLD) - 'last_used_at') IS DISTINCT FROM "
    f"(to_jsonb(NEW) - 'last_used_at')) EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER tenants_apikey_security_generation_delete AFTER DELETE ON tenants_apikey "
    f"FOR EACH ROW EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER tenants_role_security_generation AFTER UPDATE ON tenants_role "
    f"FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER tenants_role_security_generation_delete AFTER DELETE ON tenants_role "
    f"FOR EACH ROW EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER tenants_user_security_generation AFTER UPDATE OF is_active ON tenants_user "
    f"FOR EACH ROW WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active) EXECUTE FUNCTION {EVERY}()",
]

# The API key caches' notification of a tenant row change (migration tenants/0006) leaves
# out a change of the generation alone: the change that moved it notified already.
NOTIFY = "tenants_api_key_cache_notify"
CACHE_TRIGGER = "tenants_tenant_cache_update"
NOTIFY_TENANT = [
    f"DROP TRIGGER {CACHE_TRIGGER} ON tenants_tenant",
    f"CREATE TRIGGER {CACHE_TRIGGER} AFTER UPDATE ON tenants_tenant FOR EACH ROW "
    "WHEN ((to_jsonb(OLD) - 'security_generation') IS DISTINCT FROM "
    f"(to_jsonb(NEW) - 'security_generation')) EXECUTE FUNCTION {NOTIFY}('id')",
]
NOTIFY_TENANT_BACKWARD = [
    f"DROP TRIGGER {CACHE_TRIGGER} ON tenants_tenant",
    f"CREATE TRIGGER {CACHE_TRIGGER} AFTER UPDATE ON tenants_tenant FOR EACH ROW "
    f"WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION {NOTIFY}('id')",
]

BACKWARD = [
    f"DROP FUNCTION IF EXISTS {BUMP}() CASCADE",
    f"DROP FUNCTION IF EXISTS {OWN}() CASCADE",
    f"DROP FUNCTION IF EXISTS {EVERY}() CASCADE",
]


class Migration(migrations.Migration):
    dependencies = [("tenants", "0007_apikey_accountable_person")]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="security_generation",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        RunPostgresSQL(FUNCTIONS + TRIGGERS + NOTIFY_TENANT, NOTIFY_TENANT_BACKWARD + BACKWARD),
    ]
