"""A key made while its person is removed, demoted or their role shrinks never outlives
or outranks them, whichever commits first.

Each race is played in one order, deterministically: the first change runs in its own
connection and holds its transaction open; the second runs in another connection until
it has finished or waits for a row lock the first holds; only then does the first
commit. Without a lock between the two, the second finishes on what it read before the
first committed.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from core.exceptions import Forbidden, ServiceError
from tenants import rbac
from tenants.context import platform_scope, tenant_context
from tenants.models import ApiKey, Membership, Role
from tenants.services.keys import api_key_create
from tenants.services.members import member_change_role, member_remove
from tenants.services.roles import role_update
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 10.0


def _outcome(call):
    try:
        return call()
    except ServiceError as refused:
        return refused


def _race(tenant, first, second) -> tuple[object, object]:
    """Run `first` in a transaction held open until `second` has finished or waits for a
    lock, then commit it; what each returned or the ServiceError it raised."""
    results: list = [None, None]
    first_done = threading.Event()
    release = threading.Event()
    second_pid: list[int] = []
    second_done = threading.Event()

    def run_first():
        try:
            with tenant_context(tenant), transaction.atomic():
                results[0] = _outcome(first)
                first_done.set()
                assert release.wait(WAIT_SECONDS * 2)
        finally:
            first_done.set()
            connections.close_all()

    def run_second():
        try:
            assert first_done.wait(WAIT_SECONDS)
            connection.ensure_connection()
            second_pid.append(connection.connection.info.backend_pid)
            with tenant_context(tenant):
                results[1] = _outcome(second)
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    waiting = False
    while not second_done.is_set() and not waiting and time.monotonic() < deadline:
        if second_pid:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                    [second_pid[0]],
                )
                row = cursor.fetchone()
            waiting = bool(row and row[0])
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(WAIT_SECONDS * 3)
    return results[0], results[1]


def _key(pk: int) -> ApiKey:
    with platform_scope():
        return ApiKey.objects.unscoped().get(pk=pk)


def _working_keys(tenant, person) -> list[str]:
    with tenant_context(tenant):
        return list(
            ApiKey.objects.filter(accountable_person=person, revoked_at__isnull=True).values_list(
                "name", flat=True
            )
        )


@pytest.fixture
def acme():
    tenant = factories.tenant("acme", "Acme Media")
    factories.member(tenant, rbac.OWNER, email="owner@acme.test")
    return tenant


def _membership(tenant, user) -> Membership:
    with tenant_context(tenant):
        return Membership.objects.get(user=user)


def _make_key(tenant, person, role_slug: str, name: str = "raced"):
    def call():
        role = Role.objects.get(slug=role_slug)
        return api_key_create(actor=None, name=name, role=role, accountable_person=person).api_key

    return call


def test_a_key_made_while_its_person_is_demoted_is_revoked(acme):
    admin = factories.member(acme, rbac.ADMIN, email="admin@acme.test")
    membership = _membership(acme, admin)

    def demote():
        viewer = Role.objects.get(slug=rbac.VIEWER)
        return member_change_role(actor=None, membership=membership, role=viewer)

    made, _ = _race(acme, _make_key(acme, admin, rbac.ADMIN), demote)
    assert isinstance(made, ApiKey)
    assert _key(made.pk).revoked_at is not None
    assert _working_keys(acme, admin) == []


def test_a_key_made_after_its_person_is_demoted_is_refused(acme):
    admin = factories.member(acme, rbac.ADMIN, email="admin@acme.test")
    membership = _membership(acme, admin)

    def demote():
        viewer = Role.objects.get(slug=rbac.VIEWER)
        return member_change_role(actor=None, membership=membership, role=viewer)

    _, made = _race(acme, demote, _make_key(acme, admin, rbac.ADMIN))
    assert isinstance(made, Forbidden)
    assert made.code == "role_exceeds_accountable_person"
    assert _working_keys(acme, admin) == []


def test_a_key_made_while_its_person_is_removed_is_revoked(acme):
    editor = factories.member(acme, rbac.EDITOR, email="editor@acme.test")
    membership = _membership(acme, editor)

    def remove():
        return member_remove(actor=None, membership=membership)

    made, _ = _race(acme, _make_key(acme, editor, rbac.VIEWER), remove)
    assert isinstance(made, ApiKey)
    assert _key(made.pk).revoked_at is not None


def test_a_key_made_after_its_person_is_removed_is_refused(acme):
    editor = factories.member(acme, rbac.EDITOR, email="editor@acme.test")
    membership = _membership(acme, editor)

    def remove():
        return member_remove(actor=None, membership=membership)

    _, made = _race(acme, remove, _make_key(acme, editor, rbac.VIEWER))
    assert isinstance(made, ServiceError)
    assert made.code == "accountable_person_not_member"
    assert _working_keys(acme, editor) == []


def test_a_key_made_while_its_persons_role_shrinks_is_revoked(acme):
    reads_drafts = ["digests.view_digest", "digests.view_unpublished_digest"]
    factories.custom_role(acme, slug="drafts", permissions=reads_drafts)
    keeper_role = factories.custom_role(acme, slug="keeper", permissions=reads_drafts)
    keeper = factories.member(acme, "keeper", email="keeper@acme.test")

    def shrink():
        role = Role.objects.get(pk=keeper_role.pk)
        return role_update(actor=None, role=role, permissions=["digests.view_digest"])

    made, _ = _race(acme, _make_key(acme, keeper, "drafts"), shrink)
    assert isinstance(made, ApiKey)
    assert _key(made.pk).revoked_at is not None
    assert _working_keys(acme, keeper) == []
