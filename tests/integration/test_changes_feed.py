"""`GET digests/changes?since=`: incremental sync with tombstones, policies and
permissions applied, no change skipped or repeated across pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests import services as digest_services
from tenants.context import tenant_context
from tests import factories
from tests.conftest import SENTINEL
from tests.policies import publish, rule

FEED = "/api/v1/tenants/acme/digests/changes"


def read_all(client, since: int = 0, page_size: int = 3) -> tuple[list[dict], int]:
    """Page through the feed until it says nothing more follows."""
    items: list[dict] = []
    while True:
        response = client.get(FEED, {"since": since, "page_size": page_size})
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= page_size
        items += body["results"]
        assert body["cursor"] >= since
        since = body["cursor"]
        if not body["has_more"]:
            return items, since


def test_pages_list_every_change_once_in_order_with_tombstones(world):
    owner = world.client("owner")
    made = [factories.digest(world.acme, title=f"Digest {i}") for i in range(7)]
    items, cursor = read_all(owner)
    assert [i["id"] for i in items] == [d.pk for d in made]
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(set(seqs))
    assert all(i["deleted_at"] is None and i["digest"]["title"] for i in items)
    assert items[0]["digest"]["sections"]  # whole digests, as the detail shows them

    # Nothing new: an empty page and the same cursor.
    assert owner.get(FEED, {"since": cursor}).json() == {
        "cursor": cursor,
        "has_more": False,
        "results": [],
    }

    owner.patch(f"/api/v1/tenants/acme/digests/{made[2].pk}/", {"title": "Renamed"}, format="json")
    owner.delete(f"/api/v1/tenants/acme/digests/{made[4].pk}/")
    fresh = factories.digest(world.acme, title="Fresh")
    changes, cursor2 = read_all(owner, since=cursor)
    assert [c["id"] for c in changes] == [made[2].pk, made[4].pk, fresh.pk]
    assert changes[0]["digest"]["title"] == "Renamed"
    assert changes[1]["digest"] is None and changes[1]["deleted_at"]  # the tombstone
    assert cursor2 > cursor

    # From the start, a digest appears once, at its latest change; deleted ones as tombstones.
    everything, _ = read_all(owner, page_size=200)
    ids = [i["id"] for i in everything]
    assert len(ids) == len(set(ids)) == 8
    assert [i["id"] for i in everything if i["digest"] is None] == [made[4].pk]


def test_a_digest_that_becomes_hidden_for_the_caller_appears_removed(world):
    viewer = world.client("viewer")
    energy = factories.digest(world.acme, title="Energy", topics=["energy"])
    garden = factories.digest(world.acme, title="Garden", topics=["garden"])
    draft = factories.digest(world.acme, title="Draft", status="draft")
    items, cursor = read_all(viewer)
    by_id = {i["id"]: i for i in items}
    assert by_id[energy.pk]["digest"]["title"] == "Energy"
    # A draft does not exist for a viewer: removed, never its content.
    assert by_id[draft.pk]["digest"] is None and by_id[draft.pk]["deleted_at"]

    # A policy hiding a topic: every digest moves in the feed; the hidden one as removed.
    publish(world, rule("topic_block", topics=["energy"]))
    changes, _ = read_all(viewer, since=cursor)
    by_id = {c["id"]: c for c in changes}
    assert by_id[energy.pk]["digest"] is None and by_id[energy.pk]["deleted_at"]
    assert by_id[garden.pk]["digest"]["title"] == "Garden"
    assert by_id[garden.pk]["digest"]["policy"]["version"] == "content@1"
    # The owner is in the same audience ("everyone"): hidden for them too.
    owner_view = {c["id"]: c for c in read_all(world.client("owner"), since=cursor)[0]}
    assert owner_view[energy.pk]["digest"] is None
    assert owner_view[draft.pk]["digest"]["title"] == "Draft"


def test_restricting_a_digest_removes_it_from_the_feed_of_those_without_access(world):
    digest = factories.digest(world.acme, title="Board minutes")
    viewer = world.client("viewer")
    _, cursor = read_all(viewer)
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=digest, restricted=True, members=[], roles=[]
        )
    [change] = read_all(viewer, since=cursor)[0]
    assert (change["id"], change["digest"]) == (digest.pk, None)
    [change] = read_all(world.client("admin"), since=cursor)[0]
    assert change["digest"]["restricted"] is True


def test_redaction_applies_in_the_feed(world):
    factories.digest(world.acme, title="Call 555-1234 now", summary="Number 555-1234.")
    publish(world, rule("regex_redact", pattern=r"\d{3}-\d{4}"))
    [item] = read_all(world.client("viewer"))[0]
    assert "555-1234" not in str(item)
    assert item["digest"]["policy"]["findings"]


def test_another_tenants_changes_never_appear(world):
    factories.digest(world.acme, title="Ours")
    items, _ = read_all(world.client("owner"), page_size=200)
    assert SENTINEL not in str(items)
    assert [i["digest"]["title"] for i in items] == ["Ours"]


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "9" * 30])
def test_a_bad_cursor_is_a_400_problem(world, value):
    response = world.client("viewer").get(FEED, {"since": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "since"


def test_feed_queries_do_not_grow_with_the_page(world):
    owner = world.client("owner")
    factories.digest(world.acme, title="One")
    owner.get(FEED)  # warm process caches

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            body = owner.get(FEED, params).json()
        return len(queries), len(body["results"])

    small = count()
    for i in range(30):
        factories.digest(world.acme, title=f"More {i}")
    with tenant_context(world.acme):
        doomed = factories.digest(world.acme, title="Gone")
        digest_services.digest_delete(actor=None, digest=doomed)
    full = count(page_size=200)
    assert full[1] == 32 > small[1]
    assert full[0] == small[0]
