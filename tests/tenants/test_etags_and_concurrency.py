"""Lost-update protection: ETags with If-Match, and row locks under concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from rest_framework.test import APIClient

from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership, Role
from tests import factories

BASE = "/api/v1/tenants/acme"


def test_reads_carry_an_etag_that_changes_with_the_object(world):
    role = factories.custom_role(world.acme, slug="editors-plus", permissions=[])
    client = world.client("admin")
    first = client.get(f"{BASE}/roles/{role.pk}/")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    updated = client.patch(f"{BASE}/roles/{role.pk}/", {"name": "Renamed"}, format="json")
    assert updated["ETag"] != etag
    assert client.get(f"{BASE}/roles/{role.pk}/")["ETag"] == updated["ETag"]


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(world):
    role = factories.custom_role(world.acme, slug="reviewers", permissions=[])
    client = world.client("admin")
    stale = client.get(f"{BASE}/roles/{role.pk}/")["ETag"]
    client.patch(f"{BASE}/roles/{role.pk}/", {"name": "First"}, format="json")
    response = client.patch(
        f"{BASE}/roles/{role.pk}/", {"name": "Second"}, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed"
    role.refresh_from_db()
    assert role.name == "First"


def test_a_current_if_match_lets_the_write_through(world):
    with tenant_context(world.acme):
        target = Membership.objects.get(user=world.members["viewer"])
    client = world.client("admin")
    etag = client.get(f"{BASE}/members/{target.pk}/")["ETag"]
    response = client.patch(
        f"{BASE}/members/{target.pk}/", {"role": "editor"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response.json()["role"] == "editor"


def _in_parallel(*calls):
    """Run each call in its own thread (its own database connection), started together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_the_same_etag_exactly_one_wins():
    tenant = factories.tenant("race")
    admin = factories.member(tenant, rbac.ADMIN, email="admin@race.test")
    role = factories.custom_role(tenant, slug="contested", permissions=[])
    url = f"/api/v1/tenants/race/roles/{role.pk}/"
    reader = APIClient()
    reader.force_login(admin)
    etag = reader.get(url)["ETag"]

    def write(name):
        def call():
            client = APIClient()
            client.force_login(admin)
            return client.patch(url, {"name": name}, format="json", HTTP_IF_MATCH=etag).status_code

        return call

    statuses = _in_parallel(write("left"), write("right"))
    assert sorted(statuses) == [200, 412]


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner():
    tenant = factories.tenant("duel")
    first = factories.member(tenant, rbac.OWNER, email="first@duel.test")
    second = factories.member(tenant, rbac.OWNER, email="second@duel.test")
    with tenant_context(tenant):
        memberships = {m.user_id: m.pk for m in Membership.objects.all()}

    def demote(actor, target):
        def call():
            client = APIClient()
            client.force_login(actor)
            url = f"/api/v1/tenants/duel/members/{memberships[target.pk]}/"
            return client.patch(url, {"role": "viewer"}, format="json").status_code

        return call

    statuses = _in_parallel(demote(first, second), demote(second, first))
    assert sorted(statuses) in ([200, 403], [200, 409])
    with tenant_context(tenant):
        owners = Membership.objects.filter(role__slug=rbac.OWNER).count()
    assert owners == 1


def test_bodies_over_the_limit_are_refused_with_413(world, settings):
    client = world.client("admin")
    with tenant_context(world.acme):
        before = Role.objects.count()
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(f"{BASE}/roles/", {"name": huge, "permissions": []}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    with tenant_context(world.acme):
        assert Role.objects.count() == before
