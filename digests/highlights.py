"""Highlights of a search: where each hit of `q` matched, as short snippets of the text
the caller is shown.

Snippets are made from each digest as the caller reads it, policies applied: the list
entry the answer carries (title, summary, key points) and the digest's sections as the
engine shows them (`shown_sections`). Stored text is never read here, so a word a policy
redacts, or a field or section it hides, can neither appear in a snippet nor make one.

Which words match is PostgreSQL's to say, as it is for the search itself: `ts_headline`
with the digest's configuration (its language's, as the search used) and the query
(`websearch_to_tsquery`) marks the matching words of the shown texts, so stemming and
the query syntax are the search's own. The marks are control characters, taken out of
the texts first; a text whose marked form is not exactly the text given, marks aside,
gets no snippet.

Parsing text is what that costs, and most texts of a hit hold no word of the query. So
for English and for unstemmed ("simple") digests a text is given to PostgreSQL only when
it holds, in lower case, the *root* of a word of the query: its lexeme (PostgreSQL's,
asked first) less what the English stemmer may write in place of the word's own letters
(`root`); an unstemmed lexeme is the word itself. Every word stemmed to a lexeme begins
with its root, so a text left out could not have matched; the tests check this over a
vocabulary that walks the stemmer's rules. Other stemmers rewrite more (German drops
umlauts), so for them every text is a candidate. At most MAX_CANDIDATES texts of a hit
are given, so that a short, common root cannot make a page dear (a hit whose matches lie
past them shows fewer snippets). A page's highlights cost a query for the lexemes, and
one `ts_headline` of the texts that may match, joined, per configuration on the page
(one, for most pages).

A highlight is `{"field": <path>, "snippet": [{"text", "match"}, ...]}`: plain text in
parts, the matching ones flagged, for a client to mark up as it likes (no HTML to
escape or trust). `field` is the text's path in the digest as shown (`summary`,
`key_points[2]`, `sections[0].bullets[1]`, `sections[1].subsections[0].title`).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from django.db import connection
from django.db.models import F, QuerySet

from policies import engine

# At most this many highlights per hit, in the digest's order (title first), and this
# many characters of text per snippet (an ellipsis marks text cut at either end).
MAX_HIGHLIGHTS = 3
SNIPPET_CHARS = 160
# Texts of a hit given to PostgreSQL to mark, at most (those that may match, in order):
# what bounds a page's cost when the query's roots are short and common. A text holding
# a root nearly always holds the word, so a few more than MAX_HIGHLIGHTS suffice.
MAX_CANDIDATES = 6
# Characters of context kept before a snippet's first match, when the text is cut.
CONTEXT_CHARS = 40
ELLIPSIS = "…"
# The annotations that carry a page's sections as stored and each digest's search
# configuration (`with_sections`).
SECTIONS = "highlight_sections"
CONFIG = "highlight_config"
# Configurations whose lexemes begin with the word's root (`root`); for others every
# text of a hit is a candidate.
_ROOTED = frozenset({"english", "simple"})

# ts_headline's marks around a matching word, and what separates the texts sent as one:
# control characters, taken out of the texts beforehand.
_START, _STOP, _BREAK = "\x02", "\x03", "\x1e"
_CONTROLS = str.maketrans({_START: " ", _STOP: " ", _BREAK: " "})
_OPTIONS = f"HighlightAll=true, StartSel={_START}, StopSel={_STOP}"
# The lexemes of the query's words in each configuration of the page.
_LEXEMES = (
    "SELECT config, array(SELECT lexeme FROM unnest(to_tsvector(config::regconfig, %s))) "
    "FROM unnest(%s::text[]) config"
)
# The texts joined into one: a single call parses them all (HighlightAll keeps every
# character, marks added, so the result splits back into the texts).
_HEADLINE = "SELECT ts_headline(%s::regconfig, %s, websearch_to_tsquery(%s::regconfig, %s), %s)"
# What the English (Porter2) stemmer writes in place of a word's own letters: a final
# `e`, `i` or `y` (`making` is `make`, `happy` `happi`, `skies` `sky`), the `l` of a final
# `bl` (`possibility` is `possibl`), and all but the first letter of three words it
# knows by heart (`dying` is `die`). Every other letter of a lexeme is the word's own,
# in order from its start.
_WRITTEN_WHOLE = frozenset({"die", "lie", "tie"})
_WRITTEN_ENDS = ("e", "i", "y", "bl")
_FINAL_SIGMA, _SIGMA = "\u03c2", "\u03c3"


def with_sections(queryset: QuerySet) -> QuerySet:
    """`queryset` carrying each digest's sections as stored (a list entry has none), for
    `shown_sections`, and its search configuration, for `attach`."""
    return queryset.annotate(**{SECTIONS: F("sections"), CONFIG: F("search_config")})


def shown_sections(rule_set: engine.RuleSet, digests: list) -> list[list | None]:
    """The sections of each digest of a page as `rule_set` shows them, read from what
    `with_sections` added: the engine applied to the sections alone, as it applies to
    them within a whole digest (every text rule acts on each field by itself), its
    findings left out of the answer and the metrics."""
    shown = []
    for digest in digests:
        data = {"sections": getattr(digest, SECTIONS)}
        engine.apply(rule_set, digest, data)
        shown.append(data["sections"])
    return shown


def _texts(data: dict, sections: list | None) -> list[tuple[str, str]]:
    """(path, text) of what a search matches in a digest as shown, in its order: title,
    summary, key points and sections (titles and bullets, their subsections')."""
    found = [("title", data.get("title")), ("summary", data.get("summary"))]
    found += [(f"key_points[{i}]", point) for i, point in enumerate(data.get("key_points") or [])]
    for index, section in enumerate(sections or []):
        here = f"sections[{index}]"
        found.append((f"{here}.title", section.get("title")))
        found += [(f"{here}.bullets[{i}]", b) for i, b in enumerate(section.get("bullets") or [])]
        for position, sub in enumerate(section.get("subsections") or []):
            there = f"{here}.subsections[{position}]"
            found.append((f"{there}.title", sub.get("title")))
            found += [(f"{there}.bullets[{i}]", b) for i, b in enumerate(sub.get("bullets") or [])]
    return [(p, t) for p, t in found if isinstance(t, str) and t and not t.isspace()]


def root(lexeme: str) -> str:
    """What every word PostgreSQL stems to `lexeme` begins with, in lower case (a final
    sigma as a sigma, as `lowered` reads text)."""
    if lexeme in _WRITTEN_WHOLE:
        lexeme = lexeme[0]
    elif lexeme.endswith(_WRITTEN_ENDS):
        lexeme = lexeme[:-1]
    return lexeme.replace(_FINAL_SIGMA, _SIGMA)


def roots(q: str, configs: list[str]) -> dict[str, list[str] | None]:
    """For each configuration, the roots of the words of `q` (`root`), or None where a
    text holding none may still match (`_ROOTED`). One query."""
    with connection.cursor() as cursor:
        cursor.execute(_LEXEMES, (q, configs))
        found = dict(cursor.fetchall())
    return {
        config: sorted({root(lexeme) for lexeme in found[config]})
        if config in _ROOTED or not found[config]
        else None
        for config in configs
    }


def lowered(text: str) -> str:
    """`text` in lower case as PostgreSQL lowers it. Python lowers two letters otherwise:
    a capital I with a dot (to `i` and a combining dot) and a capital sigma ending a word
    (to a final sigma); both are read as PostgreSQL reads them, so that no text it would
    match is left out."""
    text = text.lower()
    if not text.isascii():
        text = text.replace("i\u0307", "i").replace(_FINAL_SIGMA, _SIGMA)
    return text


def holding(texts: list[str], prefixes: list[str]) -> list[int]:
    """The positions, in order, of `texts` (none holding `_BREAK`) that hold one of
    `prefixes` in lower case (`lowered`): one search of them all, joined."""
    if "" in prefixes:
        return list(range(len(texts)))
    page = _BREAK.join(texts)
    low = lowered(page)
    if len(low) != len(page):  # lowering moved the texts apart: one at a time
        return [i for i, text in enumerate(texts) if any(p in lowered(text) for p in prefixes)]
    starts = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    found = set()
    for prefix in prefixes:
        at = low.find(prefix)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            found.add(index)
            if index + 1 == len(starts):
                break
            at = low.find(prefix, starts[index + 1])  # the next text's first
    return sorted(found)


def attach(q: str, results: list[dict], page: list, sections: list[list | None]) -> None:
    """Set `highlights` on each of `results` (a page's digests as shown, with the page's
    digests from `with_sections` and their shown sections): snippets of the first
    MAX_HIGHLIGHTS texts where `q` matched, in the digest's order. A query for the
    lexemes, then one marking per configuration on the page."""
    for data in results:
        data["highlights"] = []
    configs = [getattr(digest, CONFIG) for digest in page]
    prefixes = roots(q, sorted(set(configs))) if results else {}
    for config, found in prefixes.items():
        if found == []:
            continue  # no word to match (stop words only)
        mine = [i for i, each in enumerate(configs) if each == config]
        _mark(
            q,
            config,
            found,
            [results[i] for i in mine],
            [sections[i] for i in mine],
        )


def _mark(
    q: str, config: str, prefixes: list[str] | None, results: list[dict], sections: list
) -> None:
    """Highlights of the hits of one configuration: one `ts_headline` of the texts that
    may match (those holding one of `prefixes`; any, when None)."""
    owners, texts = [], []
    for data, shown in zip(results, sections, strict=True):
        for path, text in _texts(data, shown):
            owners.append((data, path))
            texts.append(text)
    together = "".join(texts)
    if _START in together or _STOP in together or _BREAK in together:
        texts = [text.translate(_CONTROLS) for text in texts]
    given: dict[int, int] = {}  # texts given per hit, by id(data)
    chosen = []
    candidates = range(len(texts)) if prefixes is None else holding(texts, prefixes)
    for index in candidates:
        owner = id(owners[index][0])
        if given.get(owner, 0) < MAX_CANDIDATES:
            given[owner] = given.get(owner, 0) + 1
            chosen.append(index)
    if not chosen:
        return
    with connection.cursor() as cursor:
        joined = _BREAK.join(texts[index] for index in chosen)
        cursor.execute(_HEADLINE, (config, joined, config, q, _OPTIONS))
        marked = cursor.fetchone()[0].split(_BREAK)
    if len(marked) != len(chosen):
        return  # not the texts given: no snippet rather than a wrong one
    for index, headline in zip(chosen, marked, strict=True):
        data, path = owners[index]
        if len(data["highlights"]) == MAX_HIGHLIGHTS:
            continue
        segments = _segments(headline)
        if "".join(piece for piece, _ in segments) != texts[index]:
            continue
        if any(match for _, match in segments):
            data["highlights"].append({"field": path, "snippet": _snippet(segments)})


def _segments(marked: str) -> list[tuple[str, bool]]:
    """A text as ts_headline marked it, in (text, whether it matched) pieces. A mark
    not closed is left in the text, which then differs from the one given."""
    out: list[tuple[str, bool]] = []
    rest = marked
    while rest:
        start = rest.find(_START)
        stop = rest.find(_STOP, start + 1) if start >= 0 else -1
        if stop < 0:
            out.append((rest, False))
            break
        out += [(rest[:start], False), (rest[start + 1 : stop], True)]
        rest = rest[stop + 1 :]
    return [(t, m) for t, m in out if t]


def _snippet(segments: list[tuple[str, bool]]) -> list[dict]:
    """At most SNIPPET_CHARS of the text around its first match, cut at spaces where
    it can be, merged into alternating parts."""
    text = "".join(t for t, _ in segments)
    first, offset = 0, 0
    for piece, match in segments:
        if match:
            first = offset
            break
        offset += len(piece)
    start, end = 0, len(text)
    if len(text) > SNIPPET_CHARS:
        start = max(0, first - CONTEXT_CHARS)
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space >= 0 else start
        end = min(len(text), start + SNIPPET_CHARS)
        if end < len(text):
            space = text.rfind(" ", first + 1, end)
            end = space if space > first else end
    parts: list[dict] = []
    offset = 0
    for piece, match in segments:
        lo, hi = max(start, offset), min(end, offset + len(piece))
        offset += len(piece)
        if lo < hi:
            parts.append({"text": text[lo:hi], "match": match})
    if start > 0:
        parts.insert(0, {"text": ELLIPSIS, "match": False})
    if end < len(text):
        parts.append({"text": ELLIPSIS, "match": False})
    return _merged(parts)


def _merged(parts: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for part in parts:
        if merged and merged[-1]["match"] == part["match"]:
            merged[-1] = {"text": merged[-1]["text"] + part["text"], "match": part["match"]}
        else:
            merged.append(part)
    return merged
