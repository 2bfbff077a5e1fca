"""The digest API by role: visibility, writes, transitions, restrictions, search, filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests.models import Digest
from tenants import rbac
from tenants.context import tenant_context
from tests import factories
from tests.conftest import SENTINEL

BASE = "/api/v1/tenants/acme/digests"

NEW_DIGEST = {
    "title": "Tidal Power - Is the Moon a Utility?",
    "publisher": "Ocean Shift",
    "published_on": "2025-04-02",
    "summary": "Two engineers weigh tidal lagoons against offshore wind.",
    "key_points": ["Tides are predictable decades ahead.", "Lagoons cost more per megawatt."],
    "sections": [
        {
            "number": 1,
            "emoji": "🌊",
            "title": "Predictability",
            "bullets": ["Output is known years ahead."],
            "subsections": [{"number": "1.1", "title": "Grid planning", "bullets": []}],
        }
    ],
    "topics": ["Energy", "energy", "Oceans"],
    "source": {"url": "https://ocean-shift.example/episodes/42"},
}


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [d["title"] for d in response.json()["results"]]


@pytest.fixture
def library(world):
    return {
        "published": factories.digest(world.acme, title="Published one"),
        "draft": factories.digest(world.acme, title="Draft one", status="draft"),
        "archived": factories.digest(world.acme, title="Archived one", status="archived"),
    }


def test_viewers_see_published_digests_only(world, library):
    client = world.client("viewer")
    assert titles(client.get(f"{BASE}/")) == ["Published one"]
    assert client.get(f"{BASE}/{library['draft'].pk}/").status_code == 404
    assert client.get(f"{BASE}/{library['archived'].pk}/").status_code == 404
    assert client.get(f"{BASE}/{library['published'].pk}/").status_code == 200


def test_editors_see_drafts_and_archived_too(world, library):
    client = world.client("editor")
    assert set(titles(client.get(f"{BASE}/"))) == {"Published one", "Draft one", "Archived one"}
    assert titles(client.get(f"{BASE}/", {"status": "draft"})) == ["Draft one"]


def test_detail_has_the_documented_shape(world):
    client = world.client("editor")
    created = client.post(f"{BASE}/", NEW_DIGEST, format="json")
    assert created.status_code == 201, created.content
    body = client.get(f"{BASE}/{created.json()['id']}/").json()
    for key in (
        "id",
        "slug",
        "title",
        "publisher",
        "published_on",
        "summary",
        "key_points",
        "sections",
        "topics",
        "status",
        "truncated",
        "source",
    ):
        assert key in body, key
    assert body["sections"][0]["emoji"] == "🌊"
    assert body["sections"][0]["subsections"] == [
        {"number": "1.1", "title": "Grid planning", "bullets": []}
    ]
    assert body["topics"] == ["energy", "oceans"]
    assert body["status"] == "draft"
    assert body["slug"] == "tidal-power-is-the-moon-a-utility-2025-04-02"
    assert body["source"] == {
        "publisher": "Ocean Shift",
        "title": "Tidal Power - Is the Moon a Utility?",
        "url": "https://ocean-shift.example/episodes/42",
    }


def test_status_tenant_and_authorship_cannot_be_mass_assigned(world):
    client = world.client("editor")
    body = {
        **NEW_DIGEST,
        "status": "published",
        "tenant": world.globex.pk,
        "created_by": 1,
        "restricted": True,
    }
    response = client.post(f"{BASE}/", body, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"status", "tenant", "created_by", "restricted"}
    with tenant_context(world.acme):
        assert not Digest.objects.filter(title=NEW_DIGEST["title"]).exists()


def test_invalid_sections_name_the_field(world):
    bad = {**NEW_DIGEST, "sections": [{"number": "one", "title": ""}]}
    response = world.client("editor").post(f"{BASE}/", bad, format="json")
    assert response.status_code == 400
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"sections.0.number", "sections.0.title"} <= fields


def test_publish_and_archive_transitions(world, library):
    client = world.client("editor")
    draft = library["draft"]
    published = client.post(f"{BASE}/{draft.pk}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    again = client.post(f"{BASE}/{draft.pk}/publish/")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert client.post(f"{BASE}/{draft.pk}/archive/").json()["status"] == "archived"
    assert world.client("viewer").get(f"{BASE}/{draft.pk}/").status_code == 404


def test_viewer_cannot_write(world, library):
    client = world.client("viewer")
    pk = library["published"].pk
    assert client.post(f"{BASE}/", NEW_DIGEST, format="json").status_code == 403
    assert client.patch(f"{BASE}/{pk}/", {"title": "x"}, format="json").status_code == 403
    assert client.post(f"{BASE}/{pk}/archive/").status_code == 403
    assert client.delete(f"{BASE}/{pk}/").status_code == 403


def test_editor_updates_fully_and_partially(world, library):
    client = world.client("editor")
    pk = library["published"].pk
    partial = client.patch(f"{BASE}/{pk}/", {"summary": "New summary."}, format="json")
    assert partial.status_code == 200
    assert partial.json()["summary"] == "New summary."
    assert partial.json()["title"] == "Published one"
    full = client.put(f"{BASE}/{pk}/", NEW_DIGEST, format="json")
    assert full.status_code == 200
    assert full.json()["title"] == NEW_DIGEST["title"]
    missing = client.put(f"{BASE}/{pk}/", {"title": "Only a title"}, format="json")
    assert missing.status_code == 400


def test_stale_etag_gets_412(world, library):
    client = world.client("editor")
    pk = library["published"].pk
    etag = client.get(f"{BASE}/{pk}/")["ETag"]
    first = client.patch(f"{BASE}/{pk}/", {"summary": "One"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    second = client.patch(f"{BASE}/{pk}/", {"summary": "Two"}, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    library["published"].refresh_from_db()
    assert library["published"].summary == "One"


def test_only_admins_delete(world, library):
    pk = library["published"].pk
    assert world.client("editor").delete(f"{BASE}/{pk}/").status_code == 403
    assert world.client("admin").delete(f"{BASE}/{pk}/").status_code == 204
    with tenant_context(world.acme):
        assert not Digest.objects.filter(pk=pk).exists()


# --- Restrictions ----------------------------------------------------------------------------


def test_a_restricted_digest_is_404_for_everyone_not_granted(world, library):
    pk = library["published"].pk
    admin = world.client("admin")
    response = admin.put(
        f"{BASE}/{pk}/access/",
        {"restricted": True, "members": ["viewer@acme.test"], "roles": ["compliance"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "restricted": True,
        "members": ["viewer@acme.test"],
        "roles": ["compliance"],
    }
    assert world.client("viewer").get(f"{BASE}/{pk}/").status_code == 200
    assert world.client("compliance").get(f"{BASE}/{pk}/").status_code == 200
    assert world.client("admin").get(f"{BASE}/{pk}/").status_code == 200  # manages access
    for role in ("editor", "auditor"):
        client = world.client(role)
        assert client.get(f"{BASE}/{pk}/").status_code == 404, role
        assert "Published one" not in titles(client.get(f"{BASE}/")), role
    # An API key of a granted role sees it; one of another role does not.
    key = factories.api_key(world.acme, rbac.COMPLIANCE).token
    other = factories.api_key(world.acme, rbac.VIEWER).token
    api = world.client("viewer")
    api.logout()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(f"{BASE}/{pk}/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert api.get(f"{BASE}/{pk}/").status_code == 404


def test_lifting_a_restriction_shows_the_digest_again(world, library):
    pk = library["published"].pk
    admin = world.client("admin")
    admin.put(f"{BASE}/{pk}/access/", {"restricted": True}, format="json")
    assert world.client("viewer").get(f"{BASE}/{pk}/").status_code == 404
    admin.put(f"{BASE}/{pk}/access/", {"restricted": False}, format="json")
    assert world.client("viewer").get(f"{BASE}/{pk}/").status_code == 200


def test_grants_name_members_and_roles_of_this_tenant_only(world, library):
    pk = library["published"].pk
    response = world.client("admin").put(
        f"{BASE}/{pk}/access/",
        {"restricted": True, "members": [world.globex_owner.email], "roles": ["sentinel-role"]},
        format="json",
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"members", "roles"}


def test_editors_cannot_change_access(world, library):
    pk = library["published"].pk
    response = world.client("editor").put(
        f"{BASE}/{pk}/access/", {"restricted": True}, format="json"
    )
    assert response.status_code == 403


# --- Filters and search ---------------------------------------------------------------------


def test_filters_by_publisher_topic_and_dates(world):
    factories.digest(
        world.acme,
        title="A",
        publisher="Ocean Shift",
        topics=["energy"],
        published_on=dt.date(2025, 1, 10),
    )
    factories.digest(
        world.acme,
        title="B",
        publisher="Ocean Shift",
        topics=["oceans"],
        published_on=dt.date(2025, 2, 10),
    )
    factories.digest(
        world.acme,
        title="C",
        publisher="Grid Talk",
        topics=["energy"],
        published_on=dt.date(2025, 3, 10),
    )
    client = world.client("viewer")
    assert titles(client.get(f"{BASE}/", {"publisher": "ocean shift"})) == ["B", "A"]
    assert titles(client.get(f"{BASE}/", {"topic": "Energy"})) == ["C", "A"]
    assert titles(client.get(f"{BASE}/", {"published_after": "2025-02-01"})) == ["C", "B"]
    assert titles(client.get(f"{BASE}/", {"published_before": "2025-02-01"})) == ["A"]
    assert titles(client.get(f"{BASE}/", {"ordering": "published_on"})) == ["A", "B", "C"]


def test_bad_filter_values_are_400_problems(world):
    response = world.client("viewer").get(f"{BASE}/", {"published_after": "yesterday"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "published_after"


def test_a_bad_ordering_is_a_400_even_when_searching(world):
    # Found by the contract test: with `q`, relevance orders the page and `ordering` was
    # not looked at, so any value passed.
    for params in ({"ordering": "title"}, {"ordering": "title", "q": "energy"}):
        response = world.client("viewer").get(f"{BASE}/", params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["field"] == "ordering"


def test_search_ranks_title_matches_above_body_matches(world):
    factories.digest(
        world.acme, title="Notes from the harbour", key_points=["Tidal turbines stall in silt."]
    )
    factories.digest(world.acme, title="Tidal turbines at scale", summary="Big machines.")
    factories.digest(world.acme, title="Unrelated", summary="Nothing here.")
    found = titles(world.client("viewer").get(f"{BASE}/", {"q": "tidal turbines"}))
    assert found == ["Tidal turbines at scale", "Notes from the harbour"]


def test_search_pages_follow_on_when_a_page_ends_on_a_rank(world):
    """The next page of a search starts after the last digest of this one. Its cursor
    holds that digest's rank; read as PostgreSQL's real, whose text is not its exact
    value, the rank compared below itself and the next page repeated this one."""
    for title in ("Bus maps of Lisbon", "Bus lanes"):
        factories.digest(world.acme, title=title)
    factories.digest(world.acme, title="Night trains", summary="A bus on Sundays.")
    viewer = world.client("viewer")
    pages = [viewer.get(f"{BASE}/", {"q": "bus", "page_size": 2}).json()]
    while pages[-1]["next"] and len(pages) < 5:
        pages.append(viewer.get(pages[-1]["next"]).json())
    assert [[d["title"] for d in page["results"]] for page in pages] == [
        ["Bus lanes", "Bus maps of Lisbon"],
        ["Night trains"],
    ]


def test_search_reaches_section_bullets_and_stems_words(world):
    factories.digest(
        world.acme,
        title="Kitchen science",
        sections=[
            {
                "number": 1,
                "emoji": "",
                "title": "Browning",
                "bullets": ["Caramelization needs higher temperatures."],
                "subsections": [],
            }
        ],
    )
    assert titles(world.client("viewer").get(f"{BASE}/", {"q": "caramelization"})) == [
        "Kitchen science"
    ]
    assert titles(world.client("viewer").get(f"{BASE}/", {"q": "temperature"})) == [
        "Kitchen science"
    ]


def test_search_respects_visibility(world, library):
    assert titles(world.client("viewer").get(f"{BASE}/", {"q": "draft"})) == []
    assert titles(world.client("editor").get(f"{BASE}/", {"q": "draft"})) == ["Draft one"]


def test_search_never_returns_another_tenants_digest(world):
    response = world.client("owner").get(f"{BASE}/", {"q": "globex"})
    assert titles(response) == []
    assert SENTINEL.encode() not in response.content


# --- Query counts ---------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"q": "digest"}, {"topic": "testing"}])
def test_list_queries_are_the_same_for_1_and_100_digests(world, params):
    client = world.client("viewer")
    factories.digest(world.acme, title="Digest 0")

    def count():
        # Warm the process-wide caches (content types, compiled policies) first: they are
        # filled once per process, not per request.
        client.get(f"{BASE}/", {**params, "page_size": 100})
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{BASE}/", {**params, "page_size": 100})
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    one, rows_one = count()
    for i in range(1, 100):
        factories.digest(world.acme, title=f"Digest {i}")
    hundred, rows_hundred = count()
    assert (rows_one, rows_hundred) == (1, 100)
    assert one == hundred


def test_detail_query_count_does_not_depend_on_size(world):
    small = factories.digest(world.acme, title="Small")
    big = factories.digest(
        world.acme,
        title="Big",
        sections=[
            {
                "number": n,
                "emoji": "",
                "title": f"S{n}",
                "bullets": ["b"] * 5,
                "subsections": [{"number": f"{n}.1", "title": "sub", "bullets": ["c"]}],
            }
            for n in range(1, 30)
        ],
    )
    client = world.client("viewer")
    counts = []
    client.get(f"{BASE}/{small.pk}/")  # warm the process-wide caches first
    for digest in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/{digest.pk}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Slugs: a clash names nothing, and never tells of a digest the caller cannot see --------


def _raw(response) -> bytes:
    """Every byte a client receives: the headers and the body."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return headers.encode() + b"\n\n" + response.content


def _restricted(world, **fields):
    """A digest nobody but those who manage access may see."""
    from digests import services

    made = factories.digest(world.acme, **fields)
    with tenant_context(world.acme):
        services.digest_set_access(actor=None, digest=made, restricted=True, members=[], roles=[])
    return made


def test_a_slug_clash_with_a_digest_the_caller_sees_is_a_409_naming_nothing(world):
    editor = world.client("editor")
    factories.digest(world.acme, title="Nightingale plan", slug="nightingale-plan")
    other = factories.digest(world.acme, title="Garden notes")

    created = editor.post(f"{BASE}/", {**NEW_DIGEST, "slug": "nightingale-plan"}, format="json")
    updated = editor.patch(f"{BASE}/{other.pk}/", {"slug": "nightingale-plan"}, format="json")

    for response in (created, updated):
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "slug_taken"
        assert b"nightingale" not in _raw(response).lower()
    with tenant_context(world.acme):
        assert Digest.objects.get(pk=other.pk).slug != "nightingale-plan"


def test_a_slug_held_only_by_a_digest_the_caller_cannot_see_is_not_refused(world):
    """A 409 would tell an editor that a restricted digest they cannot see holds the slug
    (and the slug is made from its title): the new digest gets a free slug instead."""
    hidden = _restricted(world, title=f"Merger {SENTINEL}", slug="merger-plan")
    editor = world.client("editor")
    assert editor.get(f"{BASE}/{hidden.pk}/").status_code == 404

    created = editor.post(f"{BASE}/", {**NEW_DIGEST, "slug": "merger-plan"}, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "merger-plan-2"
    assert SENTINEL.encode() not in _raw(created)

    other = factories.digest(world.acme, title="Garden notes")
    updated = editor.patch(f"{BASE}/{other.pk}/", {"slug": "merger-plan"}, format="json")

    assert updated.status_code == 200, updated.content
    assert updated.json()["slug"] == "merger-plan-3"
    with tenant_context(world.acme):
        assert Digest.objects.get(pk=hidden.pk).slug == "merger-plan"  # untouched
    # Whoever sees the restricted digest still gets the 409.
    admin = world.client("admin")
    refused = admin.post(f"{BASE}/", {**NEW_DIGEST, "slug": "merger-plan"}, format="json")
    assert refused.status_code == 409, refused.content
    assert SENTINEL.encode() not in _raw(refused)


def test_a_policy_hidden_digest_does_not_refuse_its_slug_either(world):
    factories.digest(world.acme, title="Crypto hour", slug="crypto-hour", topics=["crypto"])
    factories.policy(
        world.acme,
        slug="no-crypto",
        rules=[{"id": "c", "kind": "topic_block", "params": {"topics": ["crypto"]}}],
        publish=True,
    )
    created = world.client("editor").post(
        f"{BASE}/", {**NEW_DIGEST, "slug": "crypto-hour"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["slug"] == "crypto-hour-2"


def test_the_stand_in_slug_of_a_policy_cannot_be_chosen(world):
    """`digest-<id>` is what a digest shows in place of a slug a policy would change: as
    a chosen slug it would show two digests under one identifier."""
    response = world.client("editor").post(
        f"{BASE}/", {**NEW_DIGEST, "slug": "digest-12"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["slug"]
    fine = world.client("editor").post(
        f"{BASE}/", {**NEW_DIGEST, "slug": "digest-of-the-week"}, format="json"
    )
    assert fine.status_code == 201, fine.content
