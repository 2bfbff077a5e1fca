"""Each rule kind, enforced and monitored, wherever a digest leaves the system: the list,
the detail and search (`q`), as a viewer. A response carries the decision (`policy`) and
never the hidden or redacted text itself."""

from __future__ import annotations

import pytest

from tests import factories
from tests.conftest import SENTINEL
from tests.policies import (
    DIGESTS,
    FINDING_KEYS,
    assert_problem,
    detail,
    item,
    listed_ids,
    page,
    publish,
    rule,
)

SECTIONS = [
    {
        "number": 1,
        "emoji": "⚡",
        "title": "Opening",
        "bullets": ["Grid news arrives."],
        "subsections": [{"number": "1.1", "title": "Detail", "bullets": ["Deep detail."]}],
    },
    {
        "number": 2,
        "emoji": "",
        "title": "Sponsor message",
        "bullets": ["Buy our batteries."],
        "subsections": [],
    },
]


@pytest.fixture
def library(world):
    target = factories.digest(
        world.acme,
        title="Quarterly energy outlook",
        summary="Prices climb as the grid tightens.",
        key_points=["Secret code 1234 is mentioned.", "Demand rises."],
        sections=SECTIONS,
        topics=["Energy", "Markets"],
    )
    other = factories.digest(
        world.acme,
        title="Garden notes",
        summary="Tomatoes and beans.",
        key_points=["Water daily."],
        sections=[{**SECTIONS[0], "bullets": ["Compost."], "subsections": []}],
        topics=["gardening"],
    )
    return target, other


def without_policy(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "policy"}


def snapshot(client, target) -> dict:
    """What a viewer sees of `target` in the list, detail and search, decisions aside."""
    return {
        "list": without_policy(item(page(client), target.pk)),
        "detail": without_policy(detail(client, target.pk).json()),
        "search": without_policy(item(page(client, q="outlook"), target.pk)),
    }


def assert_finding_shape(finding: dict) -> None:
    assert set(finding) == FINDING_KEYS, finding
    assert isinstance(finding["rule"], str) and "/" in finding["rule"]
    assert finding["action"] in {"hide", "hide_field", "hide_section", "redact"}
    assert isinstance(finding["enforced"], bool)
    assert isinstance(finding["path"], str)
    assert isinstance(finding["reason"], str)


def decisions(client, target) -> dict[str, dict]:
    got = detail(client, target.pk)
    assert got.status_code == 200, got.content
    return {
        "list": item(page(client), target.pk)["policy"],
        "detail": got.json()["policy"],
        "search": item(page(client, q="outlook"), target.pk)["policy"],
    }


# --- No policy -------------------------------------------------------------------------------


def test_without_policies_every_digest_carries_an_empty_decision(world, library):
    """globex has a published policy; it never reaches acme's decisions."""
    target, _ = library
    client = world.client("viewer")
    for where, decision in decisions(client, target).items():
        assert set(decision) == {"version", "decision_id", "findings"}, where
        assert decision["version"] == "none", where
        assert decision["findings"] == [], where
        assert decision["decision_id"]
    assert (
        detail(client, target.pk).json()["policy"]["decision_id"]
        != (detail(client, target.pk).json()["policy"]["decision_id"])
    )


def test_decision_names_the_versions_in_force(world, library):
    target, _ = library
    publish(world, rule("field_hide", "f", fields=["source"]), slug="beta")
    publish(world, rule("field_hide", "g", fields=["source"]), slug="alpha")
    for where, decision in decisions(world.client("viewer"), target).items():
        assert decision["version"] == "alpha@1,beta@1", where
        assert "globex" not in decision["version"]


# --- Hiding kinds, enforced ------------------------------------------------------------------


@pytest.mark.parametrize(
    "hiding",
    [
        pytest.param(rule("topic_block", topics=["ENERGY"]), id="topic_block"),
        pytest.param(rule("keyword_block", keywords=["Outlook"]), id="keyword_block-title"),
        pytest.param(rule("keyword_block", keywords=["demand RISES"]), id="keyword_block-phrase"),
        pytest.param(rule("keyword_block", keywords=["batteries"]), id="keyword_block-bullet"),
        pytest.param(
            rule("keyword_block", keywords=["deep detail"]), id="keyword_block-subsection"
        ),
    ],
)
def test_enforced_hiding_rule_removes_the_digest_everywhere(world, library, hiding):
    target, other = library
    publish(world, hiding)
    client = world.client("viewer")
    assert listed_ids(client) == {other.pk}
    assert_problem(detail(client, target.pk), 404, "not_found")
    assert page(client, q="outlook") == []
    assert listed_ids(client, q="garden") == {other.pk}
    assert detail(client, other.pk).json()["policy"]["findings"] == []


def test_enforced_license_gate_hides_everything_and_detail_is_451(world, library):
    target, other = library
    publish(world, rule("license_gate", "lic", message="Not licensed for the intranet."))
    client = world.client("viewer")
    assert page(client) == []
    assert page(client, q="outlook") == []
    for digest in (target, other):
        body = assert_problem(detail(client, digest.pk), 451, "license_unavailable")
        assert body["detail"] == "Not licensed for the intranet."


def test_license_gate_451_never_reveals_what_the_caller_could_not_see_anyway(world, library):
    target, _ = library
    draft = factories.digest(world.acme, title="Draft", status="draft")
    publish(world, rule("license_gate", "lic"), rule("topic_block", "t", topics=["energy"]))
    client = world.client("viewer")
    assert_problem(detail(client, target.pk), 404)  # also hidden by another rule
    assert_problem(detail(client, draft.pk), 404)  # not visible to viewers at all
    assert_problem(detail(client, world.globex_digest.pk), 404)  # another tenant's
    assert_problem(detail(client, 987_654_321), 404)  # does not exist


def test_license_gate_applies_only_to_its_audience(world, library):
    target, _ = library
    publish(world, rule("license_gate", "lic", audience={"type": "roles", "roles": ["viewer"]}))
    assert detail(world.client("viewer"), target.pk).status_code == 451
    assert detail(world.client("editor"), target.pk).status_code == 200


# --- Output-shaping kinds, enforced ----------------------------------------------------------


def test_enforced_regex_redact_masks_every_text_field(world, library):
    target, _ = library
    publish(world, rule("regex_redact", "codes", pattern=r"secret code \d+|batter\w*", mask="▇"))
    client = world.client("viewer")
    for where, data in (
        ("list", item(page(client), target.pk)),
        ("search", item(page(client, q="outlook"), target.pk)),
    ):
        assert data["key_points"] == ["▇ is mentioned.", "Demand rises."], where
        findings = data["policy"]["findings"]
        assert findings == [
            {
                "rule": "content/codes",
                "action": "redact",
                "enforced": True,
                "path": "key_points[0]",
                "reason": "Parts of this digest are redacted.",
            }
        ], where
    body = detail(client, target.pk).json()
    assert body["key_points"][0] == "▇ is mentioned."
    assert body["sections"][1]["bullets"] == ["Buy our ▇."]
    assert {f["path"] for f in body["policy"]["findings"]} == {
        "key_points[0]",
        "sections[1].bullets[0]",
    }


def test_enforced_regex_redact_reaches_titles_and_subsections(world, library):
    target, _ = library
    publish(world, rule("regex_redact", "d", pattern=r"\bdetail\b|\bquarterly\b"))
    body = detail(world.client("viewer"), target.pk).json()
    assert body["title"] == "[redacted] energy outlook"
    assert body["sections"][0]["subsections"][0]["title"] == "[redacted]"
    assert body["sections"][0]["subsections"][0]["bullets"] == ["Deep [redacted]."]
    assert {f["path"] for f in body["policy"]["findings"]} == {
        "title",
        "slug",
        "source.title",
        "sources[0].title",
        "sections[0].subsections[0].title",
        "sections[0].subsections[0].bullets[0]",
    }


def test_enforced_section_hide_drops_matching_sections(world, library):
    target, _ = library
    publish(world, rule("section_hide", "ads", pattern="^sponsor"))
    client = world.client("viewer")
    body = detail(client, target.pk).json()
    assert [s["title"] for s in body["sections"]] == ["Opening"]
    assert body["policy"]["findings"] == [
        {
            "rule": "content/ads",
            "action": "hide_section",
            "enforced": True,
            "path": "sections[1]",
            "reason": "Some sections are hidden.",
        }
    ]
    # Lists carry no sections, so nothing to drop there; the digest stays listed.
    assert item(page(client), target.pk)["policy"]["findings"] == []
    assert target.pk in listed_ids(client, q="outlook")


def test_enforced_field_hide_nulls_whole_fields(world, library):
    target, _ = library
    publish(
        world,
        rule("field_hide", "f", fields=["summary", "key_points", "sections", "source", "topics"]),
    )
    client = world.client("viewer")
    hidden = {"summary", "key_points", "source", "sources", "topics"}
    for where, data in (
        ("list", item(page(client), target.pk)),
        ("search", item(page(client, q="outlook"), target.pk)),
        ("detail", detail(client, target.pk).json()),
    ):
        names = hidden | ({"sections"} if where == "detail" else set())
        assert {name: data[name] for name in names} == dict.fromkeys(names), where
        assert data["title"] == "Quarterly energy outlook"
        findings = data["policy"]["findings"]
        assert {f["path"] for f in findings} == names, where
        assert all(f["action"] == "hide_field" and f["enforced"] for f in findings), where


# --- Monitor mode: findings only ---------------------------------------------------------------

MONITORED = [
    pytest.param(
        rule("topic_block", mode="monitor", topics=["energy"]),
        {"list": [("hide", "topics")], "detail": [("hide", "topics")]},
        id="topic_block",
    ),
    pytest.param(
        rule("keyword_block", mode="monitor", keywords=["outlook"]),
        {"list": [("hide", "")], "detail": [("hide", "")]},
        id="keyword_block",
    ),
    pytest.param(
        rule("keyword_block", mode="monitor", keywords=["demand"]),
        {"list": [("hide", "")], "detail": [("hide", "")]},
        id="keyword_block-in-key-points",
    ),
    pytest.param(
        rule("license_gate", mode="monitor"),
        {"list": [("hide", "")], "detail": [("hide", "")]},
        id="license_gate",
    ),
    pytest.param(
        rule("regex_redact", mode="monitor", pattern=r"secret code \d+"),
        {"list": [("redact", "key_points[0]")], "detail": [("redact", "key_points[0]")]},
        id="regex_redact",
    ),
    pytest.param(
        rule("section_hide", mode="monitor", pattern="sponsor"),
        {"list": [], "detail": [("hide_section", "sections[1]")]},
        id="section_hide",
    ),
    pytest.param(
        rule("field_hide", mode="monitor", fields=["summary", "sections"]),
        {
            "list": [("hide_field", "summary")],
            "detail": [("hide_field", "sections"), ("hide_field", "summary")],
        },
        id="field_hide",
    ),
]


@pytest.mark.parametrize(("monitored", "expected"), MONITORED)
def test_monitor_mode_changes_nothing_and_reports_findings(world, library, monitored, expected):
    target, _ = library
    client = world.client("viewer")
    baseline = snapshot(client, target)
    baseline_ids = listed_ids(client)
    publish(world, {**monitored, "message": "Would be switched off."})
    assert snapshot(client, target) == baseline
    assert listed_ids(client) == baseline_ids
    found = decisions(client, target)
    for where, decision in found.items():
        want = expected["detail" if where == "detail" else "list"]
        assert [(f["action"], f["path"]) for f in decision["findings"]] == want, where
        for finding in decision["findings"]:
            assert_finding_shape(finding)
            assert finding["enforced"] is False
            assert finding["rule"] == "content/r1"
            assert finding["reason"] == "Would be switched off."
        assert decision["version"] == "content@1"


def test_findings_shape_is_exact_for_every_action(world, library):
    target, _ = library
    publish(
        world,
        rule("regex_redact", "a", pattern="grid"),
        rule("section_hide", "b", pattern="sponsor"),
        rule("field_hide", "c", fields=["source"]),
        rule("topic_block", "d", mode="monitor", topics=["markets"]),
    )
    findings = detail(world.client("viewer"), target.pk).json()["policy"]["findings"]
    assert {f["action"] for f in findings} == {"redact", "hide_section", "hide_field", "hide"}
    for finding in findings:
        assert_finding_shape(finding)


# --- Sentinels: the protected text never leaves -----------------------------------------------

SECRET = "zanzibarquux"


@pytest.fixture
def secret_digest(world):
    return factories.digest(
        world.acme,
        title="Weekly roundup",
        summary=f"The summary names {SECRET} once.",
        key_points=[f"A key point about {SECRET}.", "Harmless point."],
        sections=[
            {
                "number": 1,
                "emoji": "",
                "title": "Main",
                "bullets": [f"A bullet with {SECRET} inside.", "Harmless bullet."],
                "subsections": [
                    {"number": "1.1", "title": "Sub", "bullets": [f"Deeper {SECRET}."]}
                ],
            },
            {
                "number": 2,
                "emoji": "",
                "title": f"Section on {SECRET}",
                "bullets": ["Nothing."],
                "subsections": [],
            },
        ],
        topics=["news"],
    )


def raw_responses(client, digest) -> dict[str, bytes]:
    responses = {
        "list": client.get(DIGESTS),
        "detail": client.get(f"{DIGESTS}{digest.pk}/"),
        "search-other-word": client.get(DIGESTS, {"q": "roundup"}),
        "search-secret": client.get(DIGESTS, {"q": SECRET}),
    }
    assert responses["list"].status_code == 200
    return {where: r.content for where, r in responses.items()}


@pytest.mark.parametrize(
    "protecting",
    [
        pytest.param(rule("regex_redact", pattern=SECRET.upper()), id="regex_redact"),
        pytest.param(rule("regex_redact", pattern=r"zanzibar\w+", mask="***"), id="regex_redact-2"),
        pytest.param(rule("keyword_block", keywords=[SECRET]), id="keyword_block"),
        pytest.param(rule("topic_block", topics=["news"]), id="topic_block"),
        pytest.param(rule("license_gate"), id="license_gate"),
        pytest.param(
            rule("field_hide", fields=["summary", "key_points", "sections"]), id="field_hide"
        ),
    ],
)
def test_protected_text_never_appears_in_any_response(world, secret_digest, protecting):
    client = world.client("viewer")
    assert SECRET.encode() in client.get(f"{DIGESTS}{secret_digest.pk}/").content  # control
    publish(world, protecting)
    for where, content in raw_responses(client, secret_digest).items():
        assert SECRET.encode() not in content, where
        assert SECRET.upper().encode() not in content, where
        assert SENTINEL.encode() not in content, where


def test_section_hide_plus_field_hide_protect_the_text_together(world, secret_digest):
    client = world.client("viewer")
    publish(
        world,
        rule("section_hide", "s", pattern=".*"),
        rule("field_hide", "f", fields=["summary", "key_points"]),
    )
    for where, content in raw_responses(client, secret_digest).items():
        assert SECRET.encode() not in content, where


def test_redaction_protects_text_from_its_audience_only(world, secret_digest):
    publish(
        world, rule("regex_redact", pattern=SECRET, audience={"type": "roles", "roles": ["viewer"]})
    )
    assert (
        SECRET.encode() not in world.client("viewer").get(f"{DIGESTS}{secret_digest.pk}/").content
    )
    assert SECRET.encode() in world.client("editor").get(f"{DIGESTS}{secret_digest.pk}/").content


def test_redacted_title_word_never_appears_in_any_response(world):
    digest = factories.digest(world.acme, title=f"Roundup {SECRET} edition", topics=["news"])
    publish(world, rule("regex_redact", pattern=SECRET))
    client = world.client("viewer")
    assert client.get(f"{DIGESTS}{digest.pk}/").json()["title"] == "Roundup [redacted] edition"
    for where, content in raw_responses(client, digest).items():
        assert SECRET.encode() not in content, where


def test_redacted_word_in_publisher_or_topics_never_appears(world):
    digest = factories.digest(
        world.acme, title="Roundup", publisher=f"{SECRET} Radio", topics=[SECRET]
    )
    publish(world, rule("regex_redact", pattern=SECRET))
    for where, content in raw_responses(world.client("viewer"), digest).items():
        assert SECRET.encode() not in content, where


def test_hidden_digests_are_removed_before_pagination(world):
    kept = factories.digest(world.acme, title="Kept", topics=["kept"])
    for n in range(3):
        factories.digest(world.acme, title=f"Blocked {n}", topics=["blocked"])
    publish(world, rule("topic_block", topics=["blocked"]))
    response = world.client("viewer").get(DIGESTS, {"page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert [d["id"] for d in body["results"]] == [kept.pk]
    assert body["next"] is None


def test_a_keyword_rule_neither_hides_nor_flags_a_digest_without_a_words_vector(world):
    """The keyword condition is false for a digest whose words vector is missing (rows
    written before the vector existed), in enforce and in monitor mode alike: a missing
    vector must not make the condition unknown, which would hide the digest."""

    from digests.models import Digest

    plain = factories.digest(world.acme, title="Grid outlook for spring")
    Digest._base_manager.filter(pk=plain.pk).update(words_vector=None)
    publish(
        world,
        rule("keyword_block", "enforced", keywords=["nothing like this"]),
        rule("keyword_block", "watched", mode="monitor", keywords=["nothing like this"]),
    )
    client = world.client("viewer")
    assert plain.pk in listed_ids(client)
    response = detail(client, plain.pk)
    assert response.status_code == 200
    assert response.json()["policy"]["findings"] == []


# --- The slug: an identifier, never rewritten, never carrying what a rule hides -------------


def _raw(response) -> bytes:
    """Every byte a client receives: the headers and the body."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers.encode() + b"\n\n" + response.content


def test_a_redacted_title_word_never_leaves_in_the_slug(world):
    """The slug is made from the title, lower case with `-` for spaces: a rule that finds
    "Project Nightingale" in the title no longer finds it there. The slug is then shown
    as `digest-<id>`, whatever the mask."""
    target = factories.digest(world.acme, title="Project Nightingale review")
    plain = factories.digest(world.acme, title="Garden notes")
    assert target.slug == "project-nightingale-review-2025-03-14"
    client = world.client("viewer")
    for mask in ("[a]", "[b]"):
        publish(
            world, rule("regex_redact", "n", pattern="Project Nightingale", mask=mask), slug=mask[1]
        )
        for where, response in (
            ("list", client.get(DIGESTS)),
            ("detail", detail(client, target.pk)),
        ):
            assert response.status_code == 200, response.content
            assert b"nightingale" not in _raw(response).lower(), (mask, where)
            shown = item(page(client), target.pk) if where == "list" else response.json()
            assert shown["slug"] == f"digest-{target.pk}", (mask, where)
            slug_findings = [f for f in shown["policy"]["findings"] if f["path"] == "slug"]
            assert [f["action"] for f in slug_findings if f["enforced"]], (mask, where)
        # A digest the rule does not touch keeps its slug.
        assert item(page(client), plain.pk)["slug"] == plain.slug


def test_a_slug_a_redact_rule_matches_is_replaced_whole_not_masked(world):
    """A slug chosen by an editor, holding the word alone: the identifier is not
    rewritten with the mask (it would change with every policy), it is replaced."""
    target = factories.digest(world.acme, title="Garden notes", slug="nightingale_notes")
    publish(world, rule("regex_redact", "n", pattern=r"\bnightingale\b", mask="[x]"))
    for client in (world.client("viewer"), world.client("editor")):
        response = detail(client, target.pk)
        assert response.status_code == 200, response.content
        assert response.json()["slug"] == f"digest-{target.pk}"
        assert b"nightingale" not in _raw(response).lower()


def test_a_monitored_redaction_leaves_the_slug_and_reports_it(world):
    target = factories.digest(world.acme, title="Project Nightingale review")
    publish(world, rule("regex_redact", "n", pattern="Project Nightingale", mode="monitor"))
    body = detail(world.client("viewer"), target.pk).json()
    assert body["slug"] == target.slug
    assert {"rule": "content/n", "path": "slug", "enforced": False}.items() <= next(
        f for f in body["policy"]["findings"] if f["path"] == "slug"
    ).items()
