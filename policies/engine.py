"""Evaluating policies: which digests a principal may see, and what of them.

Rules compile once per published version (versions never change) and are cached in the
process by version id; a request only asks which versions are active (one query).

Precedence (docs/compliance.md):
- every applicable rule applies; a prohibition (hide, redact, drop) is never cancelled by
  another rule's silence, so any prohibiting rule wins;
- an `allow` rule lifts, for its own audience, the rules it names, and only those marked
  `overridable`: a narrower audience cannot loosen a rule that does not say it may be;
- `monitor` rules change nothing and are reported as findings with `enforced: false`.

Hiding rules in enforce mode become SQL conditions, so lists paginate exactly and a
hidden digest is a 404 at detail; everything else runs per digest on the way out.
"""

from __future__ import annotations

import bisect
import os
import random
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

import orjson
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Q,
    Subquery,
    TextField,
    Value,
)

from policies import license_gate
from policies.metrics import count_decisions
from policies.required import required_characters
from policies.rules import FIELD_KEYS, HIDING_KINDS, compile_re2
from tenants.context import current_tenant_id

# Decision ids: 128 random bits each, to tell decisions apart in logs and support requests.
# Labels, not secrets: a caller who collects a few hundred can predict the worker's next
# ones, so nothing may treat an id as proof of anything. A generator of their own,
# seeded from the OS and again in every forked worker, instead of uuid4's system call
# per digest (a list page makes fifty).
_decision_ids = random.Random()  # noqa: S311 (an identifier, not a secret)
os.register_at_fork(after_in_child=_decision_ids.seed)

_cache: dict[int, tuple[CompiledRule, ...]] = {}
_cache_lock = threading.Lock()
MAX_CACHED_VERSIONS = 2048


@dataclass(frozen=True)
class CompiledRule:
    id: str  # "<policy slug>/<rule id>"
    kind: str
    mode: str
    message: str
    overridable: bool
    audience: dict
    params: dict
    # Compiled from params (so left out of equality): the regex where the kind has one,
    # and the same in multi-line mode, to test many texts at once.
    matcher: object = field(default=None, compare=False)
    prefilter: object = field(default=None, compare=False)
    # Characters every match contains (policies.required), as UTF-8: a redact rule's
    # page screening skips the digests whose JSON lacks one.
    required: tuple[bytes, ...] = ()

    @property
    def enforced(self) -> bool:
        return self.mode == "enforce"

    def applies_to(self, principal) -> bool:
        kind = self.audience.get("type", "everyone")
        if kind == "everyone":
            return True
        if kind == "roles":
            return principal.role.slug in self.audience["roles"]
        if principal.api_key is None:
            return False
        prefixes = self.audience.get("prefixes") or []
        return not prefixes or principal.api_key.prefix in prefixes


class _WordsMatch(Func):
    """`words_vector @@ (SELECT <phrases>)`, false (not unknown) for a digest without a
    vector, so that excluding matches keeps it.

    The keywords reach PostgreSQL as parameters. As a scalar subquery their tsquery is
    built once per statement; written inline it would be built for every row in the
    generic plan of a prepared statement, which made that plan look dearer than planning
    afresh, so PostgreSQL planned every list read again (platform/postgres.md)."""

    output_field = BooleanField()

    def __init__(self, query):
        super().__init__(F("words_vector"), query)

    def as_sql(self, compiler, connection, **extra_context):
        vector, query = self.get_source_expressions()
        vector_sql, vector_params = compiler.compile(vector)
        query_sql, query_params = compiler.compile(query)
        # Not COALESCE: PostgreSQL estimates `IS NOT NULL` from the column's statistics,
        # and a misestimate here turned the list's index scan into a sort of the tenant.
        sql = f"({vector_sql} @@ (SELECT {query_sql}) AND {vector_sql} IS NOT NULL)"
        return sql, (*vector_params, *query_params, *vector_params)


class _KeywordsMatch(Func):
    """A keyword rule's condition read from the digest's row where it can be: whether
    `keyword_hits` holds any of the rule's phrases, when the digest is the current
    tenant's and every phrase is a `KeywordPhrase` of it no newer than the digest's
    `keyword_phrases_seen` (digests/keywords.py); otherwise `_WordsMatch`, the word
    vector itself.

    Which phrases are noted is asked once a statement (a scalar subquery); each digest
    then costs a comparison of two numbers and, at most, a look at a short array."""

    output_field = BooleanField()

    def __init__(self, phrases: list[str], words: _WordsMatch):
        from digests.models import KeywordPhrase

        # The notes are the current tenant's (the manager's filter below): believed for
        # its digests alone, whatever a caller applies the condition to.
        tenant_id = current_tenant_id()
        noted = (
            KeywordPhrase.objects.filter(phrase__in=phrases)
            .order_by()
            .values("tenant")
            .annotate(newest=Max("pk"), phrases=Count("pk"))
            .filter(phrases=len(phrases))
            .values("newest")
        )
        super().__init__(
            F("tenant_id"),
            Value(tenant_id),
            F("keyword_phrases_seen"),
            Subquery(noted),
            F("keyword_hits"),
            Value(phrases, output_field=ArrayField(TextField())),
            words,
        )

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(e) for e in self.get_source_expressions()]
        tenant, current, seen, noted, hits, phrases, words = (sql for sql, _ in compiled)
        sql = (
            f"(CASE WHEN {tenant} = {current} AND {seen} >= {noted} "
            f"THEN {hits} && {phrases} ELSE {words} END)"
        )
        return sql, tuple(param for _, params in compiled for param in params)


def _keyword_q(keywords: list[str]) -> Q:
    """Digests containing any keyword, in the database: a phrase query on the unstemmed
    `words_vector` (no text scan), answered from the digest's noted phrases where they
    hold the rule's (`_KeywordsMatch`; `KEYWORD_INDEX` off: always the vector)."""
    query = None
    for keyword in keywords:
        phrase = SearchQuery(keyword, search_type="phrase", config="simple")
        query = phrase if query is None else query | phrase
    words = _WordsMatch(query)
    if not settings.KEYWORD_INDEX:
        return Q(words)
    return Q(_KeywordsMatch(list(dict.fromkeys(keywords)), words))


# A flag group that turns multi-line mode off, (?-m) or (?i-m:...): ^ and $ then mean the
# start and end of the whole text again. Escaped parentheses may be caught too, which only
# costs the pre-check.
_CLEARS_MULTI_LINE = re.compile(r"\(\?[a-zA-Z]*-[a-zA-Z]*m")


def _multi_line_holds(pattern: str) -> bool:
    """Whether the pattern, searched in multi-line mode over a digest's fields joined as
    lines, finds every field it matches alone: not with the text anchors \\A and \\z, nor
    where it turns multi-line mode off."""
    return "\\A" not in pattern and "\\z" not in pattern and not _CLEARS_MULTI_LINE.search(pattern)


def compile_rules(policy_slug: str, rules: list[dict]) -> tuple[CompiledRule, ...]:
    compiled = []
    for rule in rules:
        matcher = None
        prefilter = None
        required = ()
        if rule["kind"] in {"regex_redact", "section_hide"}:
            pattern = rule["params"]["pattern"]
            matcher = compile_re2(pattern)
            if _multi_line_holds(pattern):
                prefilter = compile_re2("(?m)" + pattern)
                if rule["kind"] == "regex_redact":  # only the page screening reads it
                    required = tuple(c.encode() for c in sorted(required_characters(pattern)))
        compiled.append(
            CompiledRule(
                id=f"{policy_slug}/{rule['id']}",
                kind=rule["kind"],
                mode=rule["mode"],
                message=rule["message"],
                overridable=rule["overridable"],
                audience=rule["audience"],
                params=rule["params"]
                if rule["kind"] != "allow"
                else {"rules": [f"{policy_slug}/{r}" for r in rule["params"]["rules"]]},
                matcher=matcher,
                prefilter=prefilter,
                required=required,
            )
        )
    return tuple(compiled)


def compiled_version(version_id: int, loader) -> tuple[CompiledRule, ...]:
    """The compiled rules of a published version; `loader()` gives (slug, rules) on a miss."""
    hit = _cache.get(version_id)
    if hit is not None:
        return hit
    slug, rules = loader()
    compiled = compile_rules(slug, rules)
    with _cache_lock:
        if len(_cache) >= MAX_CACHED_VERSIONS:
            _cache.clear()
        _cache[version_id] = compiled
    return compiled


@dataclass
class RuleSet:
    """The rules that apply to one principal, with the label of the versions in force."""

    version: str
    rules: list[CompiledRule] = field(default_factory=list)

    @cached_property
    def on_the_way_out(self) -> tuple[tuple[int, CompiledRule, str, bool], ...]:
        """(position, rule, kind, enforced) of the rules `apply` looks at for each digest:
        all but the enforced hiding rules, which SQL applied already."""
        return tuple(
            (position, rule, rule.kind, rule.enforced)
            for position, rule in enumerate(self.rules)
            if not (rule.enforced and rule.kind in HIDING_KINDS)
        )

    @cached_property
    def field_hiders(self) -> dict[str, CompiledRule]:
        """{API field: the first enforce-mode `field_hide` rule that hides it}, the names
        `apply` sets to null (`source` hides `sources` too)."""
        hiders: dict[str, CompiledRule] = {}
        for rule in self.rules:
            if rule.kind == "field_hide" and rule.enforced:
                for hideable in rule.params["fields"]:
                    for name in FIELD_KEYS.get(hideable, (hideable,)):
                        hiders.setdefault(name, rule)
        return hiders

    @property
    def enforced_hiding(self) -> list[CompiledRule]:
        return [r for r in self.rules if r.enforced and r.kind in HIDING_KINDS]

    @property
    def monitored_hiding(self) -> list[CompiledRule]:
        return [r for r in self.rules if not r.enforced and r.kind in HIDING_KINDS]

    def hidden_condition(self, day: date, *, include_license: bool = True) -> Q | None:
        """A Q matching the digests enforce-mode hiding rules remove (None: no such rule),
        with licenses judged on `day`."""
        condition = None
        for rule in self.enforced_hiding:
            if rule.kind == "license_gate" and not include_license:
                continue
            part = rule_condition(rule, day)
            condition = part if condition is None else condition | part
        return condition

    def annotate_hits(self, queryset, rules: list[CompiledRule], day: date, prefix: str = "policy"):
        """Ask the database which of `rules` (hiding kinds) each digest trips, licenses
        judged on `day`: the same conditions that hide digests in lists, so monitor
        findings and simulation agree with enforcement exactly."""
        if not rules:
            return queryset
        return queryset.annotate(
            **{
                hit_name(prefix, rule): ExpressionWrapper(
                    rule_condition(rule, day), output_field=BooleanField()
                )
                for rule in rules
            }
        )


def hit_name(prefix: str, rule: CompiledRule) -> str:
    return _hit_name(prefix, rule.id)


@lru_cache(maxsize=4096)
def _hit_name(prefix: str, rule_id: str) -> str:
    # Asked for each digest a monitor-mode hiding rule looks at.
    return f"_{prefix}_hit_" + re.sub(r"\W", "_", rule_id)


def rule_condition(rule: CompiledRule, day: date) -> Q:
    """The digests a hiding rule matches, as a database condition (a license gate judges
    licenses on `day`). Built from its arguments alone: equal arguments, equal SQL
    (digests.selectors.Reader)."""
    if rule.kind == "topic_block":
        part = Q()
        for topic in rule.params["topics"]:
            part |= Q(topics__contains=[topic])
        return part
    if rule.kind == "keyword_block":
        return _keyword_q(rule.params["keywords"])
    return ~license_gate.permitted(rule.params["use"], day)


def rule_set_for(principal, versions: list[tuple[int, str, int]], loader) -> RuleSet:
    """`versions`: (version id, policy slug, number) of every enabled policy in force."""
    ordered = sorted(versions, key=lambda v: v[1])
    return combine(
        principal,
        ",".join(f"{slug}@{number}" for _, slug, number in ordered),
        [compiled_version(vid, lambda v=vid: loader(v)) for vid, _, _ in ordered],
    )


def combine(principal, label: str, groups: list[tuple[CompiledRule, ...]]) -> RuleSet:
    """The rules of `groups` that apply to `principal`, after `allow` rules lift the
    overridable rules they name."""
    applicable = [r for group in groups for r in group if r.applies_to(principal)]
    lifted = {
        name
        for rule in applicable
        if rule.kind == "allow" and rule.enforced
        for name in rule.params["rules"]
    }
    rules = [r for r in applicable if r.kind != "allow" and not (r.overridable and r.id in lifted)]
    return RuleSet(version=label or "none", rules=rules)


# --- Per digest, on the way out -------------------------------------------------------------


def _finding(rule: CompiledRule, action: str, path: str) -> dict:
    return {
        "rule": rule.id,
        "action": action,
        "enforced": rule.enforced,
        "path": path,
        "reason": rule.message,
    }


def _redact(matcher, text: str, mask: str) -> tuple[str, int]:
    """Replace every match; built from match spans (the RE2 binding's own sub mangles
    non-ASCII replacement text)."""
    out, last, count = [], 0, 0
    for match in matcher.finditer(text):
        start, end = match.span()
        if end == start:
            continue
        out.append(text[last:start])
        out.append(mask)
        last = end
        count += 1
    if not count:
        return text, 0
    out.append(text[last:])
    return "".join(out), count


# Fields that are not free text (identifiers, dates, flags): never redacted. The slug is
# an identifier made of text: `_guard_slug` decides it whole.
_NOT_TEXT = {
    "id",
    "slug",
    "published_on",
    "status",
    "language",
    "truncated",
    "restricted",
    "updated_at",
    "created_at",
    "published_at",
    "number",
    "policy",
}


def _all_strings(data, out: list[str]) -> list[str]:
    """Every string `_text_fields` would visit, without their paths (the fast pre-check),
    appended to `out`."""
    if type(data) is dict:
        for key, value in data.items():
            if key in _NOT_TEXT:
                continue
            kind = type(value)
            if kind is str:
                out.append(value)
            elif kind is dict or kind is list:
                _all_strings(value, out)
    else:
        for value in data:
            kind = type(value)
            if kind is str:
                out.append(value)
            elif kind is dict or kind is list:
                _all_strings(value, out)
    return out


def _text_fields(data, path: str = ""):
    """(path, holder, key) for every string in an API digest dict: title, publisher,
    summary, key points, topics, source, exporter, sections and their subsections."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        if isinstance(data, dict) and key in _NOT_TEXT:
            continue
        here = (
            f"{path}.{key}"
            if isinstance(data, dict) and path
            else (f"{path}[{key}]" if not isinstance(data, dict) else str(key))
        )
        if isinstance(value, str):
            yield here, data, key
        elif isinstance(value, dict | list):
            yield from _text_fields(value, here)


def _pre_check_text(data: dict) -> str:
    """What a redact rule's multi-line pre-check searches: every string of an API dict,
    one per line, and the slug as `_guard_slug` also reads it (`-` and `_` as spaces)."""
    strings = _all_strings(data, [])
    slug = data.get("slug")
    if isinstance(slug, str):
        strings.append(_spaced(slug))
    return "\n".join(strings)


def _spaced(slug: str) -> str:
    return slug.replace("-", " ").replace("_", " ")


def apply_many(
    rule_set: RuleSet, digests: list, many: list[dict], prefix: str = "policy", tally=None
):
    """`apply` to each digest and its API dict (a page of them), in place; returns the
    decisions. The redact rules' pre-checks search the whole page once
    (`screen_redactions`). The decisions are counted in the metrics (policies.metrics),
    and in `tally`, the request's policy insight, when given (policies.insight)."""
    screened = screen_redactions(rule_set, many)
    decisions = [
        apply(rule_set, digest, data, prefix, may_redact=None if screened is None else may)
        for digest, data, may in zip(digests, many, screened or [None] * len(many), strict=True)
    ]
    count_decisions(rule_set, decisions, digests, tally)
    return decisions


def screen_redactions(rule_set: RuleSet, many: list[dict]) -> list[frozenset[int]] | None:
    """For each of `many` API dicts (a page), the positions in `rule_set.rules` of the
    redact rules that may match it: `apply(..., may_redact=)`. One search per rule over
    the whole page instead of one per digest; None when no rule can be screened.

    First, a rule with required characters (`policies.required`) leaves out the dicts
    whose JSON lacks one of them: no match can be in such a dict.

    The page's text is every remaining dict's pre-check text (its strings joined as
    lines), joined as lines in turn, so a rule's multi-line pre-check finds what it would
    find in each dict alone: a match starting within a dict's text marks that dict, and
    the search goes on from the next dict's start, so no dict's own match is hidden by
    an earlier one. A match may run on into the next dict's text; it marks only the dict
    it starts in, and the per-field check there decides, as the per-dict pre-check
    would."""
    screened = [
        (position, rule)
        for position, rule in enumerate(rule_set.rules)
        if rule.kind == "regex_redact" and rule.prefilter is not None
    ]
    if not screened:
        return None
    may: list[set[int]] = [set() for _ in many]
    allowed = _allowed_by_characters([rule for _, rule in screened], many)
    searched = sorted(set().union(*allowed)) if all(a is not None for a in allowed) else None
    indexes = range(len(many)) if searched is None else searched
    if not indexes:
        return [frozenset() for _ in many]
    # As UTF-8 once: RE2 searches bytes, and offsets into bytes need no decoding.
    parts = [_pre_check_text(many[index]).encode() for index in indexes]
    page = b"\n".join(parts)
    starts = []
    offset = 0
    for part in parts:
        starts.append(offset)
        offset += len(part) + 1

    for (position, rule), those in zip(screened, allowed, strict=True):
        prefilter = rule.prefilter
        start = 0
        while True:
            found = prefilter.search(page, start)
            if found is None:
                break
            which = bisect.bisect_right(starts, found.start()) - 1
            may[indexes[which]].add(position)
            if which + 1 >= len(starts):
                break
            start = starts[which + 1]
            if found.end() > start:
                # The match ran on into the next dicts: such a pattern (`(?s)a.*b`) would
                # scan to the page's end from every hit. Search the rest dict by dict,
                # each bounded to its own text as if alone.
                for rest in range(which + 1, len(starts)):
                    if prefilter.search(page, starts[rest], starts[rest] + len(parts[rest])):
                        may[indexes[rest]].add(position)
                break
        if those is not None:
            for index in indexes:
                if index not in those:
                    may[index].discard(position)
    return [frozenset(positions) for positions in may]


def _allowed_by_characters(rules: list[CompiledRule], many: list[dict]) -> list[set | None]:
    """For each rule, the positions in `many` of the dicts whose JSON holds every
    character the rule requires; None where it requires none (or a dict will not encode,
    which no API dict should do). Every None when REDACTION_PRECHECK is off."""
    if not settings.REDACTION_PRECHECK or not any(rule.required for rule in rules):
        return [None] * len(rules)
    try:
        # The whole dict: its identifiers and dates can only add characters (a `-` in
        # every date), which costs the shortcut and never a match. Leaving them out
        # would cost as much as the encoding itself.
        blobs = [orjson.dumps(data) for data in many]
    except TypeError:
        return [None] * len(rules)
    page = b"\n".join(blobs)
    allowed = []
    for rule in rules:
        if not rule.required:
            allowed.append(None)
        elif not all(c in page for c in rule.required):
            allowed.append(set())  # the usual case: in no dict of the page at all
        else:
            allowed.append(
                {i for i, blob in enumerate(blobs) if all(c in blob for c in rule.required)}
            )
    return allowed


def _matches(rule: CompiledRule, *texts: str) -> bool:
    return any(rule.matcher.search(text) for text in texts)


# What a digest shows in place of a slug a policy would change (`_guard_slug`):
# `digest-<id>`. No digest may hold a slug of this form as its own, or two digests would
# show under one identifier; nor bare `digest`, whose numbered forms (`digest-2`, the
# free slug a clash gives) are stand-ins.
STAND_IN_PREFIX = "digest"
RESERVED_SLUG = re.compile(rf"{STAND_IN_PREFIX}(?:-[0-9]+)?", re.IGNORECASE)


def stand_in_slug(digest_id) -> str:
    """The slug a digest shows when its own would be changed by a policy."""
    return f"{STAND_IN_PREFIX}-{digest_id}"


def is_reserved_slug(slug: str) -> bool:
    """A stand-in's form, or bare `digest`: never a digest's own slug."""
    return RESERVED_SLUG.fullmatch(slug) is not None


def _guard_slug(
    rule_set: RuleSet,
    digest,
    data: dict,
    title,
    findings: list[dict],
    may_redact: frozenset[int] | None = None,
) -> None:
    """Show a digest's slug whole, or not at all.

    A slug is an identifier: a mask written into it would change a client's identifier
    whenever a policy changes. But it is text, made from the title and the date (or
    chosen by an editor), so it carries what a rule hides in the title, often in another
    form (lower case, `-` for spaces and punctuation) that the rule's pattern no longer
    finds. So the slug is replaced whole by `digest-<id>`, which no policy changes and
    which holds no text, when a rule changed the title, or when a redact rule matches the
    slug itself, read as written and with its `-` and `_` as spaces. Such a rule gets a
    finding at `slug`; a monitor-mode one changes nothing, like everywhere else.

    `may_redact` is what `apply` was given, or None once a redaction changed the text: a
    screened rule the page search did not mark for this digest matches neither form of
    the slug, which the pre-check text holds (`_pre_check_text`).
    """
    slug = data.get("slug")
    if not isinstance(slug, str):
        return
    changed_title = {f["rule"]: f["action"] for f in findings if f["path"] == "title"}
    spaced = _spaced(slug)
    replace = data.get("title") != title  # whatever changed it, the slug was made from it
    for position, rule, kind, enforced in rule_set.on_the_way_out:
        action = changed_title.get(rule.id)
        if (
            action is None
            and kind == "regex_redact"
            and not (
                rule.prefilter is not None and may_redact is not None and position not in may_redact
            )
            and _matches(rule, slug, spaced)
        ):
            action = "redact"
        if action is None:
            continue
        findings.append(_finding(rule, action, "slug"))
        replace = replace or enforced
    if replace:
        ident = data.get("id")
        data["slug"] = stand_in_slug(digest.pk if ident is None else ident)


def apply(
    rule_set: RuleSet,
    digest,
    data: dict,
    prefix: str = "policy",
    *,
    may_redact: frozenset[int] | None = None,
) -> dict:
    """Apply the rule set to one digest's API dict, in place; returns the decision.
    Monitor-mode hiding rules are read from hits annotated under `prefix`. `may_redact`:
    what `screen_redactions` found for this dict; without it each redact rule's pre-check
    runs here."""
    findings: list[dict] = []
    texts = None  # every text field, found once if a redact rule needs them
    title = data.get("title")
    for position, rule, kind, enforced in rule_set.on_the_way_out:
        if kind in HIDING_KINDS:
            # Only monitors: enforced ones never reach here (SQL removed the digest).
            # They were evaluated by the same SQL and annotated on the digest.
            if getattr(digest, hit_name(prefix, rule), False):
                findings.append(_finding(rule, "hide", "topics" if kind == "topic_block" else ""))
        elif kind == "field_hide":
            for hideable in rule.params["fields"]:
                for name in FIELD_KEYS.get(hideable, (hideable,)):
                    if name in data:
                        findings.append(_finding(rule, "hide_field", name))
                        if enforced:
                            data[name] = None
                            texts = None  # the text fields are not what they were
        elif kind == "section_hide":
            sections = data.get("sections")
            if not sections:
                continue
            # One search over the titles joined as lines first: most digests have no
            # section to hide (the same pre-check as for redaction).
            if rule.prefilter is not None and not rule.prefilter.search(
                "\n".join(section.get("title", "") for section in sections)
            ):
                continue
            kept = []
            for index, section in enumerate(sections):
                if rule.matcher.search(section.get("title", "")):
                    findings.append(_finding(rule, "hide_section", f"sections[{index}]"))
                    if enforced:
                        continue
                kept.append(section)
            if enforced and len(kept) != len(sections):
                data["sections"] = kept
                texts = None
        elif kind == "regex_redact":
            # One search over all the text first: most digests have nothing to redact.
            # Fields are joined as lines and searched in multi-line mode, so ^ and $ still
            # match at each field's edges.
            if rule.prefilter is not None and (
                position not in may_redact
                if may_redact is not None
                else not rule.prefilter.search(_pre_check_text(data))
            ):
                continue
            if texts is None:
                texts = list(_text_fields(data))
            mask = rule.params["mask"]
            for path, holder, key in texts:
                new, count = _redact(rule.matcher, holder[key], mask)
                if count:
                    findings.append(_finding(rule, "redact", path))
                    if enforced:
                        holder[key] = new
                        # A mask is in the text now: what the page was screened on is
                        # no longer what the next rules see.
                        may_redact = None
    _guard_slug(rule_set, digest, data, title, findings, may_redact)
    return {
        "version": rule_set.version,
        "decision_id": f"{_decision_ids.getrandbits(128):032x}",
        "findings": findings,
    }
