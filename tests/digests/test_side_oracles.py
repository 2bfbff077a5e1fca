"""What a caller may read, asked in one place, and the oracles around it: a slug clash,
the free slug a clash gives, and an import's `updated` / `unchanged`."""

from __future__ import annotations

import pytest

from digests import selectors, services
from digests.models import Digest
from licensing.text_gate import TextGate
from policies import selectors as policy_selectors
from policies.engine import is_reserved_slug
from tenants.context import tenant_context
from tenants.principals import Principal
from tests import factories
from tests.conftest import SENTINEL
from tests.digests.test_digest_api import BASE, NEW_DIGEST, _restricted
from tests.digests.test_import import (
    GRID,
    GRID_TITLE,
    edited_grid,
    imported_grid,
    post_files,
    post_text,
    seed,
    titled,
)
from tests.policies import detail, publish, rule


def _principal(world, role: str) -> Principal:
    return factories.member_principal(world.acme, world.members[role])


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- 1. One condition for "readable" --------------------------------------------------------


def test_every_reader_of_readable_digests_asks_the_one_condition(world):
    """The digest list (compiled), the importer and slug clash (`seen_by`), the text gate
    of licensing, reports and audit, and the detail's 451 all answer as
    `readable_condition`, for callers with different visibility and rules."""
    plain = factories.digest(world.acme, title="Open harbour notes")
    draft = factories.digest(world.acme, title="Harbour draft", status="draft")
    secret = _restricted(world, title="Harbour tender")
    blocked = factories.digest(world.acme, title="Crypto hour", topics=["crypto"])
    linked = factories.digest(world.acme, title="Harbour links")
    publish(
        world,
        rule(
            "topic_block", "t", topics=["crypto"], audience={"type": "roles", "roles": ["editor"]}
        ),
        rule("license_gate", "lic", audience={"type": "roles", "roles": ["viewer"]}),
    )
    everything = {plain.pk, draft.pk, secret.pk, blocked.pk, linked.pk}
    expected = {
        "viewer": set(),  # every digest is license-gated for viewers
        "editor": {plain.pk, draft.pk, linked.pk},
        "admin": everything,
    }
    unlicensed = {"viewer": {plain.pk, blocked.pk, linked.pk}, "editor": set(), "admin": set()}
    for role, readable in expected.items():
        with tenant_context(world.acme):
            principal = _principal(world, role)
            rules = policy_selectors.rule_set_for(principal)
            reader = selectors.reader_for(principal, rules)
            every = Digest.objects.all()
            one = _ids(selectors.readable_condition(reader, every))
            assert one == readable, role
            assert _ids(services.seen_by(principal, every)) == one, role
            assert _ids(TextGate(principal, rules).readable_digests()) == one, role
            assert _ids(selectors.readable_digests(reader, every)) == one, role
            gated = _ids(selectors.readable_condition(reader, every, include_license=False))
            assert gated - one == unlicensed[role], role
        client = world.client(role)
        for pk in everything:
            status = detail(client, pk).status_code
            want = 200 if pk in readable else 451 if pk in unlicensed[role] else 404
            assert status == want, (role, pk)


# --- 2. A slug clash counts only where the caller is shown the slug whole --------------------


def test_a_clash_with_a_slug_shown_as_a_stand_in_is_not_a_409(world):
    """An editor sees the digest but not its slug (`digest-<id>`: a redact rule matches
    it): a 409 would confirm the hidden slug's exact text."""
    held = factories.digest(world.acme, title=f"Merger {SENTINEL} plan", slug="merger-plan")
    publish(
        world,
        rule(
            "regex_redact", "m", pattern="merger", audience={"type": "roles", "roles": ["editor"]}
        ),
    )
    editor = world.client("editor")
    shown = detail(editor, held.pk)
    assert shown.status_code == 200 and shown.json()["slug"] == f"digest-{held.pk}"

    created = editor.post(f"{BASE}/", {**NEW_DIGEST, "slug": "merger-plan"}, format="json")

    assert created.status_code == 201, created.content
    with tenant_context(world.acme):  # shown as digest-<id> too: the same rule matches it
        assert Digest.objects.get(pk=created.json()["id"]).slug == "merger-plan-2"
    # Whoever is shown the slug whole still gets the 409.
    refused = world.client("admin").post(
        f"{BASE}/", {**NEW_DIGEST, "slug": "merger-plan"}, format="json"
    )
    assert refused.status_code == 409, refused.content
    with tenant_context(world.acme):
        assert Digest.objects.get(pk=held.pk).slug == "merger-plan"


# --- 3. No digest gets a stand-in's slug -----------------------------------------------------


def test_a_free_slug_is_never_a_stand_in(world):
    """`digest-2` is what digest 2 shows when a policy hides its slug: a free slug made
    from a taken `digest` must not be it."""
    factories.digest(world.acme, title="Bare", slug="digest")
    with tenant_context(world.acme):
        free = services._free_slug("digest")
        assert not is_reserved_slug(free), free
    factories.digest(world.acme, title="Second", slug=free)
    with tenant_context(world.acme):
        again = services._free_slug("digest")
        assert again != free and not is_reserved_slug(again), again


def test_the_operator_is_never_given_a_reserved_slug_either(world):
    """A command (no actor) passes no serializer: the service gives a free slug."""
    for asked in ("digest", "Digest-12"):
        made = factories.digest(world.acme, title="Bare", slug=asked)
        assert not is_reserved_slug(made.slug), made.slug


def test_bare_digest_cannot_be_chosen_as_a_slug(world):
    response = world.client("editor").post(
        f"{BASE}/", {**NEW_DIGEST, "slug": "digest"}, format="json"
    )
    assert response.status_code == 400, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["slug"]


def test_a_slug_made_from_a_title_is_never_a_stand_in(world):
    """A long number for a title, cut to the column, reads as `digest-<number>`."""
    title = "Digest " + "7" * 120
    created = world.client("editor").post(f"{BASE}/", {**NEW_DIGEST, "title": title}, format="json")
    assert created.status_code == 201, created.content
    slug = created.json()["slug"]
    assert slug.startswith("digest-777") and not is_reserved_slug(slug), slug


# --- 4. An import never tells whether a guess at hidden text is right ------------------------

EDITOR_ONLY = {"type": "roles", "roles": ["editor"]}
PARTLY_HIDDEN = {
    "redacted": rule("regex_redact", "r", pattern="interconnection", audience=EDITOR_ONLY),
    "field hidden": rule("field_hide", "f", fields=["key_points"], audience=EDITOR_ONLY),
    "section hidden": rule("section_hide", "s", pattern="australian", audience=EDITOR_ONLY),
    "slug replaced": rule("regex_redact", "t", pattern="batteries", audience=EDITOR_ONLY),
}


@pytest.mark.parametrize("hiding", list(PARTLY_HIDDEN), ids=list(PARTLY_HIDDEN))
@pytest.mark.parametrize("body", [edited_grid, lambda: seed(GRID)], ids=["edited", "same"])
def test_an_import_refuses_a_digest_its_caller_sees_only_in_part(world, hiding, body):
    stored = imported_grid(world)
    publish(world, PARTLY_HIDDEN[hiding])
    editor = world.client("editor")
    shown = detail(editor, stored.pk)
    assert shown.status_code == 200
    assert any(f["enforced"] for f in shown.json()["policy"]["findings"])

    one = post_text(editor, body(), "?filename=grid.txt")
    many = post_files(editor, ("grid.txt", body()), ("again.txt", body()))

    for response in (one, many):
        assert response.status_code == 200, response.content
        files = response.json()["files"]
        assert {f["status"] for f in files} == {"failed"}, files
        assert {f["id"] for f in files} == {None}
        assert all(f["error"].endswith(services.NOT_YOURS) for f in files)
    [after] = titled(world.acme, GRID_TITLE)
    assert (after.summary, after.updated_at) == (stored.summary, stored.updated_at)


def test_an_import_still_updates_a_digest_seen_whole(world):
    stored = imported_grid(world)
    publish(world, PARTLY_HIDDEN["redacted"] | {"audience": {"type": "roles", "roles": ["viewer"]}})

    response = post_text(world.client("editor"), edited_grid(), "?filename=grid.txt")

    assert [(f["status"], f["id"]) for f in response.json()["files"]] == [("updated", stored.pk)]


def test_a_451_is_only_for_a_digest_the_license_gate_hides(world):
    """The detail's 451 asked the condition again without the gates, but not whether
    the gate hid the digest: a licensed digest that a filter of the request left out
    answered 451, where the list's condition says 404."""
    licensed = factories.digest(world.acme, title="Licensed harbour", publisher="Radio One")
    factories.license(
        world.acme, source=factories.digest_source(world.acme, licensed), decision="approved"
    )
    unlicensed = factories.digest(world.acme, title="Unlicensed harbour", publisher="Radio One")
    publish(world, rule("license_gate", "lic"))
    client = world.client("viewer")
    assert detail(client, licensed.pk).status_code == 200
    assert detail(client, unlicensed.pk).status_code == 451

    filtered = client.get(f"{BASE}/{licensed.pk}/", {"publisher": "Radio Two"})

    assert filtered.status_code == 404, filtered.content
