"""Digest reads on PostgreSQL judge their sources' licenses inside the digest query
(`licensing.selectors.SHOWN_SOURCES_SQL`). What they show must be exactly what the
two-query reader (`sources_of_digests`) says, license state by license state."""

from __future__ import annotations

import json

import pytest

from licensing import selectors, services
from tenants.context import tenant_context
from tests import factories
from tests.endpoints import body_bytes
from tests.licensing.test_rights import CASES, _grant


@pytest.fixture
def scopes(world):
    holder = factories.rights_holder(world.acme, "Edge Network")
    feed = factories.source(world.acme, "Edge Compute Radio", kind="feed", rights_holder=holder)
    episode = factories.source(world.acme, "Episode 12", rights_holder=holder, parent=feed)
    return {"holder": holder, "feed": feed, "own": episode}


@pytest.mark.parametrize("case", list(CASES))
def test_the_query_carried_facts_match_the_two_query_reader(world, scopes, case):
    plan, _ = CASES[case]
    _grant(world, scopes, plan)
    unlicensed = factories.source(world.acme, "Someone else's episode")
    digest = factories.digest(world.acme, title=f"About {case}")
    with tenant_context(world.acme):
        services.digest_sources_set(
            actor=None, digest=digest, sources=[scopes["own"], unlicensed, scopes["feed"]]
        )
        expected = selectors.sources_of_digests([digest.pk])[digest.pk]
    assert len(expected) == 3

    viewer = world.client("viewer")
    detail = viewer.get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
    assert detail.status_code == 200
    assert detail.json()["sources"] == expected
    listed = viewer.get("/api/v1/tenants/acme/digests/").json()["results"]
    assert next(d for d in listed if d["id"] == digest.pk)["sources"] == expected


def test_a_digest_without_sources_reads_an_empty_list(world):
    digest = factories.digest(world.acme)
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[])
    body = world.client("viewer").get(f"/api/v1/tenants/acme/digests/{digest.pk}/").json()
    assert body["sources"] == []


def test_a_link_to_another_tenants_source_shows_nothing_of_it(world):
    """The tenant-scoped managers refuse such a link; if one reached the table anyway, the
    sources judged in the query still keep to the digest's tenant (the second wall beside
    row-level security, which a superuser connection would not have)."""
    from licensing.models import DigestSource
    from tenants.context import platform_scope

    digest = factories.digest(world.acme)
    own = factories.source(world.acme, "Our episode")
    theirs = factories.source(world.globex, "SENTINEL-globex-episode")
    factories.license(world.globex, source=theirs, decision="approved")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[own])
    with platform_scope():
        DigestSource.objects.unscoped().create(tenant=world.acme, digest=digest, source=theirs)

    response = world.client("viewer").get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["sources"]] == [own.pk]
    assert b"SENTINEL" not in response.content


def test_a_page_sharing_licenses_reads_as_the_two_query_reader(world, scopes):
    """Digests of one page sharing a rights holder's license, a feed's license or a
    source, and one with none, each read what the two-query reader says of it alone."""
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
    }
    made = {}
    for title, sources in links.items():
        made[title] = factories.digest(world.acme, title=title)
        with tenant_context(world.acme):
            services.digest_sources_set(actor=None, digest=made[title], sources=sources)
    with tenant_context(world.acme):
        expected = selectors.sources_of_digests([d.pk for d in made.values()])
    assert {s["license_status"] for found in expected.values() for s in found} == {
        "licensed",
        "unlicensed",
    }

    listed = world.client("viewer").get("/api/v1/tenants/acme/digests/").json()["results"]
    by_id = {d["id"]: d["sources"] for d in listed}
    for title, digest in made.items():
        assert by_id[digest.pk] == expected[digest.pk], title


def test_a_source_shared_by_digests_is_redacted_for_each_of_them(world, scopes):
    """Every digest gets its own copy of a shared source, on every read: a redaction in
    one digest's answer must not mask the text before the next digest's rules look at it
    (each must report its own finding), in the list, the changes feed and the export."""
    from tests.policies import publish, rule

    shared = factories.source(world.acme, "Call desk@example.org", rights_holder=None)
    made = [factories.digest(world.acme, title=f"Shared {n}") for n in range(3)]
    for digest in made:
        with tenant_context(world.acme):
            services.digest_sources_set(actor=None, digest=digest, sources=[shared])
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
    changes = owner.get("/api/v1/tenants/acme/digests/changes").json()["results"]
    check([c["digest"] for c in changes if c["digest"]])
    export = viewer.get("/api/v1/tenants/acme/digests/export", {"export_format": "json"})
    check(json.loads(body_bytes(export)))
