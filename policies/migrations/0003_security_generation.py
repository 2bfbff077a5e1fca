"""A change to which policy versions are in force moves the tenant's security generation
(migration tenants/0008): enabling or disabling a policy, publishing or rolling back (its
active version), deleting it, or a policy stored already in force."""

from django.db import migrations

from tenants.rls import RunPostgresSQL

# tenants/0008's function, written out: a migration must not change with the code.
BUMP = "tenants_security_generation_bump"
IN_FORCE_CHANGED = (
    "(OLD.enabled IS DISTINCT FROM NEW.enabled "
    "OR OLD.active_version_id IS DISTINCT FROM NEW.active_version_id)"
)

FORWARD = [
    "CREATE TRIGGER policies_policy_security_generation AFTER UPDATE ON policies_policy "
    f"FOR EACH ROW WHEN {IN_FORCE_CHANGED} EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER policies_policy_security_generation_insert AFTER INSERT ON policies_policy "
    f"FOR EACH ROW WHEN (NEW.active_version_id IS NOT NULL) EXECUTE FUNCTION {BUMP}()",
    "CREATE TRIGGER policies_policy_security_generation_delete AFTER DELETE ON policies_policy "
    f"FOR EACH ROW EXECUTE FUNCTION {BUMP}()",
]
BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name} ON policies_policy"
    for name in (
        "policies_policy_security_generation",
        "policies_policy_security_generation_insert",
        "policies_policy_security_generation_delete",
    )
]


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0002_row_level_security"),
        ("tenants", "0008_security_generation"),
    ]

    operations = [RunPostgresSQL(FORWARD, BACKWARD)]
