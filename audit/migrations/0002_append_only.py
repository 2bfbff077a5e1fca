"""PostgreSQL: row-level security, and the audit table made append-only.

UPDATE and DELETE are refused by a trigger for everyone unless the transaction has
turned on `app.audit_maintenance` (retention purges, removing a tenant); TRUNCATE only
by the table's owner (the migration role; test databases are emptied that way). On top
of that the runtime role holds no UPDATE, DELETE or TRUNCATE privilege on the table
(granted by `grant_runtime_role`, revoked here if the role already exists).
"""

from django.conf import settings
from django.db import migrations

from tenants.rls import EnableRowLevelSecurity, RunPostgresSQL

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF current_setting('app.audit_maintenance', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('app.audit_maintenance', true) = 'on'
       OR pg_has_role(current_user, (SELECT tableowner FROM pg_tables
                                     WHERE tablename = TG_TABLE_NAME
                                     AND schemaname = TG_TABLE_SCHEMA), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_no_truncate();
DROP FUNCTION IF EXISTS audit_append_only();
"""

ROLE = settings.DATABASE_RUNTIME_ROLE.replace('"', "")
REVOKE = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM "{ROLE}"';
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        EnableRowLevelSecurity("AuditChain"),
        EnableRowLevelSecurity("AuditEvent"),
        RunPostgresSQL(APPEND_ONLY, DROP),
        RunPostgresSQL(REVOKE, migrations.RunSQL.noop),
    ]
