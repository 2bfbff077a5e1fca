"""Compliance reports. Each is a list of columns and an iterator of rows (lists), so the
API can answer JSON or stream CSV from the same function. Each costs a fixed number of
queries whatever the size of the tenant (the rows are joined in Python per batch).

Each is written for one caller, through their `text_gate.TextGate`: the digests listed
and counted are those the caller may read (as the digest list finds them), digest
titles go through the caller's redact rules, and the digest-derived text of sources
and rights holders is withheld or redacted as for the registry's own endpoints.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, F, OuterRef

from core.lookups import AnyOf
from licensing import selectors
from licensing.models import DigestSource, License, RightsHolder, Source
from licensing.text_gate import WITHHELD, TextGate


@dataclass
class Report:
    name: str
    columns: list[str]
    rows: Iterator[list]
    summary: dict


def _all_sources(gate: TextGate) -> list[Source]:
    """Every source, with its license status and attribution (`selectors.judged_sources`),
    whether the caller may see its text and its holder's (`TextGate.sources`), and what
    a report shows of it."""
    sources = gate.sources(Source.objects.select_related("rights_holder"))
    sources = sources.only(
        "pk", "kind", "title", "publisher", "canonical_url", "parent_id", "rights_holder__name"
    )
    sources = list(sources.order_by("id"))
    # A second statement, a later snapshot: a source deleted in between is left out.
    judged = selectors.judged_sources(gate.reader.day)
    sources = [source for source in sources if source.pk in judged]
    for source in sources:
        _, source.license_status, source.attribution = judged[source.pk]
    return sources


def _readable_links(gate: TextGate):
    """The links between sources and the digests the caller may read."""
    return DigestSource.objects.filter(digest_id__in=gate.readable_digests().values("pk"))


def _holder_name(gate: TextGate, holder, visible: bool) -> str | None:
    if holder is None:
        return ""
    return gate.text(visible, {"name": holder.name})["name"]


def _source_texts(gate: TextGate, source, visible: bool) -> dict:
    """A source's title, publisher and URL as the caller may see them."""
    return gate.text(
        visible,
        {"title": source.title, "publisher": source.publisher, "url": source.canonical_url},
    )


def sources_by_status(status: str | None = None, *, gate: TextGate) -> Report:
    """Every source with its license status, and how many digests (that the caller may
    read) rely on it."""
    sources = _all_sources(gate)
    licenses = selectors.licenses_covering(sources)
    uses = Counter(_readable_links(gate).values_list("source_id", flat=True))
    counts: Counter = Counter()
    shown = [source for source in sources if not status or source.license_status == status]
    # What the caller may see of each text, through one pass of the redact rules.
    texts = gate.redacted(
        {
            "title": [s.title for s in shown],
            "publisher": [s.publisher for s in shown],
            "holder": [s.rights_holder.name if s.rights_holder else "" for s in shown],
        }
    )
    for source in sources:
        counts[source.license_status] += 1
    rows = [
        [
            source.pk,
            source.kind,
            title if source.text_shown else WITHHELD,
            publisher if source.text_shown else WITHHELD,
            holder if source.holder_shown else WITHHELD,
            source.license_status,
            len(licenses.of(source)),
            uses[source.pk],
            source.attribution,
        ]
        for source, title, publisher, holder in zip(
            shown, texts["title"], texts["publisher"], texts["holder"], strict=True
        )
    ]
    return Report(
        "sources",
        [
            "source_id",
            "kind",
            "title",
            "publisher",
            "rights_holder",
            "status",
            "licenses",
            "digests",
            "attribution",
        ],
        iter(rows),
        {s: counts[s] for s in selectors.SOURCE_STATUSES},
    )


def expiring(days: int, *, gate: TextGate) -> Report:
    """Licenses in force whose end date falls within the next `days` days, soonest
    first."""
    on = gate.reader.day
    licenses = selectors.expiring(on, days).order_by("in_force__valid_until", "pk")
    licenses = gate.mark_licenses(licenses)
    rows = [
        [
            lic.pk,
            _source_texts(gate, lic.source, lic.source_shown)["title"] if lic.source_id else "",
            _holder_name(gate, lic.rights_holder, lic.holder_shown),
            lic.in_force.spdx_id,
            lic.in_force.number,
            lic.in_force.valid_until.isoformat(),
            (lic.in_force.valid_until - on).days,
            lic.in_force.attribution,
        ]
        for lic in licenses
    ]
    return Report(
        "expiring",
        [
            "license_id",
            "source",
            "rights_holder",
            "spdx_id",
            "version",
            "valid_until",
            "days_left",
            "attribution",
        ],
        iter(rows),
        {"days": days, "licenses": len(rows)},
    )


# A source with licenses in force, none of which grants the use asked about.
NOT_GRANTED = "not_granted"


def digests_at_risk(use: str, digests, *, gate: TextGate) -> Report:
    """Digests (of the queryset given) that rely on a source not permitted `use` today,
    one row per such source (or one row saying the digest has no source at all), with
    the reason: no_source, unlicensed, pending, rejected, expired, prohibited, or
    not_granted (licensed, but not for this use).

    One pass over the digests finds them with their unpermitted sources, the day's
    terms read once (`selectors.permitted_links`); each of those sources is then
    judged once, however many digests rely on it."""
    on = gate.reader.day
    links = DigestSource.objects.filter(digest_id=OuterRef("pk"))
    unpermitted = links.exclude(selectors.permitted_links(use, on))
    risky = list(
        digests.filter(~Exists(links) | Exists(unpermitted))
        .annotate(unpermitted=ArraySubquery(unpermitted.order_by("source_id").values("source_id")))
        .order_by("-published_on", "-id")
        .values_list("pk", "title", "status", "unpermitted")
    )
    source_ids = {source_id for *_, ids in risky for source_id in ids}
    sources = list(
        selectors.with_license_status(
            Source.objects.filter(AnyOf(F("pk"), source_ids)), on, attribution=False
        ).only("pk", "title", "parent_id", "rights_holder_id")
    )
    rights = selectors.rights_of_sources(sources, [use], on)
    shown = gate.shown_ids(Source, source_ids)
    # Each source's title as the caller may see it: one pass of the redact rules.
    source_titles = gate.redacted({"title": [s.title for s in sources]})["title"]
    judged = {}  # source id: (reason, answer, the source's title as the caller sees it)
    for source, title in zip(sources, source_titles, strict=True):
        answer = rights[source.pk][use].answer
        if answer == selectors.PROHIBITED:
            reason = "prohibited"
        elif source.license_status == selectors.LICENSED:
            reason = NOT_GRANTED  # licensed, but for other uses than this one
        else:
            reason = source.license_status
        judged[source.pk] = (reason, answer, title if source.pk in shown else WITHHELD)
    titles = gate.redacted({"title": [title for _, title, _, _ in risky]})["title"]
    reasons: Counter = Counter()
    rows = []
    for (pk, _, status, ids), title in zip(risky, titles, strict=True):
        if not ids:
            reasons["no_source"] += 1
            rows.append([pk, title, status, None, "", "no_source", ""])
        for source_id in ids:
            reason, answer, source_title = judged[source_id]
            reasons[reason] += 1
            rows.append([pk, title, status, source_id, source_title, reason, answer])
    return Report(
        "digests-at-risk",
        ["digest_id", "title", "digest_status", "source_id", "source", "reason", "rights"],
        iter(rows),
        {"use": use, "digests": len(risky), "reasons": dict(reasons)},
    )


def publishers(*, gate: TextGate) -> Report:
    """Per rights holder: its sources by status, its licenses, and the digests (that the
    caller may read) that rely on its sources. Every source's license judged by one
    statement; the summary adds up the sources of every holder by status."""
    per_holder: dict[int | None, Counter] = defaultdict(Counter)
    for holder_id, status, _ in selectors.judged_sources(gate.reader.day).values():
        per_holder[holder_id][status] += 1
        per_holder[holder_id]["sources"] += 1
    holder_licenses = Counter(
        dict(
            License.objects.filter(rights_holder_id__isnull=False)
            .values("rights_holder_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("rights_holder_id", "n")
        )
    )
    digests = Counter(dict(_digests_per_holder(gate)))
    holders = list(gate.holders(RightsHolder.objects.order_by("name")))
    rows = []
    for holder in holders:
        c = per_holder[holder.pk]
        rows.append(
            [holder.pk, gate.text(holder.text_shown, {"name": holder.name})["name"], c["sources"]]
            + [c[s] for s in selectors.SOURCE_STATUSES]
            + [holder_licenses[holder.pk], digests[holder.pk]]
        )
    if per_holder[None]["sources"]:
        c = per_holder[None]
        rows.append(
            [None, "(no rights holder)", c["sources"]]
            + [c[s] for s in selectors.SOURCE_STATUSES]
            + [0, digests[None]]
        )
    return Report(
        "publishers",
        [
            "rights_holder_id",
            "rights_holder",
            "sources",
            *selectors.SOURCE_STATUSES,
            "holder_licenses",
            "digests",
        ],
        iter(rows),
        {
            "rights_holders": len(holders),
            "sources": {
                s: sum(c[s] for c in per_holder.values()) for s in selectors.SOURCE_STATUSES
            },
        },
    )


def _digests_per_holder(gate: TextGate):
    return (
        _readable_links(gate)
        .values("source__rights_holder_id")
        .annotate(n=Count("digest_id", distinct=True))
        .values_list("source__rights_holder_id", "n")
    )


def bill_of_sources(digests, *, gate: TextGate) -> Report:
    """For each digest (of the queryset given): every source it derives from and every
    license covering that source, with status and attribution."""
    digest_rows = [
        (pk, gate.redacted({"title": title})["title"])
        for pk, title in digests.order_by("-published_on", "-id").values_list("pk", "title")
    ]
    links = defaultdict(list)
    for link in DigestSource.objects.filter(
        digest_id__in=[pk for pk, _ in digest_rows]
    ).select_related("source", "source__rights_holder"):
        links[link.digest_id].append(link.source)
    sources = list({s.pk: s for group in links.values() for s in group}.values())
    licenses = selectors.licenses_covering(sources)
    sources_shown = gate.shown_ids(Source, [s.pk for s in sources])
    holders_shown = gate.shown_ids(
        RightsHolder, {s.rights_holder_id for s in sources if s.rights_holder_id}
    )
    on = gate.reader.day

    def rows():
        for pk, title in digest_rows:
            if not links[pk]:
                yield [pk, title, None, "", "", "", "", None, "", "none", None, None, ""]
            for source in links[pk]:
                covering = licenses.of(source)
                texts = _source_texts(gate, source, source.pk in sources_shown)
                holder_visible = source.rights_holder_id in holders_shown
                base = [
                    pk,
                    title,
                    source.pk,
                    source.kind,
                    texts["title"],
                    texts["url"],
                    _holder_name(gate, source.rights_holder, holder_visible),
                ]
                if not covering:
                    yield [*base, None, "", selectors.UNLICENSED, None, None, ""]
                for lic in covering:
                    version = lic.in_force or lic.latest
                    yield [
                        *base,
                        lic.pk,
                        version.spdx_id if version else "",
                        selectors.license_status(lic, on),
                        version.number if version else None,
                        version.valid_until.isoformat()
                        if version and version.valid_until
                        else None,
                        version.attribution if version else "",
                    ]

    return Report(
        "bill-of-sources",
        [
            "digest_id",
            "digest",
            "source_id",
            "kind",
            "source",
            "url",
            "rights_holder",
            "license_id",
            "spdx_id",
            "license_status",
            "version",
            "valid_until",
            "attribution",
        ],
        rows(),
        {"digests": len(digest_rows), "sources": len(sources)},
    )
