"""What the one definition of a source's license status and attribution is asked with
(`licensing.selectors`): the day as a parameter, many digests and sources at once, the
tenant kept to, and a copy of each source for each digest. The license states
themselves are in tests/licensing/test_shown_sources.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import NotSupportedError, connection
from django.test.utils import CaptureQueriesContext

from licensing import selectors, services
from licensing.models import DigestSource, Source
from tenants.context import platform_scope, tenant_context
from tests import factories
from tests.endpoints import body_bytes
from tests.licensing import sources_of_digests


@pytest.fixture
def scopes(world):
    holder = factories.rights_holder(world.acme, "Edge Network")
    feed = factories.source(world.acme, "Edge Compute Radio", kind="feed", rights_holder=holder)
    episode = factories.source(world.acme, "Episode 12", rights_holder=holder, parent=feed)
    return {"holder": holder, "feed": feed, "own": episode}


def _link(world, digest, sources) -> None:
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=sources)


def test_the_day_is_a_parameter_of_every_reader(world, scopes):
    """A license ending today is live today and expired tomorrow; one starting tomorrow is
    waiting today and live tomorrow, whichever reader asks."""
    today = selectors.today()
    tomorrow = today + dt.timedelta(days=1)
    ending = factories.source(world.acme, "Ending today")
    factories.license(
        world.acme, source=ending, decision="approved", valid_until=today, attribution="Ends"
    )
    factories.license(world.acme, source=scopes["own"], decision="approved", valid_from=tomorrow)
    digest = factories.digest(world.acme)
    _link(world, digest, [ending, scopes["own"]])
    with tenant_context(world.acme):
        on = {
            day: {
                "digest": [
                    (s["id"], s["license_status"], s["attribution"])
                    for s in sources_of_digests([digest.pk], day)[digest.pk]
                ],
                "registry": list(
                    selectors.with_license_status(
                        Source.objects.filter(pk__in=[ending.pk, scopes["own"].pk]), day
                    )
                    .order_by("pk")
                    .values_list("pk", "license_status", "attribution")
                ),
            }
            for day in (today, tomorrow)
        }
    ordered = sorted([ending.pk, scopes["own"].pk])
    states = {
        today: {ending.pk: ("licensed", "Ends"), scopes["own"].pk: ("pending", "")},
        tomorrow: {ending.pk: ("expired", ""), scopes["own"].pk: ("licensed", "")},
    }
    for day, expected in states.items():
        wanted = [(pk, *expected[pk]) for pk in ordered]
        assert on[day] == {"digest": wanted, "registry": wanted}, day


def test_many_digests_in_one_query_each_read_as_alone(world, scopes):
    """Digests sharing a rights holder's license, a feed's license or a source, and one
    with none, read together in one query, each get their own sources."""
    factories.license(world.acme, rights_holder=scopes["holder"], decision="approved")
    factories.license(world.acme, source=scopes["feed"], decision="rejected")
    second = factories.source(world.acme, "Episode 13", rights_holder=scopes["holder"])
    lone = factories.source(world.acme, "Unlicensed episode")
    links = {
        "own and feed": [scopes["own"], scopes["feed"]],
        "own again": [scopes["own"]],
        "same holder": [second],
        "nothing licensed": [lone],
        "all": [scopes["own"], second, lone, scopes["feed"]],
        "no source": [],
    }
    made = {}
    for title, sources in links.items():
        made[title] = factories.digest(world.acme, title=title)
        _link(world, made[title], sources)
    status = {
        scopes["own"].pk: "licensed",  # the holder's license
        scopes["feed"].pk: "licensed",  # the holder's too: it beats the feed's rejection
        second.pk: "licensed",
        lone.pk: "unlicensed",
    }
    expected = {
        made[title].pk: sorted((s.pk, status[s.pk]) for s in sources)
        for title, sources in links.items()
    }
    ids = [d.pk for d in made.values()]
    with tenant_context(world.acme), CaptureQueriesContext(connection) as queries:
        together = sources_of_digests([*ids, 987654321])
    assert len(queries) == 1
    assert together.pop(987654321) == []  # asked for, not found: no sources
    assert {
        pk: [(s["id"], s["license_status"]) for s in found] for pk, found in together.items()
    } == expected

    listed = world.client("viewer").get("/api/v1/tenants/acme/digests/").json()["results"]
    by_id = {d["id"]: d["sources"] for d in listed}
    for title, digest in made.items():
        assert by_id[digest.pk] == together[digest.pk], title
    with tenant_context(world.acme):
        assert sources_of_digests([]) == {}


def test_a_digest_without_sources_reads_an_empty_list(world):
    digest = factories.digest(world.acme)
    _link(world, digest, [])
    body = world.client("viewer").get(f"/api/v1/tenants/acme/digests/{digest.pk}/").json()
    assert body["sources"] == []


def test_a_link_to_another_tenants_source_shows_nothing_of_it(world):
    """The tenant-scoped managers refuse such a link; if one reached the table anyway, the
    sources judged in the query still keep to the digest's tenant (the second wall beside
    row-level security, which a superuser connection would not have)."""
    digest = factories.digest(world.acme)
    own = factories.source(world.acme, "Our episode")
    theirs = factories.source(world.globex, "SENTINEL-globex-episode")
    factories.license(world.globex, source=theirs, decision="approved")
    _link(world, digest, [own])
    with platform_scope():
        DigestSource.objects.unscoped().create(tenant=world.acme, digest=digest, source=theirs)

    response = world.client("viewer").get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["sources"]] == [own.pk]
    assert b"SENTINEL" not in response.content
    with tenant_context(world.acme):
        assert [s["id"] for s in sources_of_digests([digest.pk])[digest.pk]] == [own.pk]


def test_a_judged_source_queryset_does_not_nest(world, scopes):
    """Its SQL names the sources table as a query of its own does: nested in another
    query, it would judge the outer query's rows, so it refuses."""
    with tenant_context(world.acme):
        judged = selectors.with_license_status(Source.objects.all())
        assert judged.get(pk=scopes["own"].pk).license_status == "unlicensed"
        with pytest.raises(NotSupportedError):
            list(Source.objects.filter(pk__in=judged.filter(license_status="licensed")))


def test_a_source_shared_by_digests_is_redacted_for_each_of_them(world, scopes):
    """Every digest gets its own copy of a shared source, on every read: a redaction in
    one digest's answer must not mask the text before the next digest's rules look at it
    (each must report its own finding), in the list, the changes feed and the export."""
    from tests.policies import publish, rule

    shared = factories.source(world.acme, "Call desk@example.org", rights_holder=None)
    made = [factories.digest(world.acme, title=f"Shared {n}") for n in range(3)]
    for digest in made:
        _link(world, digest, [shared])
    publish(world, rule("regex_redact", "emails", pattern=r"\S+@\S+"))
    ids = {d.pk for d in made}

    def check(rendered: list[dict]) -> None:
        mine = [d for d in rendered if d["id"] in ids]
        assert len(mine) == 3
        for data in mine:
            assert data["sources"][0]["title"] == "Call [redacted]"
            paths = [f["path"] for f in data["policy"]["findings"]]
            assert "sources[0].title" in paths

    viewer, owner = world.client("viewer"), world.client("owner")
    check(viewer.get("/api/v1/tenants/acme/digests/").json()["results"])
    changes = owner.get("/api/v1/tenants/acme/digests/changes/").json()["results"]
    check([c["digest"] for c in changes if c["digest"]])
    export = viewer.get("/api/v1/tenants/acme/digests/export/", {"export_format": "json"})
    check(json.loads(body_bytes(export)))


def test_coverage_answers_each_source_its_own_feeds_and_holders_licenses(world, scopes):
    """What the reports count and list per source: the licenses covering it by any of
    the three ways, in license order, each once; not another source's."""
    holder_wide = factories.license(world.acme, rights_holder=scopes["holder"])
    of_feed = factories.license(world.acme, source=scopes["feed"])
    own = factories.license(world.acme, source=scopes["own"])
    other = factories.source(world.acme, "Unrelated")
    factories.license(world.acme, source=other)
    alone = factories.source(world.acme, "Alone")
    with tenant_context(world.acme):
        sources = list(Source.objects.filter(pk__in=[scopes["own"].pk, alone.pk]))
        coverage = selectors.licenses_covering(sources)
    by_pk = {source.pk: source for source in sources}
    assert [lic.pk for lic in coverage.of(by_pk[scopes["own"].pk])] == sorted(
        [holder_wide.pk, of_feed.pk, own.pk]
    )
    assert coverage.of(by_pk[alone.pk]) == []
    assert sorted(lic.pk for lic in coverage.licenses) == sorted(
        [holder_wide.pk, of_feed.pk, own.pk]
    )
