"""Versions: publishing freezes the draft as the next number; published versions never
change; rollback publishes a copy; every publish and rollback is in the audit log; only
roles holding `policies.publish_policy` may publish."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEvent
from policies.models import Policy, PolicyVersion
from tenants.context import tenant_context
from tests import factories
from tests.policies import POLICIES, assert_problem, bearer, detail, listed_ids, rule

V1 = [rule("topic_block", "t", topics=["energy"])]
V2 = [rule("topic_block", "t", topics=["gardening"])]


@pytest.fixture
def digests(world):
    return {
        "energy": factories.digest(world.acme, title="Energy", topics=["energy"]),
        "garden": factories.digest(world.acme, title="Garden", topics=["gardening"]),
    }


def create(client, rules=V1, name="Topics") -> dict:
    response = client.post(POLICIES, {"name": name, "rules": rules}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def url(policy_id: int, action: str = "") -> str:
    return f"{POLICIES}{policy_id}/{action + '/' if action else ''}"


def publish(client, policy_id: int, note: str = "") -> dict:
    response = client.post(url(policy_id, "publish"), {"note": note}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def edit(client, policy_id: int, rules: list) -> dict:
    response = client.patch(url(policy_id), {"rules": rules}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def versions(client, policy_id: int) -> list[dict]:
    response = client.get(url(policy_id, "versions"))
    assert response.status_code == 200, response.content
    return response.json()


def audit_events(world, action: str) -> list[AuditEvent]:
    with tenant_context(world.acme):
        return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_publishing_numbers_versions_1_2_and_puts_the_latest_in_force(world, digests):
    admin = world.client("admin")
    viewer = world.client("viewer")
    policy = create(admin)
    assert policy["active_version"] is None
    assert listed_ids(viewer) == {digests["energy"].pk, digests["garden"].pk}  # draft: not in force

    first = publish(admin, policy["id"], note="first cut")
    assert (first["number"], first["note"], first["copied_from"]) == (1, "first cut", None)
    assert first["rules"] == admin.get(url(policy["id"])).json()["draft_rules"]
    assert listed_ids(viewer) == {digests["garden"].pk}

    edit(admin, policy["id"], V2)
    second = publish(admin, policy["id"])
    assert second["number"] == 2
    assert admin.get(url(policy["id"])).json()["active_version"] == 2
    assert listed_ids(viewer) == {digests["energy"].pk}
    assert detail(viewer, digests["energy"].pk).json()["policy"]["version"] == "topics@2"


def test_a_published_version_never_changes_when_the_draft_is_edited(world, digests):
    admin = world.client("admin")
    viewer = world.client("viewer")
    policy = create(admin)
    frozen = publish(admin, policy["id"])["rules"]
    edit(admin, policy["id"], V2)
    edit(admin, policy["id"], [rule("license_gate", "lic")])
    assert versions(admin, policy["id"])[0]["rules"] == frozen
    with tenant_context(world.acme):
        assert PolicyVersion.objects.get(policy_id=policy["id"], number=1).rules == frozen
    # The edited draft is not in force: still version 1's rules.
    assert listed_ids(viewer) == {digests["garden"].pk}
    assert admin.get(url(policy["id"])).json()["active_version"] == 1


def test_rollback_publishes_a_copy_as_the_next_version_in_force_at_once(world, digests):
    admin = world.client("admin")
    viewer = world.client("viewer")
    policy = create(admin)
    v1 = publish(admin, policy["id"])
    edit(admin, policy["id"], V2)
    publish(admin, policy["id"])
    assert listed_ids(viewer) == {digests["energy"].pk}

    response = admin.post(url(policy["id"], "rollback"), {"version": 1}, format="json")
    assert response.status_code == 201, response.content
    v3 = response.json()
    assert v3["number"] == 3
    assert v3["copied_from"] == 1
    assert v3["rules"] == v1["rules"]
    assert v3["note"] == "rollback to 1"
    assert listed_ids(viewer) == {digests["garden"].pk}
    assert detail(viewer, digests["garden"].pk).json()["policy"]["version"] == "topics@3"
    assert [v["number"] for v in versions(admin, policy["id"])] == [3, 2, 1]
    # Rollback leaves the draft as it was.
    assert admin.get(url(policy["id"])).json()["draft_rules"][0]["params"] == {
        "topics": ["gardening"]
    }


def test_rollback_to_a_missing_version_is_a_404(world):
    admin = world.client("admin")
    policy = create(admin)
    publish(admin, policy["id"])
    response = admin.post(url(policy["id"], "rollback"), {"version": 7}, format="json")
    assert_problem(response, 404, "unknown_version")
    assert [v["number"] for v in versions(admin, policy["id"])] == [1]


def test_versions_show_who_published_and_when(world):
    admin = world.client("admin")
    owner = world.client("owner")
    policy = create(admin)
    before = dt.datetime.now(dt.UTC)
    publish(admin, policy["id"], note="by the admin")
    publish(owner, policy["id"], note="by the owner")
    owner.post(url(policy["id"], "rollback"), {"version": 1}, format="json")
    listed = versions(world.client("compliance"), policy["id"])
    assert [(v["number"], v["published_by"], v["copied_from"]) for v in listed] == [
        (3, "owner@acme.test", 1),
        (2, "owner@acme.test", None),
        (1, "admin@acme.test", None),
    ]
    for version in listed:
        published_at = dt.datetime.fromisoformat(version["published_at"].replace("Z", "+00:00"))
        assert before - dt.timedelta(seconds=1) <= published_at <= dt.datetime.now(dt.UTC)
        assert set(version) == {
            "number",
            "rules",
            "note",
            "copied_from",
            "published_by",
            "published_at",
        }
    assert listed[0]["published_at"] >= listed[1]["published_at"] >= listed[2]["published_at"]


def test_publish_and_rollback_are_in_the_audit_log(world):
    admin = world.client("admin")
    user = world.members["admin"]
    policy = create(admin)
    publish(admin, policy["id"])
    edit(admin, policy["id"], V2)
    publish(admin, policy["id"])
    admin.post(url(policy["id"], "rollback"), {"version": 1}, format="json")

    published = audit_events(world, "policy.published")
    assert [e.changes["version"] for e in published] == [[None, 1], [1, 2]]
    rolled = audit_events(world, "policy.rolled_back")
    assert len(rolled) == 1
    assert rolled[0].changes["version"] == [2, 3]
    assert rolled[0].changes["copied_from"] == [None, 1]
    for event in [*published, *rolled]:
        assert (event.actor_type, event.actor_id, event.actor_display) == (
            AuditEvent.ActorType.USER,
            str(user.pk),
            user.email,
        )
        assert event.target_type and event.target_id == str(policy["id"])
        assert event.outcome == AuditEvent.Outcome.SUCCESS


def test_a_publish_by_api_key_is_recorded_against_the_key(world):
    key = factories.api_key(world.acme, "admin", name="policy bot")
    client = bearer(key.token)
    policy = create(client)
    version = publish(client, policy["id"])
    assert version["published_by"]
    (event,) = audit_events(world, "policy.published")
    assert event.actor_type == AuditEvent.ActorType.API_KEY


@pytest.mark.parametrize("role", ["compliance", "auditor"])
def test_compliance_and_auditors_read_but_cannot_change_or_publish(world, role):
    admin = world.client("admin")
    policy = create(admin)
    publish(admin, policy["id"])
    reader = world.client(role)

    assert reader.get(POLICIES).status_code == 200
    assert [p["id"] for p in reader.get(POLICIES).json()["results"]] == [policy["id"]]
    assert reader.get(url(policy["id"])).status_code == 200
    assert [v["number"] for v in versions(reader, policy["id"])] == [1]

    assert_problem(reader.post(url(policy["id"], "publish"), {}, format="json"), 403)
    assert_problem(reader.post(url(policy["id"], "rollback"), {"version": 1}, format="json"), 403)
    assert_problem(reader.patch(url(policy["id"]), {"rules": V2}, format="json"), 403)
    assert_problem(reader.patch(url(policy["id"]), {"enabled": False}, format="json"), 403)
    assert_problem(reader.post(url(policy["id"], "simulate"), {"as_role": "viewer"}), 403)
    assert_problem(reader.post(POLICIES, {"name": "Mine", "rules": V1}, format="json"), 403)
    assert_problem(reader.delete(url(policy["id"])), 403)

    assert [v["number"] for v in versions(admin, policy["id"])] == [1]
    with tenant_context(world.acme):
        stored = Policy.objects.get(pk=policy["id"])
        assert stored.enabled is True
        assert stored.active_version.number == 1
        assert stored.draft_rules == policy["draft_rules"]


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_roles_without_view_policy_get_403_on_the_list(world, role):
    policy = create(world.client("admin"))
    client = world.client(role)
    assert_problem(client.get(POLICIES), 403, "permission_denied")
    assert_problem(client.get(url(policy["id"])), 403)
    assert_problem(client.get(url(policy["id"], "versions")), 403)


def test_another_tenants_policy_is_a_404(world):
    admin = world.client("admin")
    assert_problem(admin.get(url(world.globex_policy.pk)), 404)
    assert_problem(admin.get(url(world.globex_policy.pk, "versions")), 404)
    assert_problem(admin.post(url(world.globex_policy.pk, "publish"), {}, format="json"), 404)
    assert_problem(
        admin.post(url(world.globex_policy.pk, "rollback"), {"version": 1}, format="json"), 404
    )
    assert world.globex_policy.pk not in {p["id"] for p in admin.get(POLICIES).json()["results"]}
