"""Compliance reports: what each says, their CSV exports, the digests a caller may not
see staying out of them, and a fixed number of queries whatever the tenant's size."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.models import Digest
from licensing import selectors, services
from licensing.uses import USE_NAMES
from tenants.context import tenant_context
from tests import factories
from tests.endpoints import body_bytes
from tests.licensing import REPORTS

TODAY = dt.date.today()


def _link(world, digest, *sources):
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=list(sources))


@pytest.fixture
def library(world):
    """Sources in every state, and digests relying on them."""
    holder = factories.rights_holder(world.acme, "Edge Network")
    s = {
        "licensed": factories.source(world.acme, "Licensed one", rights_holder=holder),
        "pending": factories.source(world.acme, "Pending one", rights_holder=holder),
        "expired": factories.source(world.acme, "Expired one"),
        "rejected": factories.source(world.acme, "Rejected one"),
        "unlicensed": factories.source(world.acme, "=cmd|' /C calc'!A0"),
        "prohibited": factories.source(world.acme, "Prohibited one"),
    }
    factories.license(
        world.acme,
        source=s["licensed"],
        decision="approved",
        valid_until=(TODAY + dt.timedelta(days=10)).isoformat(),
        attribution="Courtesy of Edge",
    )
    factories.license(world.acme, source=s["pending"])
    factories.license(
        world.acme, source=s["expired"], decision="approved", valid_until="2024-12-31"
    )
    factories.license(world.acme, source=s["rejected"], decision="rejected")
    factories.license(
        world.acme,
        source=s["prohibited"],
        permitted=[],
        prohibited=["display_internally"],
        decision="approved",
    )
    s["other_uses"] = factories.source(world.acme, "Licensed for other uses")
    factories.license(
        world.acme, source=s["other_uses"], permitted=["summarize"], decision="approved"
    )
    d = {name: factories.digest(world.acme, title=f"Relies on {name}") for name in s}
    for name, digest in d.items():
        _link(world, digest, s[name])
    d["none"] = factories.digest(world.acme, title="Relies on nothing")
    _link(world, d["none"])
    return s, d


def report(client, name, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"{REPORTS}{name}/?{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    return {**body, "rows": [dict(zip(body["columns"], row, strict=True)) for row in body["rows"]]}


def test_sources_by_status(world, library):
    sources, _ = library
    body = report(world.client("compliance"), "sources")
    status = {row["source_id"]: row["status"] for row in body["rows"]}
    for name in ("licensed", "pending", "expired", "rejected", "unlicensed"):
        assert status[sources[name].pk] == name
    assert status[sources["prohibited"].pk] == "licensed"  # reviewed; rights say no
    assert body["summary"]["expired"] == 1
    only = report(world.client("compliance"), "sources", status="pending")
    assert {row["source_id"] for row in only["rows"]} == {sources["pending"].pk}


def test_licenses_expiring_within_a_window(world, library):
    soon = report(world.client("compliance"), "expiring", days=30)
    assert [(row["source"], row["days_left"]) for row in soon["rows"]] == [("Licensed one", 10)]
    assert report(world.client("compliance"), "expiring", days=5)["rows"] == []
    bad = world.client("compliance").get(f"{REPORTS}expiring/?days=many")
    assert bad.status_code == 400


def test_digests_at_risk_say_why(world, library):
    _, digests = library
    body = report(world.client("compliance"), "digests-at-risk", use="display_internally")
    reasons = {row["digest_id"]: row["reason"] for row in body["rows"]}
    assert reasons == {
        digests["pending"].pk: "pending",
        digests["expired"].pk: "expired",
        digests["rejected"].pk: "rejected",
        digests["unlicensed"].pk: "unlicensed",
        digests["prohibited"].pk: "prohibited",
        digests["other_uses"].pk: "not_granted",
        digests["none"].pk: "no_source",
    }
    assert digests["licensed"].pk not in reasons
    assert "licensed" not in body["summary"]["reasons"]


def test_digests_at_risk_are_those_the_license_gate_refuses(world, library):
    """The report reads the day's terms once (selectors.permitted_links); the license
    gate asks every link's own terms (selectors.digest_permitted): for every use, the
    report lists exactly the digests the gate refuses."""
    sources, _ = library
    factories.license(
        world.acme,
        rights_holder=sources["licensed"].rights_holder,
        permitted=["summarize"],
        prohibited=["quote_excerpts"],
        decision="approved",
    )
    with tenant_context(world.acme):
        every = set(Digest.objects.values_list("pk", flat=True))
    for use in USE_NAMES:
        body = report(world.client("compliance"), "digests-at-risk", use=use)
        with tenant_context(world.acme):
            passing = Digest.objects.filter(selectors.digest_permitted(use))
            refused = every - set(passing.values_list("pk", flat=True))
        assert {row["digest_id"] for row in body["rows"]} == refused, use
        assert body["summary"]["digests"] == len(refused)


def test_publishers_summary(world, library):
    body = report(world.client("compliance"), "publishers")
    edge = next(row for row in body["rows"] if row["rights_holder"] == "Edge Network")
    assert (edge["sources"], edge["licensed"], edge["pending"], edge["digests"]) == (2, 1, 1, 2)
    # The summary adds up every holder's sources: the sources report's own counts.
    by_status = report(world.client("compliance"), "sources")["summary"]
    assert body["summary"]["sources"] == by_status
    assert sum(by_status.values()) == sum(row["sources"] for row in body["rows"])


def test_bill_of_sources_for_one_digest_and_for_the_tenant(world, library):
    sources, digests = library
    client = world.client("compliance")
    one = report(client, "bill-of-sources", digest=digests["licensed"].pk)
    assert [(r["source_id"], r["license_status"], r["attribution"]) for r in one["rows"]] == [
        (sources["licensed"].pk, "approved", "Courtesy of Edge")
    ]
    everything = report(client, "bill-of-sources")
    assert {r["digest_id"] for r in everything["rows"]} >= {d.pk for d in digests.values()}
    assert client.get(f"{REPORTS}bill-of-sources/?digest=987654").status_code == 404


def test_csv_exports_are_spreadsheet_safe(world, library):
    response = world.client("compliance").get(f"{REPORTS}sources/?export_format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(body_bytes(response).decode())))
    assert rows[0][:3] == ["source_id", "kind", "title"]
    titles = [row[2] for row in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in titles  # a formula is defused, not executed
    bad = world.client("compliance").get(f"{REPORTS}sources/?export_format=xlsx")
    assert bad.status_code == 400


def test_reports_never_show_a_digest_the_caller_may_not_see(world, library):
    secret = factories.digest(world.acme, title="Board-only digest")
    _link(world, secret)
    with tenant_context(world.acme):
        from digests.services import digest_set_access

        digest_set_access(actor=None, digest=secret, restricted=True, members=[], roles=[])
    body = report(world.client("auditor"), "digests-at-risk")
    assert secret.pk not in {row["digest_id"] for row in body["rows"]}
    assert "Board-only" not in str(report(world.client("auditor"), "bill-of-sources"))


@pytest.mark.parametrize(
    "name", ["sources", "expiring", "digests-at-risk", "publishers", "bill-of-sources"]
)
def test_report_queries_do_not_grow_with_the_tenant(world, name):
    client = world.client("compliance")
    url = f"{REPORTS}{name}/?days=3650"

    def grow(n, start):
        holder = factories.rights_holder(world.acme, f"Holder {start}")
        for i in range(start, start + n):
            source = factories.source(world.acme, f"Source {i}", rights_holder=holder)
            factories.license(
                world.acme,
                source=source,
                decision="approved" if i % 2 else None,
                valid_until=(TODAY + dt.timedelta(days=30)).isoformat(),
            )
            _link(world, factories.digest(world.acme, title=f"Digest {i}"), source)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.json()["rows"])

    grow(2, 0)  # one license approved, one pending: a row of each report
    small, small_rows = count()
    grow(20, 2)
    large, large_rows = count()
    assert large_rows > small_rows or name == "publishers"
    assert large == small, f"{name}: {small} vs {large} queries"
