"""A page's redact rules are screened with one search over the whole page
(`engine.screen_redactions`); each digest must come out exactly as if its own pre-check
had run: same redactions, same findings."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from policies import engine
from policies.rules import validate_rules


def digest(index: int, summary: str, *, title: str = "", points=(), source_title: str = ""):
    return {
        "id": index,
        "slug": f"digest-{index}",
        "title": title or f"Digest {index}",
        "published_on": "2026-11-28",
        "summary": summary,
        "key_points": list(points),
        "topics": ["harbours"],
        "status": "published",
        "source": {"publisher": "Harbour Radio", "title": f"Episode {index}", "url": None},
        "sources": [{"id": index, "title": source_title or f"Source {index}", "url": None}],
        "updated_at": "2026-11-28T09:00:00Z",
    }


PAGE = [
    digest(0, "Write to first@example.org about the tides"),
    digest(1, "Nothing to hide here", points=["one", "two"]),
    digest(2, "Ends with a number 42", title="Café crème"),
    digest(3, "Nothing here either", source_title="mail second@example.net"),
    digest(4, "Line one\nline two starts here"),
    digest(5, "tail@example.com"),
    digest(6, "plain", title="Episode"),
    digest(7, 'Quoted "q@example.org"\\ and\ttabbed', points=['"555-1234"', "\\+44 555-9876\\"]),
]


def rule_set(*patterns: str) -> engine.RuleSet:
    rules = validate_rules(
        [
            {"id": f"r{n}", "kind": "regex_redact", "params": {"pattern": p, "mask": "[x]"}}
            for n, p in enumerate(patterns)
        ],
        roles=set(),
    )
    return engine.RuleSet(version="p@1", rules=list(engine.compile_rules("p", rules)))


def without_ids(decision: dict) -> dict:
    return {k: v for k, v in decision.items() if k != "decision_id"}


@pytest.mark.parametrize(
    "patterns",
    [
        [r"[a-z0-9.]+@[a-z0-9.-]+\.[a-z]{2,}"],  # several digests, first and last among them
        [r"^Episode"],  # at the start of a line, and of the digest
        [r"\d+$"],  # at the end of a field
        [r"crème"],  # beyond ASCII: byte offsets must still find the right digest
        [r"x*"],  # matches the empty string: every digest
        [r"here\nline"],  # spans two fields of one digest (a pre-check false positive)
        [r"(?s)tides.*Nothing"],  # would run from one digest's text into the next
        [r"nowhere at all"],
        [r"first@", r"second@", r"Digest 6"],  # one search per rule
        [r"\d{3}-\d{4}"],  # a required character beside JSON's escaped ones
        [r"q@example\.org", r"nobody@", r"#\d"],  # required characters in one, none, none
        [r"@", r"\d+$"],  # one rule with required characters, one without
        [r"^digest 6$"],  # only in a slug read with its - as a space (engine._guard_slug)
    ],
)
def test_a_screened_page_comes_out_as_digest_by_digest(patterns):
    rules = rule_set(*patterns)
    one_by_one = copy.deepcopy(PAGE)
    expected = [without_ids(engine.apply(rules, None, data)) for data in one_by_one]
    screened_page = copy.deepcopy(PAGE)
    screened = engine.screen_redactions(rules, screened_page)
    got = [
        without_ids(engine.apply(rules, None, data, may_redact=may))
        for data, may in zip(screened_page, screened, strict=True)
    ]
    assert got == expected
    assert screened_page == one_by_one


@pytest.fixture
def gathered(monkeypatch) -> list[int]:
    """The ids of the digests whose text the page search gathers, in order."""
    seen: list[int] = []
    real = engine._pre_check_text
    monkeypatch.setattr(
        engine, "_pre_check_text", lambda data: seen.append(data["id"]) or real(data)
    )
    return seen


MAIL_AND_PHONE = (r"[a-z0-9.]+@[a-z0-9.-]+\.[a-z]{2,}", r"\+\d+ \d{3}-\d{4}")
MAIL_AND_PHONE_FOUND = [{0}, set(), set(), {0}, set(), {0}, set(), {0, 1}]


def test_digests_lacking_a_required_character_are_not_searched(gathered):
    """A rule whose every match holds an `@` searches only the digests whose JSON holds
    one; their text is not even gathered."""
    screened = engine.screen_redactions(rule_set(*MAIL_AND_PHONE), copy.deepcopy(PAGE))
    assert gathered == [0, 3, 5, 7]  # an @ or a + in their text fields
    assert screened == MAIL_AND_PHONE_FOUND

    gathered.clear()
    nothing = engine.screen_redactions(rule_set(r"#\d"), copy.deepcopy(PAGE))
    assert gathered == [] and nothing == [frozenset()] * len(PAGE)


def test_with_the_precheck_off_every_digest_is_searched_to_the_same_result(gathered, settings):
    settings.REDACTION_PRECHECK = False
    screened = engine.screen_redactions(rule_set(*MAIL_AND_PHONE), copy.deepcopy(PAGE))
    assert gathered == list(range(len(PAGE)))
    assert screened == MAIL_AND_PHONE_FOUND


def test_each_digest_is_marked_only_for_the_rules_its_own_pre_check_finds():
    rules = rule_set(r"first@", r"second@", r"tail@")
    screened = engine.screen_redactions(rules, copy.deepcopy(PAGE))
    assert screened == [
        frozenset({0}),
        frozenset(),
        frozenset(),
        frozenset({1}),
        frozenset(),
        frozenset({2}),
        frozenset(),
        frozenset(),
    ]


def test_a_match_running_into_the_next_digest_does_not_hide_that_digests_own():
    # "tides" (digest 0) ... "Nothing" (digest 1): the first match starts in digest 0 and
    # ends in digest 1; digest 1's own text has its own match, which must still be found.
    rules = rule_set(r"(?s)(tides|Nothing).*hide")
    screened = engine.screen_redactions(rules, copy.deepcopy(PAGE))
    assert 0 in screened[0] and 0 in screened[1]


def test_rules_a_page_search_cannot_screen_are_left_to_each_digest():
    # \A and \z anchor to one field: they have no multi-line pre-check at all.
    rules = rule_set(r"\APlain", r"Episode \d\z")
    assert engine.screen_redactions(rules, copy.deepcopy(PAGE)) is None
    data = copy.deepcopy(PAGE[6])
    decision = engine.apply(rules, None, data, may_redact=frozenset())
    assert [f["path"] for f in decision["findings"]] == ["summary", "source.title"]
    assert data["summary"] == "[x]" and data["source"]["title"] == "[x]"


@pytest.mark.parametrize("pattern", [r"(?-m)^Nothing", r"(?i-m)here$", r"(?-m:^Nothing)"])
def test_a_pattern_that_turns_multi_line_off_gets_no_pre_check(pattern):
    """Without multi-line mode ^ and $ are the ends of the whole text: a pre-check over
    joined fields would miss a field's own start or end."""
    rules = rule_set(pattern)
    assert engine.screen_redactions(rules, copy.deepcopy(PAGE)) is None
    data = copy.deepcopy(PAGE[1])
    decision = engine.apply(rules, None, data, may_redact=frozenset())
    assert [f["path"] for f in decision["findings"]] == ["summary"]


def test_a_mask_an_earlier_rule_put_in_is_seen_by_the_later_rules():
    # The first rule masks with "[x]"; the second matches the mask itself, which is not
    # in the text the page was screened on.
    rules = rule_set(r"first@example\.org", r"\[x\]")
    page = copy.deepcopy(PAGE)
    screened = engine.screen_redactions(rules, page)
    assert screened[0] == frozenset({0})
    decision = engine.apply(rules, None, page[0], may_redact=screened[0])
    assert [(f["rule"], f["path"]) for f in decision["findings"]] == [
        ("p/r0", "summary"),
        ("p/r1", "summary"),
    ]


def test_a_match_running_to_the_page_end_switches_to_one_search_per_digest():
    compiled = rule_set(r"(?s)Digest.*harbours")
    page = copy.deepcopy(PAGE)
    searches = []
    prefilter = compiled.rules[0].prefilter

    class Counting:
        def search(self, *args):
            searches.append(args[1:])
            return prefilter.search(*args)

    counted = dataclasses.replace(compiled.rules[0], prefilter=Counting())
    rules = engine.RuleSet(version="p@1", rules=[counted])
    screened = engine.screen_redactions(rules, page)
    # Digests 2 and 6 have "Digest" in no text (a slug is an identifier, not searched).
    assert screened == [frozenset() if n in (2, 6) else frozenset({0}) for n in range(len(PAGE))]
    # One search over the page, then one bounded search for each later digest.
    assert len(searches) == len(PAGE)
    assert all(len(bounds) == 2 for bounds in searches[1:])


def mixed_rules(*rules: dict) -> engine.RuleSet:
    validated = validate_rules(list(rules), roles=set())
    return engine.RuleSet(version="p@1", rules=list(engine.compile_rules("p", validated)))


def test_a_field_hidden_between_two_redactions_is_not_redacted_again():
    rules = mixed_rules(
        {"id": "a", "kind": "regex_redact", "params": {"pattern": "first@", "mask": "[x]"}},
        {"id": "b", "kind": "field_hide", "params": {"fields": ["source"]}},
        {"id": "c", "kind": "regex_redact", "params": {"pattern": "Episode|tides", "mask": "[y]"}},
    )
    data = copy.deepcopy(PAGE[0])
    decision = engine.apply(rules, None, data)
    assert data["source"] is None and data["sources"] is None
    # The third rule sees the text as it is after the hiding: the summary, and no source
    # left to redact.
    assert [(f["rule"], f["path"]) for f in decision["findings"]] == [
        ("p/a", "summary"),
        ("p/b", "source"),
        ("p/b", "sources"),
        ("p/c", "summary"),
    ]
    assert data["summary"] == "Write to [x]example.org about the [y]"


def test_a_section_hidden_between_two_redactions_is_not_redacted_or_reported():
    rules = mixed_rules(
        {"id": "a", "kind": "regex_redact", "params": {"pattern": "first@", "mask": "[x]"}},
        {"id": "b", "kind": "section_hide", "params": {"pattern": "secret"}},
        {"id": "c", "kind": "regex_redact", "params": {"pattern": "code", "mask": "[y]"}},
    )
    data = copy.deepcopy(PAGE[0])
    data["sections"] = [
        {"number": 1, "title": "Secret plans", "bullets": ["the code is 42"]},
        {"number": 2, "title": "Open plans", "bullets": ["no code here either"]},
    ]
    decision = engine.apply(rules, None, data)
    assert [s["title"] for s in data["sections"]] == ["Open plans"]
    assert data["sections"][0]["bullets"] == ["no [y] here either"]
    # The redaction is reported where it is in the answer; the hidden section's bullet
    # was neither redacted nor reported.
    assert [(f["rule"], f["path"]) for f in decision["findings"]] == [
        ("p/a", "summary"),
        ("p/b", "sections[0]"),
        ("p/c", "sections[0].bullets[0]"),
    ]


SECTIONS = [
    {"number": 1, "title": "Sponsor message", "bullets": ["a"]},
    {"number": 2, "title": "Open plans", "bullets": ["b"]},
    {"number": 3, "title": "Two lines\nof title", "bullets": ["c"]},
    {"number": 4, "title": "Café sponsors", "bullets": ["d"]},
    {"number": 5, "bullets": ["no title at all"]},
]


@pytest.mark.parametrize(
    "pattern",
    [
        "sponsor",
        "^Sponsor",
        "plans$",
        "^of title",
        "lines$",
        "(?-m)^Open",
        r"\AOpen",
        "café",
        "x*",
        "nowhere",
    ],
)
@pytest.mark.parametrize("mode", ["enforce", "monitor"])
def test_the_section_titles_pre_check_hides_what_each_title_alone_would(pattern, mode):
    [rule] = mixed_rules(
        {"id": "s", "kind": "section_hide", "mode": mode, "params": {"pattern": pattern}}
    ).rules
    unchecked = engine.RuleSet(version="p@1", rules=[dataclasses.replace(rule, prefilter=None)])
    checked = engine.RuleSet(version="p@1", rules=[rule])
    with_check, without = copy.deepcopy(PAGE[1]), copy.deepcopy(PAGE[1])
    with_check["sections"], without["sections"] = copy.deepcopy(SECTIONS), copy.deepcopy(SECTIONS)
    expected = without_ids(engine.apply(unchecked, None, without))
    assert without_ids(engine.apply(checked, None, with_check)) == expected
    assert with_check == without
