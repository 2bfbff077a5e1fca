"""Highlights and facets of the digest list (digests/highlights.py, digests/facets.py).

Both are made from what the caller is shown. The facets' oracle is the list itself: the
topics, publisher and date of every result the caller is given, read page by page, are
exactly what the counts must add up to, policies and all.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests import facets, highlights
from digests.models import Digest, ShownText
from tenants.context import tenant_context
from tests import factories, test_hidden_text
from tests.test_hidden_text import (
    BLOCKED,
    CALLERS,
    DRAFT,
    REDACTED,
    RESTRICTED,
    SECTION_HIDDEN,
    _client,
    _forbidden,
)

hidden = test_hidden_text.hidden  # the fixture

DIGESTS = "/api/v1/tenants/acme/digests/"
ALL = "topics,publishers,years"


def _get(client, **params):
    response = client.get(DIGESTS, params)
    assert response.status_code == 200, response.content
    return response.json()


def _pages(client, **params) -> list[dict]:
    """Every page of a list, following `next` (a list that never ends fails)."""
    pages = [_get(client, **params)]
    while pages[-1]["next"]:
        assert len(pages) < 50, "the pages do not end"
        response = client.get(pages[-1]["next"])
        assert response.status_code == 200, response.content
        pages.append(response.json())
    return pages


def _ids(pages: list[dict]) -> list[list[int]]:
    return [[row["id"] for row in page["results"]] for page in pages]


def _counted(results: list[dict]) -> dict[str, dict]:
    """The facets the results call for, as the caller is shown them: topics, publishers
    (their case aside, as the `publisher` filter compares) and years."""
    topics = Counter(t for row in results for t in set(row["topics"] or []) if t)
    publishers = Counter(row["publisher"].upper() for row in results if row["publisher"])
    years = Counter(int(row["published_on"][:4]) for row in results)
    return {"topics": dict(topics), "publishers": dict(publishers), "years": dict(years)}


def _as_counts(found: dict) -> dict[str, dict]:
    return {
        "topics": {v["value"]: v["count"] for v in found["topics"]},
        "publishers": {v["value"].upper(): v["count"] for v in found["publishers"]},
        "years": {v["value"]: v["count"] for v in found["years"]},
    }


def _checked_facets(client, **params) -> dict:
    """The facets of a list (asked on a page of two), after checking them against every
    result of the same list read without them."""
    results = [row for page in _pages(client, **params, page_size=2) for row in page["results"]]
    found = _get(client, **params, page_size=2, facets=ALL)["facets"]
    assert _as_counts(found) == _counted(results), params
    return found


@pytest.fixture
def library(world):
    """Digests of acme over three years, publishers written in two cases, a draft."""
    acme = world.acme
    return {
        "lisbon": factories.digest(
            acme,
            title="Bus maps of Lisbon",
            publisher="City Radio",
            topics=["transit", "cities"],
            published_on=dt.date(2024, 5, 1),
        ),
        "lanes": factories.digest(
            acme,
            title="Bus lanes",
            publisher="city radio",
            topics=["transit"],
            published_on=dt.date(2025, 1, 2),
        ),
        "rail": factories.digest(
            acme,
            title="Night trains",
            summary="A bus replaces the train on Sundays.",
            publisher="Rail Weekly",
            topics=["rail", "transit"],
            published_on=dt.date(2025, 3, 3),
        ),
        "ferries": factories.digest(
            acme,
            title="Ferries",
            publisher="Rail Weekly",
            topics=["boats"],
            published_on=dt.date(2023, 7, 7),
        ),
        "draft": factories.digest(
            acme,
            title="Bus depots",
            publisher="Draft Radio",
            topics=["drafts"],
            status="draft",
        ),
    }


# --- Facets -----------------------------------------------------------------------------


def test_facets_count_every_result_with_the_filters_combined(world, library):
    viewer = world.client("viewer")
    everything = _checked_facets(viewer)
    assert {"value": "transit", "count": 3} in everything["topics"]
    assert "drafts" not in {v["value"] for v in everything["topics"]}  # a draft: not theirs
    assert {v["value"] for v in everything["years"]} == {2023, 2024, 2025}
    searched = _checked_facets(viewer, q="bus")
    assert _as_counts(searched)["publishers"] == {"CITY RADIO": 2, "RAIL WEEKLY": 1}
    combined = _checked_facets(viewer, q="bus", publisher="rail weekly", topic="transit")
    assert _as_counts(combined) == {
        "topics": {"rail": 1, "transit": 1},
        "publishers": {"RAIL WEEKLY": 1},
        "years": {2025: 1},
    }
    assert _checked_facets(viewer, q="bus", topic="boats") == {
        "topics": [],
        "publishers": [],
        "years": [],
    }
    # The owner reads drafts: counted for them.
    assert {"value": "drafts", "count": 1} in _checked_facets(world.client("owner"))["topics"]


def test_each_facet_value_filters_to_its_count(world, library):
    """A topic's value as `topic=`, a publisher's as `publisher=`, a year as the date
    filters: each selects as many results as the facet counted."""
    viewer = world.client("viewer")
    found = _get(viewer, q="bus", facets=ALL)["facets"]
    assert found["topics"] and found["publishers"] and found["years"]
    for value in found["topics"]:
        assert len(_get(viewer, q="bus", topic=value["value"])["results"]) == value["count"]
    for value in found["publishers"]:
        assert len(_get(viewer, q="bus", publisher=value["value"])["results"]) == value["count"]
    for value in found["years"]:
        year = value["value"]
        within = _get(
            viewer, q="bus", published_after=f"{year}-01-01", published_before=f"{year}-12-31"
        )
        assert len(within["results"]) == value["count"]


def test_facets_leave_the_pages_alone(world, library):
    """Asked or not, the same pages in the same order; every page carries the counts of
    all the results."""
    viewer = world.client("viewer")
    for params in ({}, {"q": "bus"}, {"ordering": "published_on"}):
        plain = _pages(viewer, **params, page_size=1)
        faceted = _pages(viewer, **params, page_size=1, facets="years")
        assert _ids(faceted) == _ids(plain)
        assert len(plain) > 1
        assert len({str(p["facets"]) for p in faceted}) == 1
        assert "facets" not in plain[0]
        total = sum(v["count"] for v in faceted[0]["facets"]["years"])
        assert total == sum(len(p["results"]) for p in plain)


def test_facets_are_one_query_whatever_their_number(world, library):
    viewer = world.client("viewer")
    for n in range(12):  # more values: still one query
        factories.digest(world.acme, title=f"Bus stop {n}", topics=[f"stop-{n}"])
    _get(viewer, q="bus")  # warm: the caller's rules and compiled conditions

    def queries(**params) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            _get(viewer, q="bus", **params)
        return [q["sql"] for q in captured.captured_queries]

    plain = queries()
    for asked in ("years", "topics,publishers", ALL):
        faceted = queries(facets=asked)
        # The facet statement, and the data version its result is kept under
        # (tenants/result_cache.py).
        assert len(faceted) == len(plain) + 2, asked
        assert sum("WITH hits AS" in sql for sql in faceted) == 1
        assert sum("tenants_dataversion" in sql for sql in faceted) == 1
    assert len(_get(viewer, q="bus", facets="topics")["facets"]["topics"]) > 12


def test_facets_share_the_lookup_of_the_text_filters(hidden):
    """A caller whose rules change text: the search and the facets read the same shown
    text, looked up once."""
    viewer = _client(hidden, "viewer")
    _get(viewer, q="report")

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            _get(viewer, q="report", **params)
        return len(captured)

    assert count(facets=ALL) == count() + 2  # the facets, and the data version


def test_facets_keep_to_their_size(world):
    for n in range(facets.FACET_SIZE + 5):
        factories.digest(world.acme, title=f"Item {n}", topics=[f"topic-{n:02d}", "common"])
    found = _get(world.client("viewer"), facets="topics")["facets"]
    assert len(found["topics"]) == facets.FACET_SIZE
    # The most frequent first, then by value.
    assert found["topics"][0] == {"value": "common", "count": facets.FACET_SIZE + 5}
    assert [v["value"] for v in found["topics"][1:4]] == ["topic-00", "topic-01", "topic-02"]


@pytest.mark.parametrize(
    "value", ["nope", "topics,nope", "", "topics,", " , ", "Topics", "topics;years"]
)
def test_a_bad_facets_value_is_a_400_naming_it(world, value):
    response = world.client("viewer").get(DIGESTS, {"facets": value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["facets"]
    assert "topics, publishers, years" in errors[0]["message"]


def test_facets_are_named_once_in_their_order(world, library):
    viewer = world.client("viewer")
    found = _get(viewer, facets="years,topics,years")["facets"]
    assert list(found) == ["topics", "years"]
    repeated = viewer.get(f"{DIGESTS}?facets=publishers&facets=years").json()["facets"]
    assert list(repeated) == ["publishers", "years"]


# --- Highlights -------------------------------------------------------------------------


def _highlights(client, q: str, **params) -> dict[int, list[dict]]:
    return {row["id"]: row["highlights"] for row in _get(client, q=q, **params)["results"]}


def _text(highlight: dict) -> str:
    return "".join(part["text"] for part in highlight["snippet"])


def _matched(highlight: dict) -> list[str]:
    return [part["text"] for part in highlight["snippet"] if part["match"]]


def test_highlights_show_where_a_search_matched(world):
    digest = factories.digest(
        world.acme,
        title="Bus maps of Lisbon",
        summary="Night buses, and a map of every line.",
        key_points=["Maps are free at kiosks.", "Tickets cost more on board."],
        sections=[
            {
                "number": 1,
                "emoji": "",
                "title": "Routes",
                "bullets": ["The 28 tram.", "A map for the airport bus."],
                "subsections": [],
            }
        ],
    )
    viewer = world.client("viewer")
    # Stemmed as the search stems: `maps` finds `map` and `Maps`.
    found = _highlights(viewer, "maps")[digest.pk]
    assert [h["field"] for h in found] == ["title", "summary", "key_points[0]"]
    assert found[0]["snippet"] == [
        {"text": "Bus ", "match": False},
        {"text": "maps", "match": True},
        {"text": " of Lisbon", "match": False},
    ]
    assert [_matched(h) for h in found] == [["maps"], ["map"], ["Maps"]]
    assert _text(found[1]) == "Night buses, and a map of every line."
    # Sections too, by their path in the digest as shown.
    assert _highlights(viewer, "airport")[digest.pk] == [
        {
            "field": "sections[0].bullets[1]",
            "snippet": [
                {"text": "A map for the ", "match": False},
                {"text": "airport", "match": True},
                {"text": " bus.", "match": False},
            ],
        }
    ]
    # `bus` is not `buses` for the english configuration, in the search or here.
    assert [_matched(h) for h in _highlights(viewer, "bus")[digest.pk]] == [["Bus"], ["bus"]]
    # Without a search, no highlights at all.
    assert all("highlights" not in row for row in _get(viewer)["results"])
    assert all("highlights" not in row for row in _get(viewer, q="  ")["results"])


def test_highlights_are_few_and_short(world):
    long = " ".join(f"word{n}" for n in range(200))
    digest = factories.digest(
        world.acme,
        title="A long one",
        summary=f"{long} ferry {long}",
        key_points=[f"Ferry point {n}." for n in range(6)],
    )
    found = _highlights(world.client("viewer"), "ferry")[digest.pk]
    assert len(found) == highlights.MAX_HIGHLIGHTS
    assert [h["field"] for h in found] == ["summary", "key_points[0]", "key_points[1]"]
    summary = found[0]["snippet"]
    assert [part["match"] for part in summary] == [False, True, False]
    assert summary[0]["text"].startswith(highlights.ELLIPSIS)
    assert summary[-1]["text"].endswith(highlights.ELLIPSIS)
    assert len(_text(found[0])) <= highlights.SNIPPET_CHARS + 2
    assert _matched(found[0]) == ["ferry"]
    # Cut at spaces: whole words either side of the match.
    inside = _text(found[0])[1:-1]
    assert inside.startswith("word") and inside.split()[-1].startswith("word")
    assert inside in f"{long} ferry {long}"


def test_highlights_are_plain_text(world):
    """Text that looks like markup is text: given as it is shown, never escaped or
    interpreted, and the caller's own marks (control characters) cannot pass as ours."""
    digest = factories.digest(
        world.acme,
        title='<b onclick="x()">Tram</b> & <i>co</i>',
        summary="Tram stop \x02 tram \x03 end\x1e",
        key_points=["", "  ", "Tram."],
    )
    found = _highlights(world.client("viewer"), "tram")[digest.pk]
    assert [h["field"] for h in found] == ["title", "summary", "key_points[2]"]
    assert _text(found[0]) == '<b onclick="x()">Tram</b> & <i>co</i>'
    assert _matched(found[0]) == ["Tram"]
    assert _text(found[1]) == "Tram stop   tram   end "
    assert _matched(found[1]) == ["Tram", "tram"]


def test_a_root_begins_every_word_stemmed_to_its_lexeme(db):
    """What lets highlights leave out texts without a query word's root: for every word
    of a vocabulary built to walk the English stemmer's suffix rules, each lexeme
    PostgreSQL makes of it has a root the word (in lower case) holds."""
    bases = [
        "able",
        "abuse",
        "agree",
        "apply",
        "art",
        "bus",
        "business",
        "cycle",
        "die",
        "dye",
        "early",
        "gentle",
        "happy",
        "hope",
        "idle",
        "lie",
        "local",
        "logic",
        "make",
        "map",
        "nation",
        "national",
        "noble",
        "only",
        "organ",
        "possible",
        "practice",
        "radio",
        "rate",
        "relate",
        "sense",
        "sing",
        "sky",
        "ski",
        "tie",
        "true",
        "ugly",
        "value",
        "visible",
        "vote",
        "write",
        "cafe",
        "naive",
        "istanbul",
    ]
    endings = [
        "s",
        "es",
        "ed",
        "ing",
        "ly",
        "ness",
        "ation",
        "ational",
        "ization",
        "izer",
        "ity",
        "ility",
        "ibility",
        "ively",
        "fully",
        "ously",
        "ably",
        "ibly",
        "ies",
        "ied",
        "y",
        "er",
        "est",
        "ment",
        "al",
        "ize",
        "ful",
        "ism",
        "ist",
        "ic",
        "ical",
        "ally",
        "ency",
        "ance",
        "ous",
        "ive",
        "able",
        "bly",
        "iness",
        "ier",
        "iest",
    ]
    words = {base + end for base in bases for end in ["", *endings]}
    words |= {w[:-1] + end for w in bases if w[-1] in "ey" for end in ("ing", "ies", "ation")}
    words |= {"dying", "lying", "tying", "skies", "idly", "gently", "news", "İSTANBUL", "ΟΔΟΣ"}
    words |= {"Café", "possibility", "sensibly", "relational", "generously", "organization"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w, lexeme FROM unnest(%s::text[]) w, unnest(to_tsvector('english', w))",
            [sorted(words)],
        )
        stemmed = cursor.fetchall()
    assert len(stemmed) > 1000
    missed = [
        (word, lexeme)
        for word, lexeme in stemmed
        if highlights.root(lexeme) not in highlights.lowered(word)
    ]
    assert missed == []
    assert {lexeme for word, lexeme in stemmed if word == "dying"} == {"die"}
    assert [highlights.root(lexeme) for lexeme in ("die", "possibl", "happi", "bus")] == [
        "d",
        "possib",
        "happ",
        "bus",
    ]


def test_one_search_of_a_page_finds_every_text_holding_a_root():
    """`holding` searches a page's texts joined; it finds what a search of each would."""
    rng = random.Random(7)
    alphabet = "abcdekls İI\u0131\u03a3\u03c3\u03c2é-"  # dotted and dotless i, sigmas
    for _ in range(300):
        texts = ["".join(rng.choices(alphabet, k=rng.randint(1, 12))) for _ in range(8)]
        prefixes = sorted({highlights.lowered(rng.choice(texts))[:2] for _ in range(2)})
        expected = [
            i
            for i, text in enumerate(texts)
            if any(p in highlights.lowered(text) for p in prefixes)
        ]
        assert highlights.holding(texts, prefixes) == expected, (texts, prefixes)
    assert highlights.holding(["ab", "cd"], [""]) == [0, 1]


# --- What policies leave ----------------------------------------------------------------

# Words the fixture's digests show next to their sentinels (none a stop word).
PROBES = ("report", "summary", "point", "digest", "plain", "things", "details", "edited")


def _all_highlights(client, q: str) -> dict[int, list[dict]]:
    return {row["id"]: row["highlights"] for page in _pages(client, q=q) for row in page["results"]}


@pytest.mark.parametrize("caller", CALLERS)
def test_no_highlight_shows_or_is_made_by_what_the_caller_is_not_shown(hidden, caller):
    """Every probe, alone and with a sentinel the caller may not read: no sentinel in a
    snippet, and asking for one changes no snippet."""
    world = hidden[0]
    client = _client(hidden, caller)
    words = _forbidden(caller)
    owner = world.client("owner")
    shown = 0
    for probe in PROBES:
        alone = _all_highlights(client, probe)
        shown += sum(len(found) for found in alone.values())
        for word in words:
            either = _all_highlights(client, f"{probe} or {word}")
            assert either == alone, (probe, word)
            text = str(either).lower()
            assert word not in text, (probe, word)
            # The control: the owner is shown the sentinel, and it is marked.
            marked = {
                m.lower()
                for found in _all_highlights(owner, f"{probe} or {word}").values()
                for h in found
                for m in _matched(h)
            }
            assert word in marked, (probe, word)
    assert shown, f"{caller}: no highlight at all, the comparison proved nothing"


def test_hidden_fields_and_sections_make_no_highlight(hidden):
    world, digests, _, _ = hidden
    viewer, owner = _client(hidden, "viewer"), world.client("owner")
    plain = digests[test_hidden_text.FIELD_HIDDEN].pk
    sections = digests[SECTION_HIDDEN].pk
    # The summary is hidden from viewers: the owner's snippet of it, none of theirs.
    assert [h["field"] for h in _highlights(owner, "plain or things")[plain]] == [
        "title",
        "summary",
        "key_points[0]",
    ]
    assert [h["field"] for h in _highlights(viewer, "plain or things")[plain]] == [
        "title",
        "key_points[0]",
        "sections[0].title",
    ]
    # A hidden section: the owner finds its bullet; for the viewer it is not there.
    assert [h["field"] for h in _highlights(owner, "details")[sections]] == [
        "sections[1].bullets[0]"
    ]
    assert sections not in _highlights(viewer, "details")
    # A redacted word: the mask is shown, never marked for the word.
    redacted = digests[REDACTED].pk
    found = _highlights(viewer, f"report or {REDACTED}")[redacted]
    assert [_matched(h) for h in found] == [["report"]]
    assert "[redacted]" in _text(found[0])


@pytest.mark.parametrize("caller", CALLERS)
def test_no_facet_counts_what_the_caller_is_not_shown(hidden, caller):
    """The counts are those of the results the caller is given, as shown (the oracle),
    and hold no sentinel they may not read."""
    world = hidden[0]
    client = _client(hidden, caller)
    words = _forbidden(caller)
    for params in ({}, {"q": "report"}, {"q": "summary"}, {"status": "published"}):
        found = _checked_facets(client, **params)
        assert not [w for w in words if w in str(found).lower()], params
    # The control: the owner counts the sentinels that are topics, and the publishers.
    found = _checked_facets(world.client("owner"))
    topics = {v["value"] for v in found["topics"]}
    assert {REDACTED, BLOCKED, RESTRICTED, DRAFT} <= topics
    assert f"{REDACTED.title()} Radio" in {v["value"] for v in found["publishers"]}


def test_a_redacted_topic_counts_as_its_mask(hidden):
    viewer = _client(hidden, "viewer")
    found = _get(viewer, facets=ALL)["facets"]
    assert {"value": "[redacted]", "count": 1} in found["topics"]
    assert {"value": "[redacted] Radio", "count": 1} in found["publishers"]
    assert len(_get(viewer, topic="[redacted]")["results"]) == 1


def _hide_topics(acme, mode: str) -> None:
    factories.policy(
        acme,
        rules=[
            {
                "id": "no-topics",
                "kind": "field_hide",
                "mode": mode,
                "params": {"fields": ["topics"]},
                "audience": {"type": "roles", "roles": ["viewer"]},
            }
        ],
        publish=True,
    )


def test_hidden_topics_count_as_none(world, library):
    _hide_topics(world.acme, "enforce")
    viewer = world.client("viewer")
    found = _checked_facets(viewer, q="bus")
    assert found["topics"] == []
    assert _as_counts(found)["publishers"] == {"CITY RADIO": 2, "RAIL WEEKLY": 1}
    # Others still count them.
    assert _checked_facets(world.client("editor"), q="bus")["topics"]


def test_a_monitored_rule_changes_no_facet_and_no_highlight(world, library):
    viewer = world.client("viewer")
    before = _get(viewer, q="bus", facets=ALL)
    _hide_topics(world.acme, "monitor")
    factories.policy(
        world.acme,
        rules=[
            {
                "id": "mask",
                "kind": "regex_redact",
                "mode": "monitor",
                "params": {"pattern": "b[u]s", "mask": "[x]"},
            }
        ],
        publish=True,
    )
    after = _get(viewer, q="bus", facets=ALL)
    assert after["facets"] == before["facets"]
    assert [r["highlights"] for r in after["results"]] == [
        r["highlights"] for r in before["results"]
    ]
    assert any(r["highlights"] for r in after["results"])


def test_monitor_mode_changes_no_highlight_or_facet(hidden):
    """The hidden-text rules all in monitor mode: every caller gets what no rule gives."""
    world = hidden[0]

    def answers():
        out = {}
        for caller in CALLERS:
            client = _client(hidden, caller)
            for probe in ("report", "radio", "details"):
                body = _get(client, q=probe, facets=ALL)
                out[caller, probe] = (
                    body["facets"],
                    sorted((r["id"], str(r["highlights"])) for r in body["results"]),
                )
        return out

    enforced = answers()
    monitored, unruled = factories.rules_in_monitor_then_off(world.acme, answers)
    assert monitored == unruled
    assert monitored != enforced  # the rules in force did change answers


def test_a_stale_row_counts_under_no_stored_text(hidden):
    """A digest written behind the services' back has a stale row (digests.search):
    until it is written again it counts under no topic or publisher for a caller whose
    rules change text, never under its stored ones."""
    world, digests, _, _ = hidden
    viewer = _client(hidden, "viewer")
    _get(viewer, q="anything")  # builds the viewer's shape
    with tenant_context(world.acme):
        Digest.objects.filter(pk=digests[REDACTED].pk).update(
            publisher="Sneaky Radio", topics=["sneaky"]
        )
        assert ShownText.objects.filter(digest_id=digests[REDACTED].pk, title=None).exists()
    found = _get(viewer, facets=ALL)["facets"]
    assert "sneaky" not in str(found).lower()
    assert "sneaky" in str(_get(world.client("owner"), facets=ALL)["facets"]).lower()
