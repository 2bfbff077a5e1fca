"""Maintenance allows DELETE (purges, removing a tenant), never UPDATE: an event is never
rewritten, even by the owner."""

from django.db import migrations

from tenants.rls import RunPostgresSQL

DELETE_ONLY = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('app.audit_maintenance', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [RunPostgresSQL(DELETE_ONLY, migrations.RunSQL.noop)]
