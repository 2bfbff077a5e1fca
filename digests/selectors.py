"""Reads: which digests a caller may read, how each is shown, and ranked text search.

Everything that decides what a caller reads is one value, their `Reader`, built once per
request (`reader_for`). The conditions below are built from it alone, so two equal
readers get the same SQL and may share it (`readable_digests`' cache).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from django.conf import settings
from django.db import NotSupportedError, connection
from django.db.models import BooleanField, Field, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from core.internals import compiled_condition
from digests.models import Digest, DigestGroupObjectPermission, DigestUserObjectPermission
from digests.search import Shape, shape_of
from licensing.selectors import SHOWN_SOURCES_SQL, today
from policies.engine import RuleSet, apply_many
from policies.selectors import rule_set_for
from tenants.principals import Principal


@dataclass(frozen=True)
class Reader:
    """Who reads digests, reduced to what decides which they see and how: the tenant,
    the grants they hold (through their role's group and as a person), the two
    permissions visibility asks, the content policies that apply to them, and the day
    licenses are judged by. Immutable, and the only input of the visibility condition."""

    tenant_id: int
    group_id: int
    user_id: int | None
    sees_unpublished: bool
    manages_access: bool
    # Compared whole (every rule, with its parameters); hashed by the fields above.
    rule_set: RuleSet = field(hash=False)
    day: date

    @cached_property
    def text_shape(self) -> Shape | None:
        """The enforce-mode rules that change the text this reader is shown: what their
        search and text filters match (digests.search)."""
        return shape_of(self.rule_set)


def reader_for(principal: Principal, rule_set: RuleSet | None = None) -> Reader:
    """The reader `principal` is now: their rules in force (`rule_set` when the caller has
    read them already) and today's date."""
    if rule_set is None:
        rule_set = rule_set_for(principal)
    return Reader(
        tenant_id=principal.tenant.pk,
        group_id=principal.role.group_id,
        user_id=principal.user.pk if principal.user is not None else None,
        sees_unpublished=principal.has("digests.view_unpublished_digest"),
        manages_access=principal.has("digests.manage_access_digest"),
        rule_set=rule_set,
        day=today(),
    )


def visible_digests(reader: Reader, queryset: QuerySet[Digest] | None = None) -> QuerySet:
    """The digests `reader` may see, policies aside, in one SQL query:

    - without `view_unpublished_digest`, only published ones;
    - a restricted digest only with a grant on it (to the person, or to their role's
      group), unless the reader manages access.
    """
    qs = Digest.objects.all() if queryset is None else queryset
    if not reader.sees_unpublished:
        qs = qs.filter(status=Digest.Status.PUBLISHED)
    if not reader.manages_access:
        view = {
            "permission__codename": "view_digest",
            "permission__content_type__app_label": Digest._meta.app_label,
            "permission__content_type__model": Digest._meta.model_name,
        }
        granted = Q(restricted=False) | Q(
            pk__in=DigestGroupObjectPermission.objects.filter(
                group_id=reader.group_id, **view
            ).values("content_object_id")
        )
        if reader.user_id is not None:
            granted |= Q(
                pk__in=DigestUserObjectPermission.objects.filter(
                    user_id=reader.user_id, **view
                ).values("content_object_id")
            )
        qs = qs.filter(granted)
    return qs


def readable_condition(
    reader: Reader,
    queryset: QuerySet[Digest] | None = None,
    *,
    include_license: bool = True,
) -> QuerySet:
    """The digests `reader` may read: `visible_digests`, less what the enforce-mode
    hiding rules of their rule set remove. The one definition: the list and detail
    (`readable_digests`, cached from it), the text gate of licensing, reports and audit,
    the importer and the slug clash all ask it.

    Built by the ORM, so it nests in another query (`pk__in=...values("pk")`), which
    `readable_digests`' cached SQL cannot. `include_license=False` leaves the license
    gates out: what the reader would read were every source licensed (the detail's 451)."""
    queryset = visible_digests(reader, queryset)
    hidden = reader.rule_set.hidden_condition(reader.day, include_license=include_license)
    return queryset if hidden is None else queryset.exclude(hidden)


# --- How a digest is shown -------------------------------------------------------------------
#
# A digest leaves the system in one shape, written by PostgreSQL: list, detail, exports,
# the changes feed, the answers to writes, the importer's and the simulation's checks.
# The database writes each digest's JSON, its sources judged by their licenses on the
# reader's day (licensing.selectors.SHOWN_SOURCES_SQL), so there is no second rendering
# in Python to keep in step. digests.serializers describes this shape for the OpenAPI
# document, and tests validate real answers against that document.

# The columns shown as they are stored, in the order they are shown.
_AS_STORED = (
    "id",
    "slug",
    "title",
    "publisher",
    "published_on",
    "summary",
    "key_points",
    "topics",
    "language",
    "status",
    "truncated",
    "restricted",
)


def _utc_sql(column: str) -> str:
    """A timestamp column as ISO 8601 in UTC with a `Z` (config.times.iso_utc):
    microseconds only when there are some, NULL for NULL."""
    # The text has no other "." than the fraction's, so whole seconds lose it entirely.
    return (
        f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || 'Z'"
    )


def _column(name: str) -> str:
    return f'"digests_digest"."{name}"'


def _rendering_sql(*, detail: bool) -> str:
    """One JSON object per digest row: a list entry, or with `detail` the whole digest.
    `source` falls back to the digest's own publisher and title when the source's are
    blank; a JSON column is embedded as stored. One parameter: the day the sources'
    licenses are judged by."""
    parts = [f"'{name}', {_column(name)}" for name in _AS_STORED]
    publisher, title = _column("publisher"), _column("title")
    parts += [
        "'source', json_build_object("
        f"'publisher', COALESCE(NULLIF({_column('source_publisher')}, ''), {publisher}), "
        f"'title', COALESCE(NULLIF({_column('source_title')}, ''), {title}), "
        f"'url', NULLIF({_column('source_url')}, ''))",
        f"'updated_at', {_utc_sql(_column('updated_at'))}",
    ]
    if detail:
        parts += [
            f"'sections', {_column('sections')}",
            f"'exporter', {_column('exporter')}",
            f"'created_at', {_utc_sql(_column('created_at'))}",
            f"'published_at', {_utc_sql(_column('published_at'))}",
        ]
    parts.append(f"'sources', {SHOWN_SOURCES_SQL}")
    return "json_build_object(" + ", ".join(parts) + ")"


LISTED_SQL = _rendering_sql(detail=False)
DETAILED_SQL = _rendering_sql(detail=True)
# The annotation that carries each rendering, and the fields a rendered row still loads
# (what the cursor, the ETag and the policy engine read of the instance).
RENDERED = {False: "listed", True: "detailed"}
_KEPT = ("id", "tenant_id", "published_on", "updated_at")


def rendered(queryset: QuerySet[Digest], day: date, *, detail: bool) -> QuerySet[Digest]:
    """`queryset` with each digest's JSON as it is shown before policies apply (a list
    entry, or with `detail` the whole digest), its sources' licenses judged on `day`.
    Only the fields the instance still needs are loaded besides."""
    sql = DETAILED_SQL if detail else LISTED_SQL
    return queryset.only(*_KEPT).annotate(
        **{RENDERED[detail]: DigestTableSQL(sql, (day,), output_field=Field())}
    )


def as_shown(
    reader: Reader, digests: list[Digest], *, detail: bool = True, tally=None
) -> list[tuple[dict, dict]]:
    """Each of `digests` as `reader` is shown it: (its JSON with `reader`'s policies
    applied, the policies' decision). Digests read through `rendered` are used as they
    are; others (a digest just written) are read again, all in one query, with the
    monitor-mode hits of `reader`'s rules. What a caller is told of a digest is decided
    here, by the engine itself (policies.engine.apply_many), never by a rule written
    again elsewhere. `tally`: the request's policy insight, given where the digests are
    the answer (policies.insight)."""
    name = RENDERED[detail]
    if any(getattr(digest, name, None) is None for digest in digests):
        rules, day = reader.rule_set, reader.day
        again = Digest.objects.filter(pk__in=[digest.pk for digest in digests])
        again = rendered(again, day, detail=detail)
        again = rules.annotate_hits(again, rules.monitored_hiding, day)
        found = {digest.pk: digest for digest in again}
        if len(found) < len({digest.pk for digest in digests}):
            raise Http404("The digest was deleted meanwhile.")  # by a concurrent request
        digests = [found[digest.pk] for digest in digests]
    many = [getattr(digest, name) for digest in digests]
    decisions = apply_many(reader.rule_set, digests, many, tally=tally)
    return list(zip(many, decisions, strict=True))


def seen_whole(decision: dict) -> bool:
    """Whether a decision of `as_shown` left the digest as stored: no enforced finding
    (redaction, hidden field or section, slug shown as `digest-<id>`)."""
    return not any(finding["enforced"] for finding in decision["findings"])


# --- The visibility condition's SQL, cached per reader --------------------------------------
#
# Visibility and the content policies make the longest condition in the product, dear to
# build and compile through the ORM on every read, so its SQL is cached per Reader.
# Invariant: `_readable_sql(reader)` reads nothing but `reader` (each function it calls is
# given what it needs: the day, the rules), so the SQL cached under an equal reader is
# this reader's. Guarded by SQL_CACHE_CHECK (tests, debug mode), which
# compiles again on every hit and raises if the SQL differs; VISIBILITY_CACHE = False
# compiles every time (docs/performance.md).


class DigestTableSQL(RawSQL):
    """SQL compiled ahead that names the digests table `"digests_digest"`, as the ORM does
    in a query of its own. Nested in another query (`pk__in=...`, `Exists(...)`) Django
    renames the inner tables but cannot rename inside this text, and the condition would
    silently apply to the outer row: that raises instead."""

    def relabeled_clone(self, change_map):
        if Digest._meta.db_table in change_map:
            raise NotSupportedError(
                "a readable_digests queryset cannot be nested in another query; "
                "filter with visible_digests() there"
            )
        return super().relabeled_clone(change_map)


class StaleVisibilityCache(AssertionError):
    """The cached visibility SQL of a reader differs from what it compiles to now: the
    condition read something besides its reader."""


_cache: dict[Reader, tuple | None] = {}
_cache_lock = threading.Lock()
CACHE_LIMIT = 10_000


def _readable_through_orm(reader: Reader, queryset: QuerySet) -> QuerySet:
    """What `readable_digests` means, built by the ORM: the source of the cached SQL."""
    queryset = readable_condition(reader, queryset)
    return reader.rule_set.annotate_hits(queryset, reader.rule_set.monitored_hiding, reader.day)


def _readable_sql(reader: Reader) -> tuple[str | None, tuple, tuple] | None:
    """(WHERE fragment or None for "everything", its params, monitor-hit annotations as
    (name, sql, params)); None when the condition cannot stand alone (an empty set) or
    core.internals was not written for the installed versions."""
    queryset = _readable_through_orm(reader, Digest._base_manager.all())
    return compiled_condition(queryset, connection)


def _same_sql(a, b) -> bool:
    """Two results of `_readable_sql` are the same SQL with the same values (adapters
    such as psycopg's Jsonb compare by identity, so their repr decides)."""
    if a is None or b is None:
        return a is b
    (sql, params, hits), (other_sql, other_params, other_hits) = a, b
    flat = (sql, *params, *[x for hit in hits for x in (hit[0], hit[1], *hit[2])])
    other = (
        other_sql,
        *other_params,
        *[x for hit in other_hits for x in (hit[0], hit[1], *hit[2])],
    )
    return len(flat) == len(other) and all(
        x == y or repr(x) == repr(y) for x, y in zip(flat, other, strict=True)
    )


def _cached_readable_sql(reader: Reader):
    if not settings.VISIBILITY_CACHE:
        return _readable_sql(reader)
    try:
        found = _cache[reader]
    except KeyError:
        found = _readable_sql(reader)
        with _cache_lock:
            if len(_cache) >= CACHE_LIMIT:
                _cache.clear()
            _cache[reader] = found
        return found
    if settings.SQL_CACHE_CHECK and not _same_sql(found, _readable_sql(reader)):
        raise StaleVisibilityCache(
            f"the cached visibility SQL of {reader!r} differs from a fresh compilation"
        )
    return found


def clear_cache() -> None:
    """Forget every cached condition."""
    _cache.clear()


def readable_digests(reader: Reader, queryset: QuerySet[Digest]) -> QuerySet:
    """`queryset` less what `reader` may not read (`readable_condition`), with monitor-mode
    hits annotated (`RuleSet.annotate_hits`): the same SQL, cached per reader. Does not
    nest in another query (`DigestTableSQL`): use `readable_condition` there."""
    found = _cached_readable_sql(reader)
    if found is None:  # not cacheable as a fragment: build it the long way
        return _readable_through_orm(reader, queryset)
    where_sql, where_params, hits = found
    if where_sql is not None:
        queryset = queryset.filter(
            DigestTableSQL(where_sql, where_params, output_field=BooleanField())
        )
    if hits:
        queryset = queryset.annotate(
            **{
                name: DigestTableSQL(sql, params, output_field=BooleanField())
                for name, sql, params in hits
            }
        )
    return queryset
