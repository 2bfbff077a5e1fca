"""On PostgreSQL the audit table is append-only: the runtime role may only INSERT and
SELECT, and a trigger refuses UPDATE and DELETE for everyone (the owner and superusers
included) unless the transaction is in audit maintenance."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError, ProgrammingError

from audit import services as audit
from audit.models import RUNTIME_PRIVILEGES, AuditChain, AuditEvent
from audit.verify import verify_chain
from tenants.context import tenant_context
from tests.audit.helpers import events, record_some

TABLE = AuditEvent._meta.db_table
ROLE = settings.DATABASE_RUNTIME_ROLE


@pytest.fixture
def some_events(world):
    record_some(world.acme, 5)
    return events(world.acme)


@pytest.fixture
def runtime_role(some_events):
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{ROLE}"')
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (ROLE, False, False)
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def attempt(sql: str, params=None) -> None:
    """Run one statement in its own savepoint, so a refusal leaves the test usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_the_runtime_role_holds_only_insert_and_select_on_the_audit_table(db):
    for privilege, held in [
        ("SELECT", True),
        ("INSERT", True),
        ("UPDATE", False),
        ("DELETE", False),
        ("TRUNCATE", False),
    ]:
        assert scalar("SELECT has_table_privilege(%s, %s, %s)", [ROLE, TABLE, privilege]) is (
            held
        ), privilege


def test_the_append_only_triggers_are_installed(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
            "ORDER BY tgname",
            [TABLE],
        )
        assert [row[0] for row in cursor.fetchall()] == [
            "audit_append_only",
            "audit_no_truncate",
            # Every tenant table's: they move the tenant's data version (tenants/0014).
            "tenants_data_version",
            "tenants_data_version_update",
        ]


@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_sees_the_rows_but_cannot_update_delete_or_truncate(world, some_events):
    with tenant_context(world.acme):
        # The rows are visible to it (row-level security lets acme's through), so the
        # refusals below are the privilege, not an empty match.
        assert scalar(f"SELECT count(*) FROM {TABLE}") == len(some_events)
        victim = some_events[2].pk
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(f"UPDATE {TABLE} SET action = 'forged' WHERE id = %s", [victim])
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(f"DELETE FROM {TABLE} WHERE id = %s", [victim])
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(f"TRUNCATE {TABLE}")
        denied = pytest.raises(ProgrammingError, match="permission denied")
        with denied, transaction.atomic():
            AuditEvent.objects.filter(pk=victim).update(action="forged")
        denied = pytest.raises(ProgrammingError, match="permission denied")
        with denied, transaction.atomic():
            AuditEvent.objects.filter(pk=victim).delete()
        assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
            e.action for e in some_events
        ]


@pytest.mark.usefixtures("runtime_role")
def test_maintenance_does_not_give_the_runtime_role_delete(world, some_events):
    with tenant_context(world.acme):
        denied = pytest.raises(ProgrammingError, match="permission denied")
        with denied, transaction.atomic(), audit.maintenance():
            AuditEvent.objects.filter(pk=some_events[0].pk).delete()
        assert AuditEvent.objects.count() == len(some_events)


@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_can_still_append_and_verify(world, some_events):
    with tenant_context(world.acme):
        event = audit.record("runtime.append")
        assert event.seq == some_events[-1].seq + 1
        assert verify_chain().ok


def test_the_owner_cannot_update_or_delete_without_maintenance(world, some_events):
    """The test connection is the superuser that owns the tables: no privilege stops it,
    the trigger does."""
    assert scalar("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is True
    victim = some_events[2].pk
    with tenant_context(world.acme):
        with pytest.raises(ProgrammingError, match="append-only: UPDATE refused"):
            attempt(f"UPDATE {TABLE} SET action = 'forged' WHERE id = %s", [victim])
        with pytest.raises(ProgrammingError, match="append-only: DELETE refused"):
            attempt(f"DELETE FROM {TABLE} WHERE id = %s", [victim])
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=victim).update(action="forged")
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            AuditEvent.objects.get(pk=victim).delete()
        assert [e.action for e in AuditEvent.objects.order_by("seq")] == [
            e.action for e in some_events
        ]
        assert verify_chain().ok


def test_maintenance_lets_the_owner_delete(world, some_events):
    with tenant_context(world.acme):
        with transaction.atomic(), audit.maintenance():
            deleted, _ = AuditEvent.objects.filter(pk=some_events[0].pk).delete()
        assert deleted == 1
        assert AuditEvent.objects.count() == len(some_events) - 1


def test_maintenance_ends_with_its_block(world, some_events):
    with tenant_context(world.acme):
        with transaction.atomic(), audit.maintenance():
            pass
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=some_events[0].pk).delete()
        assert AuditEvent.objects.count() == len(some_events)


@pytest.mark.django_db(transaction=True)
def test_maintenance_needs_a_transaction():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="needs a transaction"), audit.maintenance():
        pass


def test_an_update_under_maintenance_is_never_silently_dropped(world, some_events):
    victim = some_events[1]
    with tenant_context(world.acme):
        try:
            with transaction.atomic(), audit.maintenance():
                updated = AuditEvent.objects.filter(pk=victim.pk).update(action="changed")
        except DatabaseError:
            return  # refused outright: acceptable, nothing pretends to have happened
        stored = AuditEvent.objects.get(pk=victim.pk).action
    assert (updated, stored) == (1, "changed")


@pytest.mark.usefixtures("runtime_role")
def test_row_level_security_confines_the_audit_tables_to_the_current_tenant(world):
    record_some(world.globex, 2)  # as the runtime role, inside globex's context
    with tenant_context(world.acme):
        tenants = set(AuditEvent.objects.unscoped().values_list("tenant_id", flat=True))
        assert tenants == {world.acme.pk}
        assert scalar("SELECT count(DISTINCT tenant_id) FROM audit_auditchain") == 1
        with pytest.raises(ProgrammingError, match="row-level security"):
            attempt(
                f"INSERT INTO {TABLE} (tenant_id, seq, occurred_at, actor_type, actor_id, "
                "actor_display, action, target_type, target_id, target_display, changes, "
                "request_id, user_agent, outcome, repeat_count, prev_hash, hash) VALUES "
                "(%s, 999, now(), 'system', '', '', 'forged', '', '', '', '{}', '', '', "
                "'success', 1, '', '')",
                [world.globex.pk],
            )


def test_an_error_inside_maintenance_surfaces_as_itself(world):
    from django.db.utils import DataError

    raised = pytest.raises(DataError)
    with raised, transaction.atomic(), audit.maintenance(), connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")


# --- The chain head ---------------------------------------------------------------------

CHAIN = AuditChain._meta.db_table


def test_the_runtime_role_may_only_create_a_head_and_move_it(db):
    """Table-wide it may read; it may insert a head and update `last_seq`/`last_hash`
    (the append path), and nothing else: no anchor, no retention, no delete."""
    for privilege, held in [
        ("SELECT", True),
        ("INSERT", False),  # table-wide: only the columns below
        ("UPDATE", False),
        ("DELETE", False),
        ("TRUNCATE", False),
        ("REFERENCES", False),
        ("TRIGGER", False),
    ]:
        assert scalar("SELECT has_table_privilege(%s, %s, %s)", [ROLE, CHAIN, privilege]) is (
            held
        ), privilege
    writable = {"last_seq", "last_hash"}
    insertable = {"tenant_id", "last_seq", "last_hash", "anchor_seq", "anchor_hash"}
    for column in [f.column for f in AuditChain._meta.concrete_fields]:
        for privilege, allowed in (("UPDATE", writable), ("INSERT", insertable)):
            held = scalar(
                "SELECT has_column_privilege(%s, %s, %s, %s)", [ROLE, CHAIN, column, privilege]
            )
            assert held is (column in allowed), (column, privilege)


def test_grant_runtime_role_gives_exactly_the_declared_audit_privileges(db):
    """Run again (as after every migrate), it leaves the role holding on each audit table
    exactly RUNTIME_PRIVILEGES, as the database reports them."""
    from tenants.management.commands.grant_runtime_role import grant_runtime_role

    grant_runtime_role(ROLE)
    with connection.cursor() as cursor:
        for table, declared in RUNTIME_PRIVILEGES.items():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [table],
            )
            every = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_name = %s",
                [ROLE, table],
            )
            assert {row[0] for row in cursor.fetchall()} == {
                privilege for privilege, columns in declared if columns is None
            }, table
            cursor.execute(
                "SELECT privilege_type, column_name FROM information_schema.column_privileges "
                "WHERE grantee = %s AND table_name = %s",
                [ROLE, table],
            )
            held: dict[str, set[str]] = {}
            for privilege, column in cursor.fetchall():
                held.setdefault(privilege, set()).add(column)
            assert held == {
                privilege: every if columns is None else set(columns)
                for privilege, columns in declared
            }, table


def head(tenant) -> AuditChain:
    with tenant_context(tenant):
        return AuditChain.objects.get()


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        # What the review did: the anchor moved to the head, so verify checked nothing.
        ("anchor_seq = last_seq, anchor_hash = last_hash", "permission denied"),
        ("anchor_seq = 0", "permission denied"),
        ("retention_days = 1", "permission denied"),
        ("tenant_id = tenant_id + 0", "permission denied"),
        # Columns it may write, but only forward to the newest event (the trigger).
        ("last_seq = 0, last_hash = repeat('0', 64)", "only forward"),
        ("last_seq = last_seq - 1", "only forward"),
        ("last_seq = last_seq + 5", "only forward"),
        ("last_hash = repeat('f', 64)", "only forward"),
    ],
)
@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_cannot_move_the_head_or_its_anchor(world, some_events, change, refusal):
    before = head(world.acme)
    with tenant_context(world.acme), pytest.raises(ProgrammingError, match=refusal):
        attempt(f"UPDATE {CHAIN} SET {change}")
    after = head(world.acme)
    assert (after.last_seq, after.last_hash, after.anchor_seq, after.anchor_hash) == (
        before.last_seq,
        before.last_hash,
        before.anchor_seq,
        before.anchor_hash,
    )
    assert after.retention_days is None
    with tenant_context(world.acme):
        assert verify_chain().ok


@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_cannot_change_retention_through_the_orm(world, some_events):
    with tenant_context(world.acme):
        denied = pytest.raises(ProgrammingError, match="permission denied")
        with denied, transaction.atomic():
            AuditChain.objects.update(retention_days=1)
    assert head(world.acme).retention_days is None


@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_cannot_delete_the_head_even_in_maintenance(world, some_events):
    with tenant_context(world.acme):
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(f"DELETE FROM {CHAIN}")
        denied = pytest.raises(ProgrammingError, match="permission denied")
        with denied, transaction.atomic(), audit.maintenance():
            AuditChain.objects.all().delete()
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(f"TRUNCATE {CHAIN}")
        assert AuditChain.objects.count() == 1
        assert verify_chain().ok


@pytest.mark.usefixtures("runtime_role")
def test_the_runtime_role_can_only_start_a_head_at_the_genesis(world):
    from tenants.context import platform_scope
    from tenants.models import Tenant

    with platform_scope():
        fresh = Tenant.objects.create(slug="fresh", name="Fresh")
    with tenant_context(fresh):
        with pytest.raises(ProgrammingError, match="starts at the genesis"):
            attempt(
                f"INSERT INTO {CHAIN} (tenant_id, last_seq, last_hash, anchor_seq, anchor_hash) "
                "VALUES (%s, 100, repeat('0', 64), 100, repeat('a', 64))",
                [fresh.pk],
            )
        with pytest.raises(ProgrammingError, match="permission denied"):
            attempt(
                f"INSERT INTO {CHAIN} (tenant_id, last_seq, last_hash, anchor_seq, anchor_hash, "
                "retention_days) VALUES (%s, 0, repeat('0', 64), 0, repeat('0', 64), 1)",
                [fresh.pk],
            )
        first = audit.record("fresh.first")  # the append path creates the head itself
        assert first.seq == 1
        assert verify_chain().ok


def test_the_owner_moves_the_anchor_or_deletes_a_head_only_in_maintenance(world, some_events):
    with tenant_context(world.acme):
        with pytest.raises(ProgrammingError, match="anchor moves only in a purge"):
            attempt(f"UPDATE {CHAIN} SET anchor_seq = last_seq, anchor_hash = last_hash")
        with pytest.raises(ProgrammingError, match="heads are kept"):
            attempt(f"DELETE FROM {CHAIN}")
        with pytest.raises(ProgrammingError, match="only forward"):
            attempt(f"UPDATE {CHAIN} SET last_seq = 0, last_hash = repeat('0', 64)")
        # Retention is the owner's to set.
        AuditChain.objects.update(retention_days=30)
        assert verify_chain().ok
