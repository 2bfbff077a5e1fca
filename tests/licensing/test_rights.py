"""Effective rights: a prohibition beats a permission, nothing approved and current means
not permitted, and licenses reach a source through itself, its feed and its rights holder.
The SQL condition the license gate uses agrees with the answer the API gives."""

from __future__ import annotations

import datetime as dt

import pytest

from digests.models import Digest
from licensing import selectors, services
from licensing.models import DigestSource, Source
from tenants.context import tenant_context
from tests import factories
from tests.licensing import rights

TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture
def holder(world):
    return factories.rights_holder(world.acme, "Edge Network")


@pytest.fixture
def feed(world, holder):
    return factories.source(world.acme, "Edge Compute Radio", kind="feed", rights_holder=holder)


@pytest.fixture
def episode(world, holder, feed):
    return factories.source(world.acme, "Episode 12", rights_holder=holder, parent=feed)


# (licenses as (scope, permitted, prohibited, decision, dates)), expected for "summarize"
CASES = {
    "nothing": ([], "unknown"),
    "pending": ([("own", ["summarize"], [], None, {})], "unknown"),
    "rejected": ([("own", ["summarize"], [], "rejected", {})], "unknown"),
    "needs information": ([("own", ["summarize"], [], "needs_information", {})], "unknown"),
    "approved": ([("own", ["summarize"], [], "approved", {})], "permitted"),
    "with conditions": ([("own", ["summarize"], [], "approved_with_conditions", {})], "permitted"),
    "other use only": ([("own", ["display_internally"], [], "approved", {})], "unknown"),
    "expired": (
        [("own", ["summarize"], [], "approved", {"valid_until": YESTERDAY})],
        "unknown",
    ),
    "ends today": ([("own", ["summarize"], [], "approved", {"valid_until": TODAY})], "permitted"),
    "not yet valid": (
        [("own", ["summarize"], [], "approved", {"valid_from": TOMORROW})],
        "unknown",
    ),
    "through the feed": ([("feed", ["summarize"], [], "approved", {})], "permitted"),
    "through the holder": ([("holder", ["summarize"], [], "approved", {})], "permitted"),
    "prohibited": ([("own", [], ["summarize"], "approved", {})], "prohibited"),
    "prohibition beats permission": (
        [
            ("own", ["summarize"], [], "approved", {}),
            ("holder", [], ["summarize"], "approved", {}),
        ],
        "prohibited",
    ),
    "pending prohibition does not count": (
        [("own", ["summarize"], [], "approved", {}), ("holder", [], ["summarize"], None, {})],
        "permitted",
    ),
    "expired prohibition does not count": (
        [
            ("own", ["summarize"], [], "approved", {}),
            ("feed", [], ["summarize"], "approved", {"valid_until": YESTERDAY}),
        ],
        "permitted",
    ),
}


def _grant(world, scopes, plan):
    for scope, permitted, prohibited, decision, dates in plan:
        where = {"own": {"source": scopes["own"]}, "feed": {"source": scopes["feed"]}}.get(
            scope, {"rights_holder": scopes["holder"]}
        )
        factories.license(
            world.acme,
            permitted=permitted,
            prohibited=prohibited,
            decision=decision,
            **where,
            **dates,
        )


@pytest.mark.parametrize("case", list(CASES))
def test_effective_rights(world, holder, feed, episode, case):
    plan, expected = CASES[case]
    _grant(world, {"own": episode, "feed": feed, "holder": holder}, plan)
    answer = rights(world.client("viewer"), episode.pk, "summarize")["summarize"]
    assert answer["answer"] == expected
    assert answer["contradicted"] is (case == "prohibition beats permission")

    # The license gate's SQL condition says the same for a digest made from this source,
    # and so does the reports' condition on its link (the terms read once, as ids).
    digest = factories.digest(world.acme, title=f"About {case}")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[episode])
        gated = Digest.objects.filter(selectors.digest_permitted("summarize"), pk=digest.pk)
        assert gated.exists() is (expected == "permitted")
        link = DigestSource.objects.filter(digest=digest, source=episode)
        assert link.filter(selectors.permitted_links("summarize")).exists() is (
            expected == "permitted"
        )


def test_a_digest_passes_the_gate_only_when_every_source_is_permitted(world, holder, feed, episode):
    other = factories.source(world.acme, "A second episode")
    factories.license(world.acme, source=episode, decision="approved")
    digest = factories.digest(world.acme)
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[])
        permitted = Digest.objects.filter(selectors.digest_permitted("summarize"), pk=digest.pk)
        assert not permitted.exists()  # no source at all: nothing vouches for it
        services.digest_sources_set(actor=None, digest=digest, sources=[episode, other])
        assert not permitted.exists()
        services.digest_sources_set(actor=None, digest=digest, sources=[episode])
        assert permitted.exists()


def test_rights_answer_every_use_when_none_is_named(world, episode):
    factories.license(
        world.acme,
        source=episode,
        permitted=["summarize"],
        prohibited=["train_models"],
        decision="approved",
    )
    response = world.client("viewer").get(
        f"/api/v1/tenants/acme/licensing/sources/{episode.pk}/rights/"
    )
    body = response.json()
    answers = {r["use"]: r["answer"] for r in body["rights"]}
    assert answers == {
        "summarize": "permitted",
        "display_internally": "unknown",
        "distribute_internally": "unknown",
        "redistribute_externally": "unknown",
        "quote_excerpts": "unknown",
        "train_models": "prohibited",
    }
    bad = world.client("viewer").get(
        f"/api/v1/tenants/acme/licensing/sources/{episode.pk}/rights/?use=resell"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "use"


def test_a_source_shows_its_status_and_the_attribution_in_force(world, episode):
    viewer = world.client("viewer")
    url = f"/api/v1/tenants/acme/licensing/sources/{episode.pk}/"
    assert viewer.get(url).json()["license_status"] == "unlicensed"
    lic = factories.license(world.acme, source=episode, attribution="Courtesy of Edge")
    assert viewer.get(url).json()["license_status"] == "pending"
    with tenant_context(world.acme):
        services.license_review(actor=None, lic=lic, decision="approved", version=1)
    body = viewer.get(url).json()
    assert (body["license_status"], body["attribution"]) == ("licensed", "Courtesy of Edge")


def test_license_gate_policy_shows_a_digest_once_its_source_is_licensed(world, episode):
    digest = factories.digest(world.acme, title="Gated digest")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[episode])
    factories.policy(
        world.acme,
        name="Licensed only",
        rules=[{"id": "licensed", "kind": "license_gate", "params": {"use": "display_internally"}}],
        publish=True,
    )
    viewer = world.client("viewer")

    def listed() -> set[int]:
        page = viewer.get("/api/v1/tenants/acme/digests/").json()["results"]
        return {d["id"] for d in page}

    assert digest.pk not in listed()
    gated = viewer.get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
    assert gated.status_code == 451
    assert gated.json()["code"] == "license_unavailable"

    lic = factories.license(world.acme, source=episode, permitted=["display_internally"])
    assert digest.pk not in listed()  # proposed is not approved
    with tenant_context(world.acme):
        services.license_review(actor=None, lic=lic, decision="approved", version=1)
    assert digest.pk in listed()
    shown = viewer.get(f"/api/v1/tenants/acme/digests/{digest.pk}/").json()
    assert [(s["id"], s["license_status"]) for s in shown["sources"]] == [(episode.pk, "licensed")]


def test_the_gate_follows_the_calendar(world, episode):
    """An expiry needs no job: the condition compares dates at query time."""
    factories.license(
        world.acme, source=episode, decision="approved", valid_until=TODAY.isoformat()
    )
    digest = factories.digest(world.acme)
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[episode])
        today = Digest.objects.filter(selectors.digest_permitted("summarize", TODAY))
        tomorrow = Digest.objects.filter(selectors.digest_permitted("summarize", TOMORROW))
        assert today.filter(pk=digest.pk).exists()
        assert not tomorrow.filter(pk=digest.pk).exists()


def test_a_source_cannot_become_its_own_ancestor(world, feed, episode):
    response = world.client("editor").patch(
        f"/api/v1/tenants/acme/licensing/sources/{feed.pk}/", {"parent": episode.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "source_cycle"
    with tenant_context(world.acme):
        assert Source.objects.get(pk=feed.pk).parent_id is None


def test_a_holder_wide_license_reaches_only_that_holders_sources(world, holder, episode):
    other_holder = factories.rights_holder(world.acme, "Another Network")
    theirs = factories.source(world.acme, "Their episode", rights_holder=other_holder)
    orphan = factories.source(world.acme, "An episode with no holder")
    factories.license(world.acme, rights_holder=holder, decision="approved")
    viewer = world.client("viewer")
    status = {
        s["id"]: s["license_status"]
        for s in viewer.get("/api/v1/tenants/acme/licensing/sources/").json()["results"]
    }
    assert status[episode.pk] == "licensed"
    assert status[theirs.pk] == "unlicensed"
    assert status[orphan.pk] == "unlicensed"
    assert rights(viewer, orphan.pk, "summarize")["summarize"]["answer"] == "unknown"
