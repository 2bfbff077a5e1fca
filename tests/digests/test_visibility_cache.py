"""What a caller may read is one value, their `Reader`, and the SQL of the visibility
condition is cached per reader (`digests.selectors.readable_digests`), as are the whole
statements of detail reads and first list pages (core/statement_cache.py). Callers that share
a tenant, and even a role, must never be served one another's condition; a reader that
differs in anything must get its own SQL; and a condition that came to read anything
besides its reader must fail loudly in the tests."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.db import NotSupportedError

from core import statement_cache
from digests import selectors
from digests.models import Digest
from policies import engine
from policies import selectors as policy_selectors
from tenants.context import tenant_context
from tenants.principals import Principal
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


def _principal(world, who: str = "viewer") -> Principal:
    return factories.member_principal(world.acme, world.members[who])


def test_callers_sharing_a_tenant_never_share_a_cached_condition(world):
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
    selectors.clear_cache()
    statement_cache.clear()
    for _ in range(2):  # the second round entirely from the caches, callers interleaved
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name
    assert len(selectors._cache) == len(callers), "one cached condition per reader"
    kinds = sorted(key[0] for key in statement_cache._statements._items)
    # One detail statement and one first-page statement per reader.
    assert kinds == ["get"] * len(callers) + ["page"] * len(callers)

    # A newly published rule makes every reader a new one, so nobody keeps the old SQL.
    publish(world, rule("keyword_block", keywords=["open"], audience={"type": "api_keys"}))
    expected["viewer key"] = set()
    for _ in range(2):
        for name, client in callers.items():
            assert _sees(client, *everything) == expected[name], name


def test_a_cached_condition_refuses_to_be_nested_in_another_query(world):
    """The cached SQL names the digests table; nested, Django would rename the table
    around it but not inside it. That must fail loudly, never filter the wrong row."""
    factories.digest(world.acme)
    with tenant_context(world.acme):
        readable = selectors.readable_digests(
            selectors.reader_for(_principal(world)), Digest.objects.all()
        )
        assert readable.exists()
        with pytest.raises(NotSupportedError, match="cannot be nested"):
            list(Digest.objects.filter(pk__in=readable.values("pk")))


def _variations(reader: selectors.Reader) -> dict[str, object]:
    """For every field of Reader, another value that must change the SQL."""
    other_rules = engine.compile_rules(
        "other",
        [
            rule("topic_block", topics=["weather"])
            | {"message": "m", "overridable": False, "audience": {"type": "everyone"}}
        ],
    )
    return {
        "tenant_id": reader.tenant_id + 1,
        "group_id": reader.group_id + 1,
        "user_id": reader.user_id + 1,
        "sees_unpublished": not reader.sees_unpublished,
        "manages_access": not reader.manages_access,
        "rule_set": engine.RuleSet(version="other@1", rules=list(other_rules)),
        "day": reader.day + timedelta(days=1),
    }


def test_every_field_of_a_reader_decides_its_condition(world):
    """Equal readers, built apart, give equal SQL; a reader that differs in any one field
    is another cache entry. The variations are checked against the dataclass's own fields,
    so a field added to Reader without one here fails this test."""
    publish(
        world,
        rule("license_gate", "gate", use="display_internally"),
        rule("keyword_block", "words", keywords=["tender"], mode="monitor"),
    )
    with tenant_context(world.acme):
        principal = _principal(world)
        reader = selectors.reader_for(principal)
        again = selectors.reader_for(principal, policy_selectors.rule_set_for(principal))
        assert reader == again and hash(reader) == hash(again)
        base_sql = selectors._readable_sql(reader)
        assert selectors._same_sql(base_sql, selectors._readable_sql(again))

        variations = _variations(reader)
        assert set(variations) == {f.name for f in dataclasses.fields(selectors.Reader)}
        for name, value in variations.items():
            varied = dataclasses.replace(reader, **{name: value})
            assert varied != reader, name
            if name == "tenant_id":
                # The tenant reaches the SQL through the scoped manager and row-level
                # security, not the condition; it still keeps the cache entries apart.
                continue
            assert not selectors._same_sql(base_sql, selectors._readable_sql(varied)), name


def test_a_condition_that_reads_a_global_fails_in_the_tests(world, monkeypatch, settings):
    """SQL_CACHE_CHECK (on in the tests and in debug mode) compiles again on every
    cache hit: a condition that came to depend on anything but its reader raises."""
    factories.digest(world.acme)
    flag = {"drafts too": False}
    visible = selectors.visible_digests

    def reads_a_global(reader, queryset=None):
        queryset = visible(reader, queryset)
        return queryset if flag["drafts too"] else queryset.filter(restricted=False)

    monkeypatch.setattr(selectors, "visible_digests", reads_a_global)
    selectors.clear_cache()
    with tenant_context(world.acme):
        reader = selectors.reader_for(_principal(world))
        list(selectors.readable_digests(reader, Digest.objects.all()))
        flag["drafts too"] = True
        with pytest.raises(selectors.StaleVisibilityCache):
            selectors.readable_digests(reader, Digest.objects.all())


def test_the_cache_can_be_switched_off(world, settings):
    factories.digest(world.acme, title="Harbour notes")
    client = world.client("viewer")
    selectors.clear_cache()
    settings.VISIBILITY_CACHE = False
    uncached = listed_ids(client)
    assert uncached and not selectors._cache
    settings.VISIBILITY_CACHE = True
    assert listed_ids(client) == uncached
    assert selectors._cache
