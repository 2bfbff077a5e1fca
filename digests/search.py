"""Search and text filters over the text each reader is shown.

A policy may change a digest's text for a reader: redact words, hide a field, drop
sections. Search and the text filters (`q`, `publisher`, `topic`) must then match what
that reader is shown, never the stored text: otherwise searching a masked word finds
exactly the digests that hold it.

What a reader is shown depends on their enforce-mode text rules alone (`TEXT_KINDS`, in
the order they apply): their *shape*. Readers whose rules change no text search the
digest's own columns. Others search, for each digest, its `ShownText` row of their
shape where it has one (written by the policy engine itself, `policies.engine.apply`,
from the digest's current text), and its own columns where the rules change nothing
of it: most digests, so most of a search still reads one table. `ShownColumns`
picks from the reader, so a filter cannot forget it.

Invariants, each kept in one place:
- a shape's key is derived from its rules (`shape_of`): equal keys, equal rules;
- a shape exists only with the rows of every digest its rules change: `build` writes
  them in the transaction that creates the shape;
- a digest inserted, or whose text is written, gets a stale row (matching nothing) for
  every shape of its tenant in the same statement (triggers, migration 0010): between
  a write and its rows, the digest is found by no text rather than by stored text;
- every digest write passes through `digests.changes.record`, which calls `refresh`
  in the writer's transaction: a digest is searchable as soon as its write commits;
- `refresh` and `build` both hold the tenant's row lock (tenants.db.lock_tenant_row,
  the writers' lock), so a build never misses a write that commits during it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_
from types import SimpleNamespace
from typing import TYPE_CHECKING

import orjson
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    F,
    FilteredRelation,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from digests.models import Digest, SearchShape, ShownText
from policies import engine
from tenants.context import current_tenant
from tenants.db import lock_tenant_row

if TYPE_CHECKING:
    from digests.selectors import Reader

MAX_QUERY = 200
# Rule kinds that change a digest's text without hiding the digest.
TEXT_KINDS = frozenset({"regex_redact", "field_hide", "section_hide"})
# The digest fields a shown text is made from.
_FIELDS = (
    "id",
    "tenant_id",
    "slug",
    "title",
    "publisher",
    "summary",
    "key_points",
    "topics",
    "sections",
    "search_text",
)
_CHUNK = 500


def clean_query(q: str) -> str:
    """A search as it is run: whitespace collapsed, at most MAX_QUERY characters."""
    return " ".join(q.split())[:MAX_QUERY]


def search_text(key_points: list[str], sections: list[dict]) -> str:
    """Key points and section text flattened for search (title and summary are separate)."""
    parts: list[str] = list(key_points)
    for section in sections:
        parts.append(section.get("title", ""))
        parts.extend(section.get("bullets", []))
        for sub in section.get("subsections", []):
            parts.append(sub.get("title", ""))
            parts.extend(sub.get("bullets", []))
    return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Shape:
    """Enforce-mode text rules as stored: `rules` is their JSON, `key` its digest."""

    key: str
    rules: bytes


def shape_of(rule_set: engine.RuleSet) -> Shape | None:
    """The shape of a rule set: its enforce-mode text rules, kind and parameters, in the
    order they apply. None when none changes text."""
    rules = [
        [rule.kind, rule.params]
        for rule in rule_set.rules
        if rule.enforced and rule.kind in TEXT_KINDS
    ]
    if not rules:
        return None
    blob = orjson.dumps(rules, option=orjson.OPT_SORT_KEYS)
    return Shape(key=hashlib.sha256(blob).hexdigest(), rules=blob)


@lru_cache(maxsize=256)
def _rule_set(rules: bytes) -> engine.RuleSet:
    """A shape's rules compiled by the engine, as a rule set of their own."""
    compiled = engine.compile_rules(
        "shape",
        [
            {
                "id": f"rule-{position}",
                "kind": kind,
                "mode": "enforce",
                "message": "",
                "overridable": False,
                "audience": {"type": "everyone"},
                "params": params,
            }
            for position, (kind, params) in enumerate(orjson.loads(rules))
        ],
    )
    return engine.RuleSet(version="shape", rules=list(compiled))


def shown_texts(shape: SearchShape, digests: Iterable[Digest]) -> list[ShownText]:
    """The rows of the digests whose searchable text the shape's rules change: their
    text as the engine shows it, applying the rules as it does on the way out."""
    rule_set = _rule_set(orjson.dumps(shape.rules, option=orjson.OPT_SORT_KEYS))
    rows = []
    for digest in digests:
        # A copy: the engine rewrites strings in place, and these lists are the digest's.
        data = orjson.loads(
            orjson.dumps(
                {
                    "id": digest.pk,
                    "slug": digest.slug,
                    "title": digest.title,
                    "publisher": digest.publisher,
                    "summary": digest.summary,
                    "key_points": digest.key_points,
                    "topics": digest.topics,
                    "sections": digest.sections,
                }
            )
        )
        engine.apply(rule_set, None, data)
        row = ShownText(
            tenant_id=digest.tenant_id,
            shape=shape,
            digest_id=digest.pk,
            title=data["title"] or "",
            publisher=data["publisher"] or "",
            summary=data["summary"],
            body=search_text(data["key_points"] or [], data["sections"] or []),
            topics=data["topics"],
        )
        # A hidden field reads as an empty one: it matches nothing either way.
        stored = (digest.title, digest.publisher, digest.summary, digest.search_text)
        shown = (row.title, row.publisher, row.summary or "", row.body)
        if shown != stored or (row.topics or []) != digest.topics:
            rows.append(row)
    return rows


def _digests() -> QuerySet[Digest]:
    return Digest.objects.only(*_FIELDS).order_by("pk")


def refresh(digest_ids: Iterable[int]) -> None:
    """Write the rows of these digests (those still there) for every shape of the
    current tenant, in the caller's transaction (the writer's), in place of the stale
    ones the triggers left."""
    ids = list(digest_ids)
    if not ids:
        return
    lock_tenant_row(current_tenant().pk)  # the writers' lock: see `build`
    shapes = list(SearchShape.objects.all())
    if not shapes:
        return
    ShownText.objects.filter(digest_id__in=ids).delete()
    digests = list(_digests().filter(pk__in=ids))
    rows = [row for shape in shapes for row in shown_texts(shape, digests)]
    ShownText.objects.bulk_create(rows, batch_size=_CHUNK)


@transaction.atomic
def build(shape: Shape, *, rebuild: bool = False, progress: Callable | None = None) -> int:
    """The id of `shape`'s row in the current tenant, made with every digest's shown
    text when missing (or made again with `rebuild`). Holds the tenant's row lock, which
    every digest writer holds from before its write until it commits: no write commits
    while the texts are read, and a write that waited sees the shape and writes its own.
    `progress(done, total)` is told after each chunk."""
    lock_tenant_row(current_tenant().pk)
    row = SearchShape.objects.filter(key=shape.key).first()
    if row is not None and not rebuild:
        return row.pk
    if row is None:
        row = SearchShape.objects.create(key=shape.key, rules=orjson.loads(shape.rules))
    else:
        ShownText.objects.filter(shape=row).delete()
    total = Digest.objects.count() if progress else 0
    done = 0
    chunk: list[Digest] = []
    for digest in _digests().iterator(chunk_size=_CHUNK):
        chunk.append(digest)
        if len(chunk) == _CHUNK:
            done += _write(row, chunk)
            chunk = []
            if progress:
                progress(done, total)
    done += _write(row, chunk)
    if progress:
        progress(done, total)
    row.built_at = timezone.now()
    row.save(update_fields=["built_at"])
    return row.pk


def _write(shape: SearchShape, digests: list[Digest]) -> int:
    ShownText.objects.bulk_create(shown_texts(shape, digests))
    return len(digests)


def forget_shapes() -> None:
    """Drop every shape of the current tenant and its texts (the rules in force
    changed). Shapes are built again when next searched: a shape is only ever searched
    by a reader with exactly its rules, so keeping one would cost writes, not
    correctness."""
    SearchShape.objects.all().delete()


def shapes_in_force() -> list[Shape]:
    """The shapes of the rules now in force in the current tenant, for every reader
    there can be: each role, signed in or through an API key (keys told apart only by
    the prefixes an audience names)."""
    from policies.selectors import active_versions, compiled_groups
    from tenants.models import Role

    groups = compiled_groups(active_versions())
    prefixes = {
        prefix for group in groups for rule in group for prefix in rule.audience.get("prefixes", [])
    }
    keys = [None, SimpleNamespace(prefix=None), *(SimpleNamespace(prefix=p) for p in prefixes)]
    shapes = {}
    for role in Role.objects.all():
        for key in keys:
            reader = SimpleNamespace(role=role, api_key=key)
            shape = shape_of(engine.combine(reader, "", groups))
            if shape is not None:
                shapes[shape.key] = shape
    return list(shapes.values())


# --- Filters over the shown text -----------------------------------------------------------

_SHOWN = "shown"  # the alias of the reader's ShownText row in a filtered queryset
_SHOWN_MARK = "_shown_joined"  # marks a queryset joined to its rows already
_SHAPES = SearchShape._meta.db_table
_TEXTS = ShownText._meta.db_table
# Constant SQL (table names from the models), values as parameters.
_LOOK_UP = (
    f"SELECT id, EXISTS (SELECT 1 FROM {_TEXTS} t WHERE t.shape_id = s.id) "  # noqa: S608
    f"FROM {_SHAPES} s WHERE s.tenant_id = %s AND s.key = %s"
)
_STILL_THERE = f"EXISTS (SELECT 1 FROM {_SHAPES} WHERE id = %s)"  # noqa: S608
_STILL_THERE_WITHOUT_ROWS = (
    f"{_STILL_THERE} AND NOT EXISTS (SELECT 1 FROM {_TEXTS} WHERE shape_id = %s)"  # noqa: S608
)


class ShownColumns:
    """The text one reader's search and text filters match, looked up once (a request's
    filters share it): the digests' own columns when the reader's rules change no text;
    otherwise those of their shape, built now if missing.

    Every query made here checks, in the same statement, that the shape is still as it
    was looked up: a shape dropped meanwhile (a policy change) or, for a shape that had
    no rows, a row written meanwhile (a digest the rules now change) makes the query
    select nothing rather than read stored text."""

    def __init__(self, reader: Reader):
        self.tenant_id = reader.tenant_id
        self.shape = reader.text_shape
        self.shape_id: int | None = None
        self.has_rows = False
        if self.shape is None:
            return
        found = self._look_up(reader.tenant_id)
        if found is None:
            build(self.shape)
            found = self._look_up(reader.tenant_id)
        self.shape_id, self.has_rows = found
        # The statement's checks, as SQL of their own: built once, cheap to add to
        # each filter (the ORM's Exists costs more to build than the query to run).
        # Every digest reads as stored only as long as none has a row.
        check = _STILL_THERE if self.has_rows else _STILL_THERE_WITHOUT_ROWS
        params = (self.shape_id,) * check.count("%s")
        self._check = RawSQL(check, params, output_field=BooleanField())  # noqa: S611

    def _look_up(self, tenant_id: int) -> tuple[int, bool] | None:
        """(id, whether any digest has a row) of the shape, or None: one round trip."""
        with connection.cursor() as cursor:
            cursor.execute(_LOOK_UP, (tenant_id, self.shape.key))
            return cursor.fetchone()

    def _checked(self, queryset: QuerySet) -> QuerySet:
        """`queryset` with the statement's checks and, where rows replace columns, the
        digests' rows joined as `shown` (once, however many filters ask); as it is for a
        reader whose rules change no text."""
        if self.shape is None:
            return queryset
        queryset = queryset.filter(self._check)
        if not self.has_rows or _SHOWN_MARK in queryset.query.annotations:
            return queryset
        shown = FilteredRelation("shown_texts", condition=Q(shown_texts__shape_id=self.shape_id))
        return queryset.annotate(**{_SHOWN: shown}).alias(**{_SHOWN_MARK: Value(True)})

    @property
    def _joined(self) -> bool:
        """Whether a digest's row, where it has one, replaces its own columns."""
        return self.shape is not None and self.has_rows

    def filter(self, queryset: QuerySet, **lookups) -> QuerySet:
        """`queryset` filtered by `lookups` on text fields (`title`, `publisher`,
        `topics`, `search_vector` and the like) as the reader is shown them."""
        queryset = self._checked(queryset)
        return queryset.filter(self._matching(**lookups))

    def _matching(self, **lookups) -> Q:
        """The condition of `lookups` on the text the reader is shown, for a queryset
        that went through `_checked`: the digest's own text where it has no row, the
        row's where it has one (a stale row's NULLs match nothing)."""
        if not self._joined:
            return Q(**lookups)
        as_stored = Q(**{f"{_SHOWN}__id__isnull": True}, **lookups)
        as_shown = Q(**{f"{_SHOWN}__{name}": value for name, value in lookups.items()})
        return as_stored | as_shown

    def annotate(self, queryset: QuerySet, **columns: str) -> QuerySet:
        """`queryset` annotated `alias=column` with text columns (`publisher`, `topics`)
        as the reader is shown them: what facets count. The digest's own column where it
        has no row, the row's where it has one (NULL for a stale row: it counts as
        nothing, never as the stored text)."""
        queryset = self._checked(queryset)
        if not self._joined:
            return queryset.annotate(**{alias: F(name) for alias, name in columns.items()})
        return queryset.annotate(
            **{
                alias: Case(
                    When(**{f"{_SHOWN}__id__isnull": True}, then=F(name)),
                    default=F(f"{_SHOWN}__{name}"),
                    output_field=Digest._meta.get_field(name),
                )
                for alias, name in columns.items()
            }
        )

    def search(
        self, queryset: QuerySet[Digest], q: str, languages: list[str] | None = None
    ) -> QuerySet[Digest]:
        """Match and rank `q` (web search syntax) against the text the reader is shown:
        title weighs most, then summary, then key points and sections. Annotates `rank`
        (from the row where there is one: a stale row never passes the filter).

        Each digest is indexed with its language's configuration (`search_config`), so
        the query is stemmed once per configuration searched, and each form matches
        only the digests of its configuration: a word excluded with `-` stays excluded
        whatever another language's stemmer makes of it. The configurations are those
        of `languages` when given, else every one the tenant's digests use."""
        q = clean_query(q)
        if not q:
            return queryset
        configs = search_configs(self.tenant_id, languages)
        queries = {
            config: SearchQuery(q, search_type="websearch", config=config) for config in configs
        }
        queryset = self._checked(queryset)
        queryset = queryset.filter(
            reduce(
                or_,
                (
                    Q(search_config=config) & self._matching(search_vector=query)
                    for config, query in queries.items()
                ),
            )
        )
        vector = (
            Coalesce(F(f"{_SHOWN}__search_vector"), F("search_vector"))
            if self._joined
            else F("search_vector")
        )
        if len(queries) == 1:
            rank = SearchRank(vector, queries[configs[0]])
        else:
            rank = Case(
                *(
                    When(search_config=config, then=SearchRank(vector, query))
                    for config, query in queries.items()
                ),
                output_field=FloatField(),
            )
        # As double precision: PostgreSQL's rank is a real, whose text (what psycopg
        # reads) is not the real's exact value, so a page's cursor, written from that
        # text, would compare below its own digest and the next page repeat it.
        return queryset.annotate(rank=Cast(rank, FloatField()))


# The configurations other than English a tenant's digests use, by walking the partial
# (tenant, search_config) index from one value to the next: one probe per configuration,
# not a scan. English is searched whatever the tenant holds: it is the default, nearly
# every tenant has it, and a branch that matches nothing costs little.
ENGLISH = "english"
_OTHER_CONFIGS = f"""
WITH RECURSIVE configs(name) AS (
    (SELECT search_config FROM {Digest._meta.db_table}
     WHERE tenant_id = %(tenant)s AND search_config <> %(english)s
     ORDER BY search_config LIMIT 1)
    UNION ALL
    SELECT (SELECT search_config FROM {Digest._meta.db_table}
            WHERE tenant_id = %(tenant)s AND search_config <> %(english)s
            AND search_config > configs.name
            ORDER BY search_config LIMIT 1)
    FROM configs WHERE configs.name IS NOT NULL
)
SELECT name FROM configs WHERE name IS NOT NULL
"""  # noqa: S608 (the table name is the model's)
_CONFIGS_OF = "SELECT DISTINCT digest_search_config(tag)::text FROM unnest(%s::text[]) tag"


def search_configs(tenant_id: int, languages: list[str] | None = None) -> list[str]:
    """The text search configurations a search stems its query for, sorted: those of
    `languages` (language tags, as digests carry them), else English and those the
    tenant's digests are indexed with. One query; PostgreSQL maps a tag to its
    configuration (`digest_search_config`, migration 0011), so the mapping is written
    once."""
    with connection.cursor() as cursor:
        if languages:
            cursor.execute(_CONFIGS_OF, (list(languages),))
            return sorted(name for (name,) in cursor)
        cursor.execute(_OTHER_CONFIGS, {"tenant": tenant_id, "english": ENGLISH})
        return sorted([ENGLISH, *(name for (name,) in cursor)])


def search(
    reader: Reader, queryset: QuerySet[Digest], q: str, languages: list[str] | None = None
) -> QuerySet[Digest]:
    """`ShownColumns(reader).search(queryset, q, languages)`."""
    return ShownColumns(reader).search(queryset, q, languages)
