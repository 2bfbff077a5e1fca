"""PostgreSQL: the chain head moves only forward, through the append path.

Before this, the runtime role could UPDATE or DELETE `audit_auditchain`: moving the
anchor to the head, or removing the head, made verification check nothing. Now:

- the runtime role holds SELECT, INSERT of a new head, and UPDATE of `last_seq` and
  `last_hash` only (no DELETE, no TRUNCATE, nothing on the anchor or the retention);
  `grant_runtime_role` grants exactly this (audit.models.RUNTIME_PRIVILEGES), and this
  migration applies it when the role already exists;
- a trigger, for every role: a new head starts at the genesis; the head moves only
  forward, to the newest event, which must exist with that hash; the anchor moves only
  in audit maintenance (a purge); a head is deleted only in maintenance (removing a
  tenant);
- a chain whose events were purged before purges recorded their anchor gets an
  `audit.anchored` event carrying the head's anchor: from now on verification reads
  the anchor from the chain itself, never from the head.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations

from tenants.rls import RunPostgresSQL

GUARD = """
CREATE OR REPLACE FUNCTION audit_chain_guard() RETURNS trigger AS $$
DECLARE
    genesis constant text := repeat('0', 64);
    in_maintenance constant boolean :=
        coalesce(current_setting('app.audit_maintenance', true), '') = 'on';
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF in_maintenance THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit chain heads are kept: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.last_seq <> 0 OR NEW.last_hash <> genesis
           OR NEW.anchor_seq <> 0 OR NEW.anchor_hash <> genesis THEN
            RAISE EXCEPTION 'an audit chain head starts at the genesis'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.tenant_id <> OLD.tenant_id THEN
        RAISE EXCEPTION 'an audit chain head belongs to its tenant'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash)
       AND NOT in_maintenance THEN
        RAISE EXCEPTION 'an audit chain anchor moves only in a purge'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.last_seq, NEW.last_hash) IS DISTINCT FROM (OLD.last_seq, OLD.last_hash) THEN
        IF NEW.last_seq <= OLD.last_seq
           OR NOT EXISTS (SELECT 1 FROM audit_auditevent e
                          WHERE e.tenant_id = NEW.tenant_id AND e.seq = NEW.last_seq
                            AND e.hash = NEW.last_hash)
           OR EXISTS (SELECT 1 FROM audit_auditevent e
                      WHERE e.tenant_id = NEW.tenant_id AND e.seq > NEW.last_seq) THEN
            RAISE EXCEPTION 'an audit chain head moves only forward, to the newest event'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_chain_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_auditchain
    FOR EACH ROW EXECUTE FUNCTION audit_chain_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_chain_guard ON audit_auditchain;
DROP FUNCTION IF EXISTS audit_chain_guard();
"""

ROLE = settings.DATABASE_RUNTIME_ROLE.replace('"', "")
# What grant_runtime_role grants on the audit tables as of this migration.
PRIVILEGES = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'REVOKE ALL ON audit_auditchain FROM "{ROLE}"';
        EXECUTE 'GRANT SELECT ON audit_auditchain TO "{ROLE}"';
        EXECUTE 'GRANT INSERT (tenant_id, last_seq, last_hash, anchor_seq, anchor_hash) '
                'ON audit_auditchain TO "{ROLE}"';
        EXECUTE 'GRANT UPDATE (last_seq, last_hash) ON audit_auditchain TO "{ROLE}"';
    END IF;
END
$$;
"""


def record_anchors(apps, schema_editor):
    """Write the anchor of every chain purged before purges recorded it into the chain,
    as an `audit.anchored` event: the head is trusted this once."""
    from audit.services import link_hash

    AuditChain = apps.get_model("audit", "AuditChain")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        # Row-level security is forced on the audit tables, for the owner too.
        cursor.execute("SELECT set_config('app.tenant_id', '*', true)")
    now = dt.datetime.now(dt.UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    for chain in AuditChain.objects.filter(anchor_seq__gt=0).order_by("pk").select_for_update():
        event = AuditEvent(
            tenant_id=chain.tenant_id,
            seq=chain.last_seq + 1,
            occurred_at=now,
            actor_type="system",
            actor_id="",
            actor_display="system",
            action="audit.anchored",
            target_type="",
            target_id="",
            target_display="",
            changes={
                "anchor_seq": [None, chain.anchor_seq],
                "anchor_hash": [None, chain.anchor_hash],
            },
            request_id="",
            ip=None,
            user_agent="",
            outcome="success",
            repeat_count=1,
            prev_hash=chain.last_hash,
        )
        event.hash = link_hash(chain.last_hash, event)
        event.save()
        chain.last_seq, chain.last_hash = event.seq, event.hash
        chain.save(update_fields=["last_seq", "last_hash"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_maintenance_deletes_only")]

    operations = [
        migrations.RunPython(record_anchors, migrations.RunPython.noop),
        RunPostgresSQL(GUARD, DROP),
        RunPostgresSQL(PRIVILEGES, migrations.RunSQL.noop),
    ]
