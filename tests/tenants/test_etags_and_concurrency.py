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
from tests.policies import publish, rule

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


def test_a_policy_change_changes_a_digests_etag(world):
    """The ETag names the body the caller receives: a policy that rewrites the body
    gives it a new ETag, though the row did not change."""
    digest = factories.digest(world.acme, title="Call 555-1234", summary="Dial 555-1234.")
    client = world.client("viewer")
    before = client.get(f"{BASE}/digests/{digest.pk}/")
    publish(world, rule("regex_redact", pattern=r"\d{3}-\d{4}"))
    after = client.get(f"{BASE}/digests/{digest.pk}/")
    assert after.content != before.content
    assert after["ETag"] != before["ETag"]
    # Asking again, the same body (but for its decision id, new in every answer) and
    # the same ETag.
    assert client.get(f"{BASE}/digests/{digest.pk}/")["ETag"] == after["ETag"]


def test_if_none_match_with_the_current_etag_answers_304_without_a_body(world):
    digest = factories.digest(world.acme, title="Cached", summary="Dial 555-1234.")
    client = world.client("viewer")
    url = f"{BASE}/digests/{digest.pk}/"
    etag = client.get(url)["ETag"]
    cached = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached["ETag"] == etag
    # A weak form of the same tag, or a list holding it, matches too (RFC 9110 13.1.2).
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"x", W/{etag}').status_code == 304
    # Once a policy changes the body, the old tag no longer matches: the new body comes.
    publish(world, rule("regex_redact", pattern=r"\d{3}-\d{4}"))
    fresh = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200
    assert "555-1234" not in fresh.content.decode()
    # Other endpoints with ETags answer the same way.
    role_url = f"{BASE}/roles/{factories.custom_role(world.acme, slug='r', permissions=[]).pk}/"
    admin = world.client("admin")
    role_etag = admin.get(role_url)["ETag"]
    assert admin.get(role_url, HTTP_IF_NONE_MATCH=role_etag).status_code == 304


def test_if_match_with_a_reads_etag_holds_across_a_policy_change(world):
    """If-Match protects against lost updates of the row: the ETag a read gave still lets
    the write through after a policy changed only how the digest is shown, and a tag from
    before another write is refused."""
    digest = factories.digest(world.acme, title="Call 555-1234", summary="Dial 555-1234.")
    client = world.client("editor")
    url = f"{BASE}/digests/{digest.pk}/"
    etag = client.get(url)["ETag"]
    publish(world, rule("regex_redact", pattern=r"\d{3}-\d{4}"))
    assert client.get(url)["ETag"] != etag
    first = client.patch(url, {"summary": "One"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.content
    # The write's own ETag is the one a read now gives.
    assert client.get(url)["ETag"] == first["ETag"]
    stale = client.patch(url, {"summary": "Two"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    for unusable in ("garbage", f"W/{first['ETag']}"):  # weak tags never match If-Match
        refused = client.patch(url, {"summary": "Two"}, format="json", HTTP_IF_MATCH=unusable)
        assert refused.status_code == 412
    digest.refresh_from_db()
    assert digest.summary == "One"


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
