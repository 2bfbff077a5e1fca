"""What a reader may see is compiled to SQL once per shape of caller and reused
(`digests.selectors.readable_digests`, and the whole statements of the detail read and
of the list's first page, `config.compiled_reads`). Callers that share a tenant, and even a role,
must never be served one another's compiled view: each round below runs twice, the
second time entirely from the cache, interleaving callers."""

from __future__ import annotations

from config import compiled_reads
from digests import selectors
from digests.api import DigestViewSet
from tests import factories
from tests.policies import bearer, detail, listed_ids, publish, rule

BASE = "/api/v1/tenants/acme/digests"


def _sees(client, *digests) -> set[int]:
    """The digests among `digests` the client lists, checked against detail reads."""
    listed = listed_ids(client)
    seen = {d.pk for d in digests if d.pk in listed}
    for d in digests:
        assert (detail(client, d.pk).status_code == 200) is (d.pk in seen)
    return seen


def test_callers_sharing_a_tenant_never_share_a_compiled_view(world):
    public = factories.digest(world.acme, title="Open harbour notes")
    draft = factories.digest(world.acme, status="draft", title="Harbour draft")
    secret = factories.digest(world.acme, title="Harbour tender")
    granted = world.members["viewer"]
    response = world.client("admin").put(
        f"{BASE}/{secret.pk}/access/",
        {"restricted": True, "members": [granted.email]},
        format="json",
    )
    assert response.status_code == 200
    stranger = factories.member(world.acme, "viewer", "second-viewer@acme.test")
    key = factories.api_key(world.acme, "viewer")
    callers = {
        "granted viewer": world.client("viewer"),
        "viewer without a grant": world.client(user=stranger),
        "editor": world.client("editor"),
        "admin": world.client("admin"),
        "viewer key": bearer(key.token),
    }
    everything = (public, draft, secret)
    expected = {
        "granted viewer": {public.pk, secret.pk},
        "viewer without a grant": {public.pk},
        "editor": {public.pk, draft.pk},  # drafts, but no grant on the restricted one
        "admin": {public.pk, draft.pk, secret.pk},  # manages access
        "viewer key": {public.pk},
    }
    selectors._compiled.clear()
    compiled_reads.clear()
    for _ in range(2):
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name
    assert selectors._compiled, "the reads went through the compiled views"
    kinds = [key[0] for key in compiled_reads._statements._items]
    # One detail statement and one first-page statement per caller.
    assert sorted(kinds) == ["get"] * len(callers) + ["page"] * len(callers)

    # A newly published rule changes the shape, so nobody keeps the old view.
    publish(world, rule("keyword_block", keywords=["open"], audience={"type": "api_keys"}))
    expected["viewer key"] = set()
    for _ in range(2):
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name


def test_a_compiled_view_refuses_to_be_nested_in_another_query(world):
    """The compiled SQL names the digests table; nested, Django would rename the table
    around it but not inside it. That must fail loudly, never filter the wrong row."""
    import pytest
    from django.db import NotSupportedError

    from digests.models import Digest
    from policies import selectors as policy_selectors
    from tenants.context import tenant_context
    from tenants.models import Membership
    from tenants.services import Principal, role_permissions

    factories.digest(world.acme)
    with tenant_context(world.acme):
        role = Membership.objects.get(user=world.members["viewer"]).role
        principal = Principal(
            tenant=world.acme,
            role=role,
            permissions=role_permissions(role),
            user=world.members["viewer"],
            api_key=None,
        )
        readable = selectors.readable_digests(
            principal, policy_selectors.rule_set_for(principal), Digest.objects.all()
        )
        assert readable.exists()
        with pytest.raises(NotSupportedError, match="cannot be nested"):
            list(Digest.objects.filter(pk__in=readable.values("pk")))


def _pages(client, **params) -> list[tuple[list[dict], str | None]]:
    """Every page of the list, following the cursors; decision ids left out."""
    pages, url = [], BASE + "/"
    while url:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        body, params = response.json(), None
        for item in body["results"]:
            item["policy"].pop("decision_id")
        pages.append((body["results"], body["next"]))
        url = body["next"]
    return pages


def test_a_compiled_first_page_answers_as_the_orm_does(world, monkeypatch):
    """The list's first page from its kept statement: the same digests, fields, policy
    decisions and cursors as when the ORM builds every page."""
    for n in range(5):
        factories.digest(world.acme, title=f"Harbour notes {n}", publisher=f"Radio {n % 2}")
    factories.digest(world.acme, status="draft", title="Harbour draft")
    publish(world, rule("keyword_block", keywords=["notes 3"]))
    client = world.client("editor")
    compiled_reads.clear()
    asked = [{"page_size": 2}, {"page_size": 2, "ordering": "published_on"}, {}]
    compiled = [_pages(client, **params) for params in asked]
    assert len(compiled_reads._statements) == 3, "each first page from a kept statement"
    # The same again, every statement kept; then with nothing compiled ahead.
    assert [_pages(client, **params) for params in asked] == compiled
    monkeypatch.setattr(DigestViewSet, "compiled_read_key", lambda self: None)
    compiled_reads.clear()
    assert [_pages(client, **params) for params in asked] == compiled
    assert not compiled_reads._statements
    assert [len(pages) for pages in compiled] == [3, 3, 1]
