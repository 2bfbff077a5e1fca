"""Who a rule applies to (everyone, roles, API keys), how `allow` lifts overridable rules
for a narrower audience, how several policies combine, and switching a policy off."""

from __future__ import annotations

import pytest

from tests import factories
from tests.policies import POLICIES, assert_problem, bearer, detail, listed_ids, publish, rule

ROLES = {"type": "roles", "roles": ["viewer"]}
ALL_KEYS = {"type": "api_keys"}


@pytest.fixture
def energy(world):
    return factories.digest(
        world.acme,
        title="Energy markets",
        summary="The grid costs 42 euros.",
        topics=["energy"],
    )


@pytest.fixture
def keys(world):
    return {
        "viewer": factories.api_key(world.acme, "viewer", name="viewer widget"),
        "viewer2": factories.api_key(world.acme, "viewer", name="second widget"),
        "editor": factories.api_key(world.acme, "editor", name="editor app"),
    }


def sees(client, digest) -> bool:
    listed = digest.pk in listed_ids(client)
    found = detail(client, digest.pk).status_code == 200
    assert listed == found
    return listed


# --- Audience --------------------------------------------------------------------------------


def test_roles_audience_applies_only_to_those_roles(world, energy, keys):
    publish(world, rule("topic_block", topics=["energy"], audience=ROLES))
    assert not sees(world.client("viewer"), energy)
    for role in ("editor", "admin", "compliance", "auditor", "owner"):
        assert sees(world.client(role), energy), role
    # A key acts with its role, so a viewer key is in a viewer audience; an editor key is not.
    assert not sees(bearer(keys["viewer"].token), energy)
    assert sees(bearer(keys["editor"].token), energy)


def test_api_keys_audience_applies_to_keys_and_not_to_members(world, energy, keys):
    publish(world, rule("topic_block", topics=["energy"], audience=ALL_KEYS))
    for name, key in keys.items():
        assert not sees(bearer(key.token), energy), name
    for role in ("viewer", "editor", "admin"):
        assert sees(world.client(role), energy), role


def test_api_keys_audience_with_prefixes_applies_only_to_those_keys(world, energy, keys):
    wanted = keys["viewer"].api_key.prefix
    publish(
        world,
        rule("topic_block", topics=["energy"], audience={"type": "api_keys", "prefixes": [wanted]}),
    )
    assert not sees(bearer(keys["viewer"].token), energy)
    assert sees(bearer(keys["viewer2"].token), energy)
    assert sees(world.client("viewer"), energy)


def test_output_rules_follow_their_audience_too(world, energy, keys):
    publish(world, rule("regex_redact", pattern=r"\d+ euros", audience=ALL_KEYS))
    assert detail(bearer(keys["viewer"].token), energy.pk).json()["summary"] == (
        "The grid costs [redacted]."
    )
    member_view = detail(world.client("viewer"), energy.pk).json()
    assert member_view["summary"] == "The grid costs 42 euros."
    assert member_view["policy"]["findings"] == []


# --- allow ----------------------------------------------------------------------------------


def test_allow_lifts_an_overridable_rule_for_its_audience_only(world, energy):
    publish(
        world,
        rule("topic_block", "block", topics=["energy"], overridable=True),
        rule("allow", "analysts", rules=["block"], audience={"type": "roles", "roles": ["editor"]}),
    )
    assert sees(world.client("editor"), energy)
    assert detail(world.client("editor"), energy.pk).json()["policy"]["findings"] == []
    for role in ("viewer", "compliance", "admin"):
        assert not sees(world.client(role), energy), role


def test_allow_cannot_lift_a_rule_that_is_not_overridable(world, energy):
    publish(
        world,
        rule("topic_block", "block", topics=["energy"]),
        rule("allow", "analysts", rules=["block"], audience={"type": "roles", "roles": ["editor"]}),
    )
    assert not sees(world.client("editor"), energy)
    assert not sees(world.client("viewer"), energy)


def test_allow_lifts_only_the_rules_it_names(world, energy):
    publish(
        world,
        rule("regex_redact", "money", pattern=r"\d+ euros", overridable=True),
        rule("regex_redact", "grid", pattern="grid", overridable=True),
        rule("allow", "a", rules=["money"], audience={"type": "roles", "roles": ["editor"]}),
    )
    editor = detail(world.client("editor"), energy.pk).json()
    assert editor["summary"] == "The [redacted] costs 42 euros."
    viewer = detail(world.client("viewer"), energy.pk).json()
    assert viewer["summary"] == "The [redacted] costs [redacted]."


def test_a_monitored_allow_lifts_nothing(world, energy):
    publish(
        world,
        rule("topic_block", "block", topics=["energy"], overridable=True),
        rule("allow", "a", mode="monitor", rules=["block"]),
    )
    assert not sees(world.client("editor"), energy)


def test_allow_cannot_name_another_policys_rule(world):
    publish(world, rule("topic_block", "block", topics=["energy"], overridable=True), slug="base")
    response = world.client("admin").post(
        POLICIES,
        {"name": "Loosen", "rules": [rule("allow", "a", rules=["block"])]},
        format="json",
    )
    body = assert_problem(response, 400, "validation_failed")
    assert "rules.0.params.rules" in {e["field"] for e in body["errors"]}


# --- Several policies ------------------------------------------------------------------------


def test_with_two_policies_any_prohibition_wins(world, energy):
    """B's allow lifts B's own overridable `block`, never A's rule of the same id."""
    publish(world, rule("topic_block", "block", topics=["energy"], overridable=True), slug="a")
    publish(
        world,
        rule("topic_block", "block", topics=["energy"], overridable=True),
        rule("allow", "open", rules=["block"]),
        slug="b",
    )
    assert not sees(world.client("viewer"), energy)


def test_an_enforced_rule_wins_over_a_monitored_one_in_another_policy(world, energy):
    publish(world, rule("topic_block", "t", mode="monitor", topics=["energy"]), slug="watch")
    publish(world, rule("keyword_block", "k", keywords=["grid"]), slug="enforce")
    assert not sees(world.client("viewer"), energy)


def test_two_policies_shaping_the_same_digest_both_apply(world, energy):
    publish(world, rule("regex_redact", "money", pattern=r"\d+ euros"), slug="a")
    publish(world, rule("field_hide", "f", fields=["topics"]), slug="b")
    body = detail(world.client("viewer"), energy.pk).json()
    assert body["summary"] == "The grid costs [redacted]."
    assert body["topics"] is None
    assert {f["rule"] for f in body["policy"]["findings"]} == {"a/money", "b/f"}
    assert body["policy"]["version"] == "a@1,b@1"


# --- Switching a policy off --------------------------------------------------------------------


def test_a_disabled_policy_stops_applying_and_can_be_switched_back_on(world, energy):
    policy = publish(world, rule("topic_block", topics=["energy"]), slug="hide-energy")
    admin = world.client("admin")
    viewer = world.client("viewer")
    assert not sees(viewer, energy)

    off = admin.patch(f"{POLICIES}{policy.pk}/", {"enabled": False}, format="json")
    assert off.status_code == 200, off.content
    assert off.json()["enabled"] is False
    assert sees(viewer, energy)
    assert detail(viewer, energy.pk).json()["policy"]["version"] == "none"

    on = admin.patch(f"{POLICIES}{policy.pk}/", {"enabled": True}, format="json")
    assert on.status_code == 200, on.content
    assert not sees(viewer, energy)
