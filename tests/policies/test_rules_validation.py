"""Rule validation: bad input is a 400 problem naming the faulty rule by path; nothing is
saved; patterns are RE2, so no pattern can stall the server."""

from __future__ import annotations

import json
import time

import pytest

from policies.models import Policy
from tenants.context import tenant_context
from tests import factories
from tests.policies import DIGESTS, POLICIES, assert_problem, publish, rule


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def policy_count(world) -> int:
    with tenant_context(world.acme):
        return Policy.objects.count()


GOOD = rule("topic_block", "ok", topics=["energy"])

BAD_RULES = [
    pytest.param(
        [rule("regex_redact", "r", pattern="(unclosed")], "rules.0.params.pattern", id="bad-regex"
    ),
    pytest.param(
        [GOOD, rule("section_hide", "s", pattern="[z-a]")],
        "rules.1.params.pattern",
        id="bad-section-pattern-second-rule",
    ),
    pytest.param(
        [rule("regex_redact", "r", pattern=r"(a)\1")],
        "rules.0.params.pattern",
        id="backreference-not-re2",
    ),
    pytest.param(
        [rule("regex_redact", "r", pattern=r"(?<=a)b")],
        "rules.0.params.pattern",
        id="lookbehind-not-re2",
    ),
    pytest.param([rule("regex_redact", "r", pattern="   ")], "rules.0.params.pattern", id="blank"),
    pytest.param([{}], "rules.0", id="empty-rule"),
    pytest.param([GOOD, "not an object"], "rules.1", id="not-an-object"),
    pytest.param([{"id": "x", "kind": "nuke_everything"}], "rules.0.kind", id="unknown-kind"),
    pytest.param([{"id": "x"}], "rules.0.kind", id="missing-kind"),
    pytest.param(
        [rule("topic_block", "t", topics=["x"], audience={"type": "roles", "roles": ["ghost"]})],
        "rules.0.audience.roles",
        id="unknown-role",
    ),
    pytest.param(
        [
            GOOD,
            rule(
                "topic_block",
                "t",
                topics=["x"],
                audience={"type": "roles", "roles": ["sentinel-role"]},
            ),
        ],
        "rules.1.audience.roles",
        id="another-tenants-role",
    ),
    pytest.param(
        [rule("topic_block", "t", topics=["x"], audience={"type": "robots"})],
        "rules.0.audience.type",
        id="unknown-audience-type",
    ),
    pytest.param([rule("keyword_block", "k", keywords=[])], "rules.0.params.keywords", id="no-kw"),
    pytest.param(
        [rule("keyword_block", "k", keywords=["  ", "\t"])],
        "rules.0.params.keywords",
        id="blank-keywords",
    ),
    pytest.param([rule("keyword_block", "k")], "rules.0.params.keywords", id="missing-keywords"),
    pytest.param([rule("topic_block", "t", topics="energy")], "rules.0.params.topics", id="str"),
    pytest.param(
        [rule("field_hide", "f", fields=["summary", "title"])],
        "rules.0.params.fields",
        id="title-not-hideable",
    ),
    pytest.param(
        [rule("topic_block", "t", topics=["x"], colour="red")],
        "rules.0.params.colour",
        id="unknown-param",
    ),
    pytest.param([{**GOOD, "severity": "high"}], "rules.0.severity", id="unknown-rule-field"),
    pytest.param([rule("topic_block", "t", topics=["x"], mode="loud")], "rules.0.mode", id="mode"),
    pytest.param([{**GOOD, "overridable": "yes"}], "rules.0.overridable", id="overridable"),
    pytest.param([GOOD, {**GOOD}], "rules.1.id", id="duplicate-id"),
    pytest.param([{**GOOD, "id": "Not OK!"}], "rules.0.id", id="bad-id"),
    pytest.param([rule("license_gate", "l", use="print_money")], "rules.0.params.use", id="use"),
    pytest.param(
        [GOOD, rule("allow", "a", rules=["missing"])], "rules.1.params.rules", id="allow-unknown"
    ),
    pytest.param(
        [rule("regex_redact", "r", pattern="x", mask="m" * 51)], "rules.0.params.mask", id="mask"
    ),
]


@pytest.mark.parametrize(("rules", "field"), BAD_RULES)
def test_bad_rules_on_create_are_a_400_naming_the_rule_path(world, rules, field):
    before = policy_count(world)
    response = world.client("admin").post(
        POLICIES, {"name": "Bad one", "rules": rules}, format="json"
    )
    body = assert_problem(response, 400, "validation_failed")
    assert field in fields(response), body
    assert policy_count(world) == before


@pytest.mark.parametrize(("rules", "field"), BAD_RULES)
def test_bad_rules_on_patch_are_a_400_and_keep_the_draft(world, rules, field):
    policy = factories.policy(world.acme, slug="keep", rules=[GOOD])
    response = world.client("admin").patch(
        f"{POLICIES}{policy.pk}/", {"rules": rules}, format="json"
    )
    assert_problem(response, 400, "validation_failed")
    assert field in fields(response), response.json()
    policy.refresh_from_db()
    assert [r["id"] for r in policy.draft_rules] == ["ok"]


# Sent as JSON text with \u escapes, as a client can: a lone surrogate (no UTF-8 form)
# or a NUL (PostgreSQL's JSON cannot hold it), wherever a rule has text.
UNSTORABLE_RULES = [
    pytest.param(
        [rule("regex_redact", "r", pattern="a\ud800b")], "rules.0.params.pattern", id="pattern"
    ),
    pytest.param(
        [GOOD, rule("section_hide", "s", pattern="\udfff")],
        "rules.1.params.pattern",
        id="section-pattern-second-rule",
    ),
    pytest.param([rule("regex_redact", "r", pattern="a\x00")], "rules.0.params.pattern", id="nul"),
    pytest.param(
        [rule("regex_redact", "r", pattern="x", mask="\ud800")], "rules.0.params.mask", id="mask"
    ),
    pytest.param(
        [rule("keyword_block", "k", keywords=["ok", "\udc00"])],
        "rules.0.params.keywords",
        id="keyword",
    ),
    pytest.param(
        [rule("topic_block", "t", topics=["x"], message="m\x00")], "rules.0.message", id="message"
    ),
    pytest.param(
        [rule("topic_block", "t", topics=["x"], **{"\ud800": 1})], "rules.0.params", id="key"
    ),
]


@pytest.mark.parametrize(("rules", "field"), UNSTORABLE_RULES)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_unstorable_text_in_a_rule_is_a_400_naming_the_rule(world, rules, field, method):
    policy = factories.policy(world.acme, slug="keep", rules=[GOOD])
    before = policy_count(world)
    url = POLICIES if method == "post" else f"{POLICIES}{policy.pk}/"
    raw = json.dumps({"name": "Odd text", "rules": rules})  # ASCII, surrogates escaped
    response = world.client("admin").generic(
        method.upper(), url, raw, content_type="application/json"
    )
    body = assert_problem(response, 400, "validation_failed")
    assert fields(response) == {field}, body
    response.content.decode("utf-8")  # the answer itself is valid UTF-8
    assert policy_count(world) == before
    policy.refresh_from_db()
    assert [r["id"] for r in policy.draft_rules] == ["ok"]


def test_rules_must_be_a_list(world):
    response = world.client("admin").post(
        POLICIES, {"name": "Odd", "rules": {"kind": "topic_block"}}, format="json"
    )
    assert_problem(response, 400, "validation_failed")
    assert "rules" in fields(response)


def test_a_valid_draft_is_normalised(world):
    response = world.client("admin").post(
        POLICIES,
        {
            "name": "Normal",
            "rules": [
                {
                    "kind": "topic_block",
                    "params": {"topics": ["  Energy  Policy ", "energy policy"]},
                },
                {
                    "kind": "field_hide",
                    "params": {"fields": ["topics", "summary", "topics"]},
                    "audience": {"type": "roles", "roles": ["viewer", "viewer"]},
                    "mode": "monitor",
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["active_version"] is None
    assert body["draft_rules"] == [
        {
            "id": "rule-1",
            "kind": "topic_block",
            "params": {"topics": ["energy policy"]},
            "audience": {"type": "everyone"},
            "mode": "enforce",
            "message": "This topic is switched off for you.",
            "overridable": False,
        },
        {
            "id": "rule-2",
            "kind": "field_hide",
            "params": {"fields": ["summary", "topics"]},
            "audience": {"type": "roles", "roles": ["viewer"]},
            "mode": "monitor",
            "message": "Parts of the product are switched off for you.",
            "overridable": False,
        },
    ]


def test_catastrophic_pattern_is_accepted_and_never_stalls(world):
    """`(a+)+$` backtracks exponentially in a backtracking engine; RE2 is linear."""
    evil = "a" * 30_000 + "!"
    digest = factories.digest(
        world.acme, title="Evil input", summary=evil, key_points=[evil], topics=["x"]
    )
    response = world.client("admin").post(
        POLICIES,
        {"name": "Evil", "rules": [rule("regex_redact", "evil", pattern="(a+)+$")]},
        format="json",
    )
    assert response.status_code == 201, response.content
    publish_response = world.client("admin").post(f"{POLICIES}{response.json()['id']}/publish/")
    assert publish_response.status_code == 201, publish_response.content
    viewer = world.client("viewer")
    started = time.monotonic()
    got = viewer.get(f"{DIGESTS}{digest.pk}/")
    listed = viewer.get(DIGESTS)
    simulated = world.client("admin").post(
        f"{POLICIES}{response.json()['id']}/simulate/", {"as_role": "viewer"}, format="json"
    )
    assert time.monotonic() - started < 10
    assert got.status_code == listed.status_code == simulated.status_code == 200
    # Nothing ends in a run of a's (they end in "!"), so nothing was redacted.
    assert got.json()["summary"] == evil


def test_catastrophic_pattern_that_matches_is_redacted_quickly(world):
    evil = "a" * 30_000
    digest = factories.digest(world.acme, title="Evil input", summary=evil, topics=["x"])
    publish(world, rule("regex_redact", "evil", pattern="(a+)+$", mask="[gone]"))
    started = time.monotonic()
    got = world.client("viewer").get(f"{DIGESTS}{digest.pk}/")
    assert time.monotonic() - started < 10
    assert got.status_code == 200
    assert got.json()["summary"] == "[gone]"
