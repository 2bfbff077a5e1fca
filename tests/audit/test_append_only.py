"""On PostgreSQL the audit table is append-only: the runtime role may only INSERT and
SELECT, and a trigger refuses UPDATE and DELETE for everyone (the owner and superusers
included) unless the transaction is in audit maintenance."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError, ProgrammingError

from audit import services as audit
from audit.models import AuditEvent
from audit.verify import verify_chain
from tenants.context import tenant_context
from tests.audit.helpers import events, record_some

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only guards exist on PostgreSQL only"
)

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
        assert [row[0] for row in cursor.fetchall()] == ["audit_append_only", "audit_no_truncate"]


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
