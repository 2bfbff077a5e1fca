"""A source's license status and attribution, license state by license state, as every
reader shows them: the digest list's and detail's `sources` (written by the digest
query), a digest's `sources/` endpoint and its export (the same rendering), the source
registry and the sources-by-status report (`with_license_status`). All of them read one
definition (`licensing.selectors._judged_sql`); these tests hold it, through each of
them, to the values written out below."""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

import pytest

from licensing import selectors, services
from licensing.models import License, LicenseVersion, RightsHolder, Source
from tenants.context import platform_scope, tenant_context
from tests import factories
from tests.endpoints import body_bytes
from tests.licensing import REPORTS, SOURCES, sources_of_digests

DIGESTS = "/api/v1/tenants/acme/digests/"


class Lic(NamedTuple):
    """A license: on the episode itself (`own`), its `feed`, its rights `holder`, or the
    same two made in another tenant (`globex own`, `globex holder`); its first version's
    decision (None: left pending) and terms; optionally a second version, proposed on top
    of the first, with its own decision and terms. Dates in terms are days from today."""

    scope: str
    decision: str | None = "approved"
    terms: dict = {}
    then: tuple[str | None, dict] | None = None


# license states -> (license_status, attribution) of the episode they cover
CASES: dict[str, tuple[list[Lic], tuple[str, str]]] = {
    "no license": ([], ("unlicensed", "")),
    "approved": (
        [Lic("own", terms={"attribution": "Courtesy of Edge"})],
        ("licensed", "Courtesy of Edge"),
    ),
    "approved with conditions": (
        [Lic("own", "approved_with_conditions", {"attribution": "Courtesy of Edge"})],
        ("licensed", "Courtesy of Edge"),
    ),
    "approved, asking no attribution": ([Lic("own")], ("licensed", "")),
    "live licenses, duplicate and distinct attributions": (
        [
            Lic("own", terms={"attribution": "© Tidal Media"}),
            Lic("holder", terms={"attribution": "Courtesy of Edge"}),
            Lic("feed", terms={"attribution": "© Tidal Media"}),
            Lic("own", terms={"attribution": ""}),
        ],
        # each text once, in license order (not alphabetical), one per line
        ("licensed", "© Tidal Media\nCourtesy of Edge"),
    ),
    "live beside ended: only the live one's attribution": (
        [
            Lic("own", terms={"valid_until": -1, "attribution": "Old terms"}),
            Lic("holder", terms={"attribution": "Courtesy of Edge"}),
        ],
        ("licensed", "Courtesy of Edge"),
    ),
    "live beside pending and rejected": (
        [Lic("own", None), Lic("feed", "rejected"), Lic("holder", terms={"attribution": "Edge"})],
        ("licensed", "Edge"),
    ),
    "approved, a revision pending": (
        [Lic("own", terms={"attribution": "Version 1"}, then=(None, {"attribution": "Version 2"}))],
        ("licensed", "Version 1"),
    ),
    "expired": (
        [Lic("own", terms={"valid_until": -1, "attribution": "Courtesy of Edge"})],
        ("expired", ""),
    ),
    "expired beside pending": (
        [Lic("own", terms={"valid_until": -1}), Lic("holder", None)],
        ("expired", ""),
    ),
    "expired, its renewal pending": (
        [Lic("own", terms={"valid_until": -1}, then=(None, {"valid_until": 365}))],
        ("expired", ""),
    ),
    "pending": ([Lic("own", None, {"attribution": "Courtesy of Edge"})], ("pending", "")),
    "needs information": ([Lic("own", "needs_information")], ("pending", "")),
    "pending beside rejected": ([Lic("own", "rejected"), Lic("holder", None)], ("pending", "")),
    "rejected": ([Lic("own", "rejected")], ("rejected", "")),
    "revoked": (
        [Lic("own", terms={"attribution": "Revoked"}, then=("rejected", {}))],
        ("rejected", ""),
    ),
    "approved, not valid yet": (
        [Lic("own", terms={"valid_from": 1, "attribution": "Courtesy of Edge"})],
        ("pending", ""),
    ),
    "not valid yet beside rejected": (
        [Lic("own", terms={"valid_from": 1}), Lic("holder", "rejected")],
        ("rejected", ""),
    ),
    "through the feed": (
        [Lic("feed", terms={"attribution": "Feed terms"})],
        ("licensed", "Feed terms"),
    ),
    "through the rights holder": (
        [Lic("holder", terms={"attribution": "Holder terms"})],
        ("licensed", "Holder terms"),
    ),
    "starts today": (
        [Lic("own", terms={"valid_from": 0, "attribution": "From today"})],
        ("licensed", "From today"),
    ),
    "ends today": (
        [Lic("own", terms={"valid_until": 0, "attribution": "Until today"})],
        ("licensed", "Until today"),
    ),
    "today only": (
        [Lic("own", terms={"valid_from": 0, "valid_until": 0, "attribution": "Today only"})],
        ("licensed", "Today only"),
    ),
    "another tenant's licenses": (
        [Lic("globex own"), Lic("globex holder")],
        ("unlicensed", ""),
    ),
    "another tenant's license beside an expired one": (
        [Lic("own", terms={"valid_until": -1}), Lic("globex own")],
        ("expired", ""),
    ),
}


def _terms(terms: dict) -> dict:
    today = selectors.today()
    return {
        name: today + dt.timedelta(days=value) if name.startswith("valid_") else value
        for name, value in terms.items()
    }


def _license(world, scopes: dict, lic: Lic) -> None:
    if lic.scope.startswith("globex "):
        _elsewhere(world, scopes[lic.scope.removeprefix("globex ")])
        return
    where = {"holder": {"rights_holder": scopes["holder"]}}.get(
        lic.scope, {"source": scopes.get(lic.scope)}
    )
    made = factories.license(world.acme, decision=lic.decision, **where, **_terms(lic.terms))
    if lic.then is None:
        return
    decision, terms = lic.then
    with tenant_context(world.acme):
        if terms:
            made = services.license_revise(actor=None, lic=made, changes=_terms(terms))
        if decision:
            made.refresh_from_db()
            services.license_review(
                actor=None, lic=made, decision=decision, version=made.latest.number, notes="Test."
            )


def _elsewhere(world, covered) -> None:
    """An approved license in force, valid, in globex, that names `covered` (an acme
    source or rights holder) by id: the tenant-scoped services refuse to write it, so it
    goes straight into the tables; only the tenant conditions keep it away."""
    column = "rights_holder_id" if isinstance(covered, RightsHolder) else "source_id"
    with platform_scope():
        lic = License.objects.unscoped().create(tenant=world.globex, **{column: covered.pk})
        version = LicenseVersion.objects.unscoped().create(
            tenant=world.globex,
            license=lic,
            number=1,
            origin="contract",
            spdx_id="LicenseRef-globex",
            status="approved",
            attribution="SENTINEL of another tenant",
        )
        License.objects.unscoped().filter(pk=lic.pk).update(latest=version, in_force=version)


def _scopes(world, name: str) -> dict:
    """A rights holder, its feed, and an episode of the feed from the holder."""
    holder = factories.rights_holder(world.acme, f"Holder of {name}")
    feed = factories.source(world.acme, f"Feed of {name}", kind="feed")
    episode = factories.source(world.acme, f"Episode of {name}", parent=feed, rights_holder=holder)
    return {"holder": holder, "feed": feed, "own": episode}


def _build(world, name: str) -> dict:
    scopes = _scopes(world, name)
    for lic in CASES[name][0]:
        _license(world, scopes, lic)
    return scopes


def _digest_of(world, source):
    digest = factories.digest(world.acme, title=f"Made from {source.title}")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[source])
    return digest


def _judged(item: dict) -> tuple[str, str]:
    return item["license_status"], item["attribution"]


def shown_everywhere(world, source, digest) -> dict[str, tuple[str, str]]:
    """(license_status, attribution) of `source`, the only source of `digest`, as each
    reader shows it."""
    viewer = world.client("viewer")
    listed = viewer.get(DIGESTS, {"page_size": 200}).json()["results"]
    detail = viewer.get(f"{DIGESTS}{digest.pk}/").json()
    own_endpoint = viewer.get(f"{DIGESTS}{digest.pk}/sources/").json()
    export = json.loads(body_bytes(viewer.get(f"{DIGESTS}export/", {"export_format": "json"})))
    registry = viewer.get(SOURCES, {"page_size": 200}).json()["results"]
    report = world.client("compliance").get(f"{REPORTS}sources/").json()
    rows = [dict(zip(report["columns"], row, strict=True)) for row in report["rows"]]
    row = next(r for r in rows if r["source_id"] == source.pk)

    def only_source(digest_data: dict) -> dict:
        (item,) = digest_data["sources"]
        assert item["id"] == source.pk
        return item

    (endpoint_item,) = own_endpoint
    return {
        "digest list": _judged(only_source(next(d for d in listed if d["id"] == digest.pk))),
        "digest detail": _judged(only_source(detail)),
        "digest sources endpoint": _judged(endpoint_item),
        "digest export": _judged(only_source(next(d for d in export if d["id"] == digest.pk))),
        "source registry list": _judged(next(s for s in registry if s["id"] == source.pk)),
        "source registry detail": _judged(viewer.get(f"{SOURCES}{source.pk}/").json()),
        "sources report": (row["status"], row["attribution"]),
    }


@pytest.mark.parametrize("name", list(CASES))
def test_every_reader_shows_the_status_and_attribution_of_each_license_state(world, name):
    scopes = _build(world, name)
    expected = CASES[name][1]
    shown = shown_everywhere(world, scopes["own"], _digest_of(world, scopes["own"]))
    assert shown == dict.fromkeys(shown, expected)

    # The report's status filter and its count agree with the row.
    report = world.client("compliance").get(f"{REPORTS}sources/", {"status": expected[0]})
    listed = {row[0] for row in report.json()["rows"]}
    assert scopes["own"].pk in listed
    assert report.json()["summary"][expected[0]] >= 1


def test_the_cases_reach_every_status_and_branch():
    """The table proves what it says only if it reaches every status."""
    statuses = {expected[0] for _, expected in CASES.values()}
    assert statuses == set(selectors.SOURCE_STATUSES)
    assert any("\n" in expected[1] for _, expected in CASES.values())


def test_all_states_judged_in_one_statement_keep_apart(world):
    """Every case's episode in one digest, one registry page and one report: judged in
    one statement each, no license reaches a source it does not cover."""
    episodes = {name: _build(world, name)["own"] for name in CASES}
    expected = {episodes[name].pk: judged for name, (_, judged) in CASES.items()}
    digest = factories.digest(world.acme, title="Made from everything")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=list(episodes.values()))
        alone = sources_of_digests([digest.pk])[digest.pk]
    viewer = world.client("viewer")
    detail = viewer.get(f"{DIGESTS}{digest.pk}/").json()["sources"]
    listed = next(d for d in viewer.get(DIGESTS).json()["results"] if d["id"] == digest.pk)[
        "sources"
    ]
    for found in (detail, listed, alone):
        assert [item["id"] for item in found] == sorted(expected)  # in source order
        assert {item["id"]: _judged(item) for item in found} == expected

    registry = viewer.get(SOURCES, {"page_size": 200}).json()["results"]
    assert {s["id"]: _judged(s) for s in registry if s["id"] in expected} == expected
    report = world.client("compliance").get(f"{REPORTS}sources/").json()
    rows = [dict(zip(report["columns"], row, strict=True)) for row in report["rows"]]
    assert {
        r["source_id"]: (r["status"], r["attribution"]) for r in rows if r["source_id"] in expected
    } == expected
    assert b"SENTINEL" not in viewer.get(f"{DIGESTS}{digest.pk}/").content


def test_every_source_judged_at_once_as_one_by_one(world):
    """The reports judge a tenant's sources in one grouped statement
    (`selectors.judged_sources`); a source's own reading asks a subquery for it
    (`with_license_status`). Both read the one verdict: every case, on days before,
    within and after the licenses' dates, comes out the same."""
    for name in CASES:
        _build(world, name)
    with tenant_context(world.acme):
        for offset in (-400, -1, 0, 1, 400):
            day = dt.date.today() + dt.timedelta(days=offset)
            alone = {
                s.pk: (s.rights_holder_id, s.license_status, s.attribution)
                for s in selectors.with_license_status(Source.objects.all(), day)
            }
            together = selectors.judged_sources(day)
            assert {pk: tuple(judged) for pk, judged in together.items()} == alone, offset
        assert {j.status for j in selectors.judged_sources().values()} == set(
            selectors.SOURCE_STATUSES
        )
