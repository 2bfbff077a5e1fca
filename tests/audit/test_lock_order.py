"""Writers that record audit events and move the tenant's security generation lock the
same two rows in the same order, tenant then chain head, so they never deadlock."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection, connections, transaction

from audit import services as audit
from policies import services as policy_services
from tenants.context import tenant_context
from tenants.models import Membership
from tenants.services.members import member_remove
from tests import factories


def _tenant_row_is_locked(tenant_id: int) -> bool:
    """Whether another connection finds the tenant's row locked against an update."""
    settings = connection.settings_dict
    conninfo = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "host": settings["HOST"],
        "port": settings["PORT"] or 5432,
    }
    if settings["PASSWORD"]:
        conninfo["password"] = settings["PASSWORD"]
    with psycopg.connect(**conninfo, autocommit=True) as other:
        try:
            other.execute(
                "SELECT 1 FROM tenants_tenant WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                [tenant_id],
            )
        except psycopg.errors.LockNotAvailable:
            return True
    return False


@pytest.mark.django_db(transaction=True)
def test_recording_an_event_holds_the_tenant_row_before_the_chain(world):
    assert not _tenant_row_is_locked(world.acme.pk)
    with transaction.atomic(), tenant_context(world.acme):
        audit.record("tenant.test", target=audit.Target(type="tenant", display="x"))
        assert _tenant_row_is_locked(world.acme.pk)
    assert not _tenant_row_is_locked(world.acme.pk)


@pytest.mark.django_db(transaction=True)
def test_a_removal_and_a_policy_change_at_once_both_succeed(world):
    """A removal records its event, then revokes the person's keys (which moves the
    tenant's generation); a policy change moves the generation, then records. Without
    one lock order the two deadlock and one of them fails."""
    policy = factories.policy(
        world.acme,
        name="Rules",
        rules=[{"id": "r", "kind": "regex_redact", "params": {"pattern": "x"}}],
    )
    failures: list[BaseException] = []
    rounds = 8
    people = []
    for n in range(rounds):
        person = factories.member(world.acme, "editor", email=f"e{n}@acme.test")
        factories.api_key(world.acme, "viewer", accountable_person=person)
        people.append(person)

    def remove(person):
        def run():
            with tenant_context(world.acme):
                membership = Membership.objects.get(user=person)
                member_remove(actor=None, membership=membership)

        return run

    def publish():
        with tenant_context(world.acme):
            policy_services.policy_publish(actor=None, policy=policy, note="")

    for person in people:
        barrier = threading.Barrier(2)

        def both(call, barrier=barrier):
            try:
                barrier.wait()
                call()
            except BaseException as exc:
                failures.append(exc)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=both, args=(remove(person),)),
            threading.Thread(target=both, args=(publish,)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not failures, failures


@pytest.mark.django_db(transaction=True)
def test_revoking_a_key_and_removing_its_person_at_once_both_answer(world):
    """A revocation locks the key, then the tenant row (the generation's trigger); a
    removal records its event, then revokes the person's keys. Through the API both take
    the tenant row first (TenantScopedViewSet.initial), so neither fails."""
    from rest_framework.test import APIClient

    base = "/api/v1/tenants/acme"
    statuses: list = []
    for n in range(8):
        person = factories.member(world.acme, "editor", email=f"gone{n}@acme.test")
        key = factories.api_key(world.acme, "viewer", accountable_person=person).api_key
        with tenant_context(world.acme):
            membership = Membership.objects.get(user=person)
        barrier = threading.Barrier(2)

        def call(method, url, barrier=barrier):
            client = APIClient()
            client.force_login(world.members["owner"])
            try:
                barrier.wait()
                statuses.append((url, getattr(client, method)(url).status_code))
            except BaseException as exc:
                statuses.append((url, exc))
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=call, args=("delete", f"{base}/api-keys/{key.pk}/")),
            threading.Thread(target=call, args=("delete", f"{base}/members/{membership.pk}/")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(statuses) == 16
    assert all(status in (200, 204) for _, status in statuses), statuses
