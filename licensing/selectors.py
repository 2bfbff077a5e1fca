"""Reads for licensing: effective rights, source status, and the license gate's condition.

Effective rights for a source and a use come from the terms in force (`LicenseTerm`)
of every license that covers the source: its own, its parent's (an episode's feed) and
its rights holder's. Within those:

- any prohibition wins over any permission (ODRL: prohibitions take precedence);
- with no prohibition, one permission is enough;
- with neither, the answer is `unknown`, and unknown is not permitted.

Only approved versions (with or without conditions) are in force, and only between
their dates. The license gate asks SQL (`digest_permitted`), the API asks Python
(`rights_of_sources`), and a report over a whole tenant asks SQL of ids read once
(`permitted_links`); tests check they agree.

A source's license status and attribution have one definition, in SQL (`_VERDICT` over
the rows of `_license_facts`), which every reader asks: digest responses
(`SHOWN_SOURCES_SQL`), the source registry and the reports (`with_license_status`), one
source at a time; the reports over a whole tenant (`judged_sources`), all at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.db import NotSupportedError, connection
from django.db.models import CharField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.lookups import AnyOf
from licensing.models import DigestSource, License, LicenseTerm, LicenseVersion, Source
from tenants.context import current_tenant

PERMITTED = "permitted"
PROHIBITED = "prohibited"
UNKNOWN = "unknown"

APPROVED = (LicenseVersion.Status.APPROVED, LicenseVersion.Status.APPROVED_WITH_CONDITIONS)

# A source's license status, best first: what a digest response and the reports show.
LICENSED = "licensed"
EXPIRED = "expired"
PENDING = "pending"
REJECTED = "rejected"
UNLICENSED = "unlicensed"
SOURCE_STATUSES = (LICENSED, EXPIRED, PENDING, REJECTED, UNLICENSED)


def today() -> date:
    """The platform's calendar day (settings.TIME_ZONE), by which license versions are
    valid."""
    return datetime.now(timezone.get_default_timezone()).date()


def _current(on: date) -> Q:
    """Terms valid on a day."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def _covers(source_id, parent_id, holder_id) -> Q:
    """Terms that cover a source (values or OuterRefs): its own, its parent's, its holder's."""
    return Q(source_id=source_id) | Q(source_id=parent_id) | Q(rights_holder_id=holder_id)


def digest_permitted(use: str, on: date | None = None) -> Q:
    """A condition on digests: they derive from at least one source, and every one of
    their sources is permitted `use` today. This is what a `license_gate` rule asks."""
    on = on or today()
    terms = LicenseTerm.objects.filter(_current(on), use=use).filter(
        _covers(
            OuterRef("source_id"),
            OuterRef("source__parent_id"),
            OuterRef("source__rights_holder_id"),
        )
    )
    source_ok = Exists(terms.filter(effect=LicenseTerm.Effect.PERMIT)) & ~Exists(
        terms.filter(effect=LicenseTerm.Effect.PROHIBIT)
    )
    links = DigestSource.objects.filter(digest_id=OuterRef("pk"))
    return Q(Exists(links)) & ~Q(Exists(links.exclude(source_ok)))


def permitted_links(use: str, on: date | None = None) -> Q:
    """A condition on DigestSource rows: their source is permitted `use` on the day, as
    `digest_permitted` asks it of each link. The day's terms are read here, once, as
    the ids of what they cover, so a pass over every link of a tenant reads none of
    them again. A condition made of data read now: never for a cached statement."""
    on = on or today()
    covered: dict[str, tuple[set, set]] = {
        LicenseTerm.Effect.PERMIT: (set(), set()),
        LicenseTerm.Effect.PROHIBIT: (set(), set()),
    }
    terms = LicenseTerm.objects.filter(_current(on), use=use)
    for source_id, holder_id, effect in terms.values_list(
        "source_id", "rights_holder_id", "effect"
    ):
        sources, holders = covered[effect]
        sources.add(source_id)
        holders.add(holder_id)

    def covering(effect) -> Q:
        # Each id list goes as one array (however many terms); a nullable column is
        # asked only where it is set, so that the negation below stays two-valued.
        sources, holders = (ids - {None} for ids in covered[effect])
        return (
            Q(AnyOf(F("source_id"), sources))
            | (Q(source__parent_id__isnull=False) & Q(AnyOf(F("source__parent_id"), sources)))
            | (
                Q(source__rights_holder_id__isnull=False)
                & Q(AnyOf(F("source__rights_holder_id"), holders))
            )
        )

    return covering(LicenseTerm.Effect.PERMIT) & ~covering(LicenseTerm.Effect.PROHIBIT)


@dataclass
class Rights:
    """The answer for one source and one use, with the licenses behind it."""

    use: str
    answer: str
    permitting: list[int] = field(default_factory=list)
    prohibiting: list[int] = field(default_factory=list)

    @property
    def contradicted(self) -> bool:
        """Licenses in force disagree; the prohibition won."""
        return bool(self.permitting and self.prohibiting)


def rights_of_sources(
    sources: list[Source], uses: list[str], on: date | None = None
) -> dict[int, dict[str, Rights]]:
    """Effective rights of many sources for some uses: one query."""
    on = on or today()
    source_ids = {s.pk for s in sources} | {s.parent_id for s in sources if s.parent_id}
    holder_ids = {s.rights_holder_id for s in sources if s.rights_holder_id}
    by_source: dict[int, list] = defaultdict(list)
    by_holder: dict[int, list] = defaultdict(list)
    terms = LicenseTerm.objects.filter(_current(on), use__in=uses).filter(
        Q(AnyOf(F("source_id"), source_ids)) | Q(AnyOf(F("rights_holder_id"), holder_ids))
    )
    for row in terms.values_list("source_id", "rights_holder_id", "use", "effect", "license_id"):
        if row[0] is not None:
            by_source[row[0]].append(row[2:])
        else:
            by_holder[row[1]].append(row[2:])
    answers: dict[int, dict[str, Rights]] = {}
    for source in sources:
        found = {use: Rights(use, UNKNOWN) for use in uses}
        covering_terms = by_source[source.pk] + by_holder[source.rights_holder_id]
        if source.parent_id:
            covering_terms += by_source[source.parent_id]
        for use, effect, license_id in sorted(covering_terms, key=lambda t: t[2]):
            rights = found[use]
            bucket = (
                rights.permitting if effect == LicenseTerm.Effect.PERMIT else rights.prohibiting
            )
            if license_id not in bucket:
                bucket.append(license_id)
        for rights in found.values():
            if rights.prohibiting:
                rights.answer = PROHIBITED  # any prohibition beats any permission
            elif rights.permitting:
                rights.answer = PERMITTED
        answers[source.pk] = found
    return answers


def effective_rights(source: Source, uses: list[str], on: date | None = None) -> list[Rights]:
    return list(rights_of_sources([source], uses, on)[source.pk].values())


def expiring(on: date, within_days: int):
    """Licenses whose version in force is approved and ends between `on` and
    `within_days` later: what the expiry report lists and the notices announce."""
    return License.objects.filter(
        in_force__status__in=APPROVED,
        in_force__valid_until__gte=on,
        in_force__valid_until__lte=on + timedelta(days=within_days),
    ).select_related("in_force", "source", "rights_holder")


def validity(version, on: date) -> str:
    """Where `on` falls in a version's dates: `before`, `during` or `after` ("" for none)."""
    if version is None:
        return ""
    if version.valid_from and on < version.valid_from:
        return "before"
    if version.valid_until and on > version.valid_until:
        return "after"
    return "during"


def license_status(lic: License, on: date | None = None) -> str:
    """A license's status: its newest version's review status, or `expired` once the
    version in force (which is the newest) has passed its end date."""
    on = on or today()
    latest = lic.latest
    if latest is None:
        return PENDING
    if (
        lic.in_force_id == latest.pk
        and latest.status in APPROVED
        and validity(latest, on) == "after"
    ):
        return EXPIRED
    return latest.status


# Plain values read from the database, not model instances. Named tuples: a report
# builds many, and a frozen dataclass's __init__ cost several times as much.


class _VersionFacts(NamedTuple):
    pk: int
    number: int
    status: str
    spdx_id: str
    valid_from: date | None
    valid_until: date | None
    attribution: str


class _LicenseFacts(NamedTuple):
    """What the reports read of a license and its two versions."""

    pk: int
    source_id: int | None
    rights_holder_id: int | None
    in_force_id: int | None
    in_force: _VersionFacts | None
    latest: _VersionFacts | None


_VERSION_COLUMNS = ("id", "number", "status", "spdx_id", "valid_from", "valid_until", "attribution")


class Coverage:
    """Licenses read for a report, indexed by what they cover: `of(source)` answers a
    source's licenses (its own, its feed's, its rights holder's) without a scan of them
    all, which a report of every source would do once per source."""

    def __init__(self, licenses: list[_LicenseFacts]):
        self.licenses = licenses
        self._by_source: dict[int, list[_LicenseFacts]] = defaultdict(list)
        self._by_holder: dict[int, list[_LicenseFacts]] = defaultdict(list)
        for lic in licenses:
            if lic.source_id is not None:
                self._by_source[lic.source_id].append(lic)
            if lic.rights_holder_id is not None:
                self._by_holder[lic.rights_holder_id].append(lic)

    def of(self, source) -> list[_LicenseFacts]:
        """The licenses covering `source`, in license order, each once."""
        found = {lic.pk: lic for lic in self._by_source.get(source.pk, ())}
        if source.parent_id is not None:
            found.update((lic.pk, lic) for lic in self._by_source.get(source.parent_id, ()))
        if source.rights_holder_id is not None:
            found.update((lic.pk, lic) for lic in self._by_holder.get(source.rights_holder_id, ()))
        return [found[pk] for pk in sorted(found)]


def licenses_covering(sources) -> Coverage:
    """Every license covering any of these sources (own, feed's, holder's) with its version
    in force and its newest version: one query."""
    source_ids = {s.pk for s in sources} | {s.parent_id for s in sources if s.parent_id}
    holder_ids = {s.rights_holder_id for s in sources if s.rights_holder_id}
    if not source_ids and not holder_ids:
        return Coverage([])
    rows = (
        License.objects.filter(
            Q(AnyOf(F("source_id"), source_ids)) | Q(AnyOf(F("rights_holder_id"), holder_ids))
        )
        .order_by("pk")
        .values_list(
            "pk",
            "source_id",
            "rights_holder_id",
            *(f"in_force__{c}" for c in _VERSION_COLUMNS),
            *(f"latest__{c}" for c in _VERSION_COLUMNS),
        )
    )
    width = len(_VERSION_COLUMNS)
    return Coverage([_license(*row[:3], row[3 : 3 + width], row[3 + width :]) for row in rows])


def _version(values) -> _VersionFacts | None:
    """A version from its columns in `_VERSION_COLUMNS` order; None for no version."""
    if values[0] is None:
        return None
    return _VersionFacts(*values)


def _license(pk, source_id, holder_id, in_force, latest) -> _LicenseFacts:
    """A license from its own columns and its two versions' (`_VERSION_COLUMNS`)."""
    return _LicenseFacts(
        pk=pk,
        source_id=source_id,
        rights_holder_id=holder_id,
        in_force_id=in_force[0],
        in_force=_version(in_force),
        latest=_version(latest),
    )


# --- A source's license status and attribution: one definition, in SQL --------------------
#
# Whatever shows a source's license status and attribution asks the database, by this one
# text (`_VERDICT` over `_license_facts`), for one source (`_judged_sql`): a digest's
# `sources`, written inside the digest query (`SHOWN_SOURCES_SQL`, in digests.selectors'
# rendering); the source registry and the reports (`with_license_status`); or for every
# source of the tenant (`judged_sources`). Row-level security
# applies to its subqueries as to any other; the tenant conditions are the second wall,
# as the tenant-scoped managers are for the ORM's reads.

_WAITING = (LicenseVersion.Status.PENDING, LicenseVersion.Status.NEEDS_INFORMATION)
_NOT_BEFORE = "(f.valid_from IS NULL OR f.valid_from <= day.value)"


def _sql_text_list(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


# The verdict over the rows `c` of the licenses covering one source (see `_judged_sql`).
_VERDICT = (
    "CASE "  # noqa: S608 (constants only)
    f"WHEN count(c.id) = 0 THEN '{UNLICENSED}' "
    f"WHEN bool_or(c.live) THEN '{LICENSED}' "
    f"WHEN bool_or(c.ended) THEN '{EXPIRED}' "
    f"WHEN bool_or(c.latest IN ({_sql_text_list(_WAITING)})) THEN '{PENDING}' "
    f"WHEN bool_or(c.latest = '{LicenseVersion.Status.REJECTED}') THEN '{REJECTED}' "
    f"ELSE '{PENDING}' END AS status, "
    "COALESCE((SELECT string_agg(kept.text, chr(10) ORDER BY kept.first) "
    "FROM (SELECT asked.text, min(asked.n) AS first "
    "FROM unnest(array_agg(c.attribution ORDER BY c.id) "
    "FILTER (WHERE c.live AND c.attribution <> '')) "
    "WITH ORDINALITY AS asked(text, n) GROUP BY asked.text) AS kept), '') AS attribution"
)


def _license_facts(covering: str) -> str:
    """A license per row, those `covering` (a join condition on `l`) selects: what a
    verdict reads of it on the day that is the text's one parameter."""
    return (
        "SELECT l.id, l.tenant_id, l.source_id, l.rights_holder_id, "  # noqa: S608
        "v.status AS latest, f.attribution, "
        f"f.status IN ({_sql_text_list(APPROVED)}) AND {_NOT_BEFORE} "
        "AND (f.valid_until IS NULL OR f.valid_until >= day.value) AS live, "
        f"{_NOT_BEFORE} AND f.valid_until < day.value AS ended "
        "FROM (SELECT %s::date AS value) AS day "
        f"JOIN licensing_license l ON {covering} "
        "LEFT JOIN licensing_licenseversion f "
        "ON f.id = l.in_force_id AND f.tenant_id = l.tenant_id "
        "LEFT JOIN licensing_licenseversion v ON v.id = l.latest_id AND v.tenant_id = l.tenant_id"
    )


def _covers_source(licenses: str, source: str) -> str:
    """SQL: the license row `licenses` covers the source row `source` (its own, its
    feed's, its rights holder's; of its tenant)."""
    return (
        f"{licenses}.tenant_id = {source}.tenant_id "
        f"AND ({licenses}.source_id = {source}.id OR {licenses}.source_id = {source}.parent_id "
        f"OR {licenses}.rights_holder_id = {source}.rights_holder_id)"
    )


def _judged_sql(source: str) -> str:
    """The license status and attribution of the source row named `source` in the
    enclosing statement (a licensing_source row), on the day that is the text's one
    parameter: a subquery of one row, columns `status` and `attribution`.

    Each license covering the source (its own, its feed's, its rights holder's; of its
    tenant) is read once, as a row of `c`: its newest version's status (`latest`) and,
    of its version in force, the attribution and whether it is live (approved and valid
    on the day, both end days included) or ended (past its end date). With no version
    in force both are NULL, which `bool_or` and FILTER pass over.

    The status is the first of these that holds: no license covers it (unlicensed); one
    is live (licensed); one has ended (expired); one's newest version waits for review
    (pending); one's newest version is rejected (rejected); otherwise pending (approved,
    not valid yet). The attribution is what the live licenses ask for, each text once,
    in license order, one per line. Constant text (the statuses are the module's own
    constants) but for the day."""
    facts = _license_facts(_covers_source("l", source))
    return f"(SELECT {_VERDICT} FROM ({facts}) AS c)"  # noqa: S608 (constants only)


class Judged(NamedTuple):
    rights_holder_id: int | None
    status: str
    attribution: str


# Every source of a tenant judged at once: the same verdict over the same license rows,
# grouped by source rather than asked per source (a pass over thousands of sources does
# not run a subquery for each). Parameters: the day, the tenant.
_JUDGED_SOURCES_SQL = (
    f"SELECT s.id, s.rights_holder_id, {_VERDICT} "  # noqa: S608 (constants only)
    "FROM licensing_source s "
    f"LEFT JOIN ({_license_facts('TRUE')}) AS c ON {_covers_source('c', 's')} "
    "WHERE s.tenant_id = %s GROUP BY s.id"
)


def judged_sources(day: date | None = None) -> dict[int, Judged]:
    """Every source of the current tenant, by id: its rights holder, license status and
    attribution on `day` (today by default), as `_judged_sql` judges one. One statement
    for the whole tenant: for the reports, which judge them all."""
    day = day or today()
    with connection.cursor() as cursor:
        cursor.execute(_JUDGED_SOURCES_SQL, [day, current_tenant().pk])
        return {pk: Judged(*rest) for pk, *rest in cursor.fetchall()}


# The sources of the digest row (`"digests_digest"`, as the ORM names it in a query of its
# own) as its response shows them, as JSON, in source order: the one parameter is the
# day their licenses are judged by. digests.api embeds it in the list's and the detail's
# statements.
SHOWN_SOURCES_SQL = (
    "(SELECT COALESCE(json_agg(json_build_object("  # noqa: S608 (constants only)
    "'id', s.id, 'kind', s.kind, 'title', s.title, 'publisher', s.publisher, "
    "'url', NULLIF(s.canonical_url, ''), "
    "'license_status', judged.status, 'attribution', judged.attribution"
    ") ORDER BY s.id), '[]'::json) "
    "FROM licensing_digestsource ds "
    "JOIN licensing_source s ON s.id = ds.source_id AND s.tenant_id = ds.tenant_id "
    f"CROSS JOIN LATERAL {_judged_sql('s')} AS judged "
    'WHERE ds.digest_id = "digests_digest"."id" AND ds.tenant_id = "digests_digest"."tenant_id")'
)


class SourceTableSQL(RawSQL):
    """SQL about the sources table as the ORM names it in a query of its own,
    `"licensing_source"`. Nested in another query Django would rename the table but
    cannot rename inside this text, which would then judge the outer query's source:
    that raises instead."""

    def relabeled_clone(self, change_map):
        if Source._meta.db_table in change_map:
            raise NotSupportedError(
                "a with_license_status queryset cannot be nested in another query"
            )
        return super().relabeled_clone(change_map)


_JUDGED_SOURCE = _judged_sql(f'"{Source._meta.db_table}"')
# A subquery for each column, so each is a plain annotation a filter or an ordering can
# name. PostgreSQL runs both per row: a page does not feel it, a report of every source
# does a little.
_STATUS_SQL = f"(SELECT judged.status FROM {_JUDGED_SOURCE} AS judged)"  # noqa: S608
_ATTRIBUTION_SQL = f"(SELECT judged.attribution FROM {_JUDGED_SOURCE} AS judged)"  # noqa: S608


def with_license_status(queryset, day: date | None = None, *, attribution: bool = True):
    """Sources (a queryset of them) annotated `license_status` and `attribution` on `day`
    (today by default), as `_judged_sql` says: what the registry and the reports show.
    `attribution=False`: the status only, for a pass that shows no attribution."""
    day = day or today()
    queryset = queryset.annotate(
        license_status=SourceTableSQL(_STATUS_SQL, (day,), output_field=CharField())
    )
    if attribution:
        queryset = queryset.annotate(
            attribution=SourceTableSQL(_ATTRIBUTION_SQL, (day,), output_field=CharField())
        )
    return queryset
