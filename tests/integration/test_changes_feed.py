"""`GET digests/changes/?since=`: incremental sync with tombstones, policies and
permissions applied, no change skipped or repeated across pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from digests import services as digest_services
from tenants.context import tenant_context
from tenants.models import Membership
from tests import factories
from tests.conftest import SENTINEL
from tests.policies import bearer, publish, rule

FEED = "/api/v1/tenants/acme/digests/changes/"


def seq(cursor: str) -> int:
    return int(cursor.split("-")[0])


def read_all(client, since: str = "0", page_size: int = 3) -> tuple[list[dict], str]:
    """Page through the feed until it says nothing more follows."""
    items: list[dict] = []
    while True:
        response = client.get(FEED, {"since": since, "page_size": page_size})
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["results"]) <= page_size
        items += body["results"]
        assert body["reset"] is False
        assert seq(body["cursor"]) >= seq(since)
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
        "reset": False,
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
    assert seq(cursor2) > seq(cursor)

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
    owner = world.client("owner")
    items, cursor = read_all(viewer)
    _, owner_cursor = read_all(owner)
    by_id = {i["id"]: i for i in items}
    assert by_id[energy.pk]["digest"]["title"] == "Energy"
    # A draft does not exist for a viewer: not even a tombstone.
    assert draft.pk not in by_id

    # A policy hiding a topic: every digest moves in the feed; the hidden one as removed.
    publish(world, rule("topic_block", topics=["energy"]))
    changes, _ = read_all(viewer, since=cursor)
    by_id = {c["id"]: c for c in changes}
    assert by_id[energy.pk]["digest"] is None and by_id[energy.pk]["deleted_at"]
    assert by_id[garden.pk]["digest"]["title"] == "Garden"
    assert by_id[garden.pk]["digest"]["policy"]["version"] == "content@1"
    # The owner is in the same audience ("everyone"): hidden for them too.
    owner_view = {c["id"]: c for c in read_all(owner, since=owner_cursor)[0]}
    assert owner_view[energy.pk]["digest"] is None
    assert owner_view[draft.pk]["digest"]["title"] == "Draft"


def test_restricting_a_digest_removes_it_from_the_feed_of_those_without_access(world):
    digest = factories.digest(world.acme, title="Board minutes")
    viewer, admin = world.client("viewer"), world.client("admin")
    _, cursor = read_all(viewer)
    _, admin_cursor = read_all(admin)
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=digest, restricted=True, members=[], roles=[]
        )
    [change] = read_all(viewer, since=cursor)[0]
    assert (change["id"], change["digest"]) == (digest.pk, None)
    [change] = read_all(admin, since=admin_cursor)[0]
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


@pytest.mark.parametrize(
    "value", ["", "-1", "abc", "1.5", "12", "5-zzzzzzzzzz", "9" * 30 + "-0123456789"]
)
def test_a_bad_cursor_is_a_400_problem(world, value):
    response = world.client("viewer").get(FEED, {"since": value})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "since"


@pytest.mark.parametrize("value", ["", "0", "x"])
def test_a_bad_page_size_is_a_400_problem(world, value):
    response = world.client("viewer").get(FEED, {"page_size": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


def test_feed_queries_do_not_grow_with_the_page(world):
    owner = world.client("owner")
    factories.digest(world.acme, title="One")
    early = factories.digest(world.acme, title="Gone early")
    owner.get(FEED)  # warm process caches; both given to the owner
    with tenant_context(world.acme):
        digest_services.digest_delete(actor=None, digest=early)

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            body = owner.get(FEED, params).json()
        return len(queries), len(body["results"])

    small = count()
    for i in range(30):
        factories.digest(world.acme, title=f"More {i}")
    with tenant_context(world.acme):
        doomed = factories.digest(world.acme, title="Gone")
    owner.get(FEED, {"page_size": 200})  # given to the owner: a tombstone once deleted
    with tenant_context(world.acme):
        digest_services.digest_delete(actor=None, digest=doomed)
    full = count(page_size=200)
    assert full[1] == 33 > small[1] == 2  # tombstones in both
    assert full[0] == small[0]


def test_after_a_role_change_the_old_cursor_restarts_the_feed_with_tombstones(world):
    """What a caller may see changed without any digest changing: their cursor no longer
    matches, so the feed starts over and converges their copy (drafts now removed)."""
    draft = factories.digest(world.acme, title="A draft", status="draft")
    published = factories.digest(world.acme, title="Out")
    editor = world.client("editor")
    items, cursor = read_all(editor)
    assert {i["id"] for i in items if i["digest"]} == {draft.pk, published.pk}
    with tenant_context(world.acme):
        membership = Membership.objects.get(user=world.members["editor"])
    response = world.client("owner").patch(
        f"/api/v1/tenants/acme/members/{membership.pk}/", {"role": "viewer"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = editor.get(FEED, {"since": cursor, "page_size": 200}).json()
    assert body["reset"] is True
    by_id = {c["id"]: c for c in body["results"]}
    assert by_id[draft.pk]["digest"] is None and by_id[draft.pk]["deleted_at"]
    assert by_id[published.pk]["digest"]["title"] == "Out"
    # The new cursor is the new view's: no reset next time.
    assert editor.get(FEED, {"since": body["cursor"]}).json()["reset"] is False


def test_a_cursor_is_the_callers_own(world):
    factories.digest(world.acme, title="Shared")
    _, cursor = read_all(world.client("viewer"))
    assert world.client("auditor").get(FEED, {"since": cursor}).json()["reset"] is True


# --- Tombstones only for what the feed gave -------------------------------------------------


def _ids(items: list[dict]) -> set[int]:
    return {i["id"] for i in items}


def test_a_digest_never_visible_to_the_caller_never_appears_not_even_as_a_tombstone(world):
    """Drafts, restricted digests and policy-hidden ones, edited and deleted: a viewer
    learns neither their ids nor that they changed."""
    shown = factories.digest(world.acme, title="Public")
    draft = factories.digest(world.acme, title="Draft", status="draft")
    restricted = factories.digest(world.acme, title="Board", status="draft")
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=restricted, restricted=True, members=[], roles=[]
        )
        digest_services.digest_transition(actor=None, digest=restricted, to="published")
    blocked = factories.digest(world.acme, title="Blocked", topics=["secret"])
    publish(world, rule("topic_block", topics=["secret"]))
    viewer, editor = world.client("viewer"), world.client("editor")
    items, cursor = read_all(viewer)
    assert _ids(items) == {shown.pk}
    # An editor sees drafts, but not a restricted digest without a grant.
    items, editor_cursor = read_all(editor)
    assert _ids(items) == {shown.pk, draft.pk}

    with tenant_context(world.acme):
        for digest in (draft, restricted, blocked):
            digest_services.digest_update(actor=None, digest=digest, data={"summary": "Edited"})
        digest_services.digest_delete(actor=None, digest=draft)
        digest_services.digest_delete(actor=None, digest=restricted)
    later, _ = read_all(viewer, since=cursor)
    assert later == []
    again, _ = read_all(viewer)  # from the start, too
    assert _ids(again) == {shown.pk}
    # The editor is told the draft it had is gone, and nothing of the restricted one.
    later = read_all(editor, since=editor_cursor)[0]
    assert [(i["id"], i["digest"]) for i in later] == [(draft.pk, None)]


def test_a_digest_the_caller_was_given_comes_back_as_a_tombstone_when_gone(world):
    kept = factories.digest(world.acme, title="Kept")
    unpublished = factories.digest(world.acme, title="Pulled")
    deleted = factories.digest(world.acme, title="Deleted")
    viewer = world.client("viewer")
    _, cursor = read_all(viewer)
    with tenant_context(world.acme):
        digest_services.digest_transition(actor=None, digest=unpublished, to="archived")
        digest_services.digest_delete(actor=None, digest=deleted)
    items, next_cursor = read_all(viewer, since=cursor)
    assert {(i["id"], i["digest"]) for i in items} == {(unpublished.pk, None), (deleted.pk, None)}
    assert all(i["deleted_at"] for i in items)
    # A retried page (its answer lost) tells it again; so does a feed from the start.
    assert _ids(read_all(viewer, since=cursor)[0]) == {unpublished.pk, deleted.pk}
    assert _ids(read_all(viewer)[0]) == {kept.pk, unpublished.pk, deleted.pk}

    # Once told, later edits of the draft are not the viewer's to know of...
    with tenant_context(world.acme):
        digest_services.digest_update(actor=None, digest=unpublished, data={"summary": "Again"})
    assert read_all(viewer, since=next_cursor)[0] == []
    # ...until it is published again: then it comes in full, and a tombstone next time.
    with tenant_context(world.acme):
        digest_services.digest_transition(actor=None, digest=unpublished, to="published")
    [back], next_cursor = read_all(viewer, since=next_cursor)
    assert back["digest"]["title"] == "Pulled"
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=unpublished, restricted=True, members=[], roles=[]
        )
    [gone], _ = read_all(viewer, since=next_cursor)
    assert (gone["id"], gone["digest"]) == (unpublished.pk, None)


def test_tombstones_are_each_readers_own(world):
    """Given a digest through one API key, another key of the same role that never got
    it is not told it is gone; nor is another person."""
    digest = factories.digest(world.acme, title="Soon a draft")
    first = bearer(factories.api_key(world.acme, "viewer", name="first").token)
    read_all(first)
    with tenant_context(world.acme):
        digest_services.digest_transition(actor=None, digest=digest, to="archived")
    second = bearer(factories.api_key(world.acme, "viewer", name="second").token)
    assert digest.pk not in _ids(read_all(second)[0])
    assert digest.pk not in _ids(read_all(world.client("viewer"))[0])
    assert digest.pk in _ids(read_all(first)[0])
