"""core.statement_cache: a single-object read compiled once, then run for any id with the
same result as the ORM's own `get()`; a first page likewise."""

from __future__ import annotations

import json

import pytest
from django.db.models import F
from psycopg.types.json import Jsonb

from core import statement_cache
from digests.models import Digest
from tenants.context import tenant_context
from tests import factories

DEFERRED = ("search_vector", "words_vector", "search_text")


def _build():
    return Digest.objects.defer(*DEFERRED).annotate(twice=F("id") * 2)


@pytest.fixture(autouse=True)
def _empty():
    statement_cache.clear()
    yield
    statement_cache.clear()


def _same_rows(got, wanted):
    assert [d.pk for d in got] == [d.pk for d in wanted]
    for a, b in zip(got, wanted, strict=True):
        assert type(a) is Digest
        assert a.get_deferred_fields() == b.get_deferred_fields() == set(DEFERRED)
        for field in Digest._meta.concrete_fields:
            if field.attname not in DEFERRED:
                assert getattr(a, field.attname) == getattr(b, field.attname), field
        assert a.twice == a.pk * 2
        assert a._state.adding is False and a._state.db == "default"


def test_a_statement_reads_any_id_as_the_orm_does(world, settings):
    settings.SQL_CACHE_CHECK = False  # so a kept statement is taken as it is
    digests = [factories.digest(world.acme, title=f"Tide table {n}") for n in range(3)]
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("tide", _build)
        assert statement is not None
        for digest in digests:
            _same_rows([statement.get(digest.pk)], [_build().get(pk=digest.pk)])
        # Kept: the same key does not build or compile again.
        again = statement_cache.statement_for("tide", lambda: pytest.fail("rebuilt"))
        assert again is statement


def test_ids_that_name_no_row_find_nothing(world):
    digest = factories.digest(world.acme)
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("tide", _build)
        # Past the column's range, negative, not a number, missing: None, not an error.
        for pk in (10**30, -(10**30), "twelve", None, digest.pk + 10_000):
            assert statement.get(pk) is None, pk
        assert statement.get(str(digest.pk)).pk == digest.pk


def test_another_tenants_row_stays_invisible(world):
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("tide", _build)
        assert statement.get(world.globex_digest.pk) is None


def test_querysets_a_row_alone_cannot_rebuild_are_left_to_the_orm(world):
    with tenant_context(world.acme):
        for queryset in (
            Digest.objects.select_related("tenant"),
            Digest.objects.prefetch_related("tenant"),
            Digest.objects.values("id"),
            Digest.objects.all()[:5],
        ):
            kept = statement_cache.statement_for("other", lambda q=queryset: q)
            assert kept is None
        assert not statement_cache._statements


def test_the_check_catches_a_key_that_misses_what_the_queryset_depends_on(world):
    """SQL_CACHE_CHECK (on in the tests): a kept read is compiled again and compared,
    so a key missing a dimension fails instead of serving someone else's SQL."""
    digest = factories.digest(world.acme, title="Tide table", publisher="Harbour Radio")
    with tenant_context(world.acme):
        first = statement_cache.statement_for("tide", _build)
        assert statement_cache.statement_for("tide", _build) is first
        narrower = lambda: _build().filter(publisher="Harbour Radio")  # noqa: E731
        with pytest.raises(statement_cache.StaleStatement, match="'tide'"):
            statement_cache.statement_for("tide", narrower)
        # Only the values differ: same text, another parameter.
        other = lambda: _build().filter(publisher="Other Radio")  # noqa: E731
        kept = statement_cache.statement_for("publisher", narrower)
        assert kept.get(digest.pk).pk == digest.pk
        with pytest.raises(statement_cache.StaleStatement):
            statement_cache.statement_for("publisher", other)


def test_a_json_parameter_is_encoded_once_to_the_same_text(world, settings, monkeypatch):
    """A kept statement sends the same JSON value on every read: its text is written when
    the statement is kept, not again by each read."""
    from django.db.backends.postgresql import operations

    settings.SQL_CACHE_CHECK = False
    encoded = []

    def counting_dumps(value):
        encoded.append(value)
        return json.dumps(value)

    monkeypatch.setattr(operations, "get_json_dumps", lambda encoder: counting_dumps)
    tagged = factories.digest(world.acme, topics=["tides", "harbours"])
    factories.digest(world.acme, topics=["weather"])
    tagged_only = lambda: _build().filter(topics__contains=["tides"])  # noqa: E731
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("tides", tagged_only)
        (param,) = [p for p in statement.params if isinstance(p, Jsonb)]
        assert param.dumps(param.obj) == json.dumps(["tides"])
        compiled = len(encoded)
        assert compiled
        assert statement.get(tagged.pk).pk == tagged.pk
        assert statement.get(tagged.pk + 1) is None
        assert len(encoded) == compiled


# --- First pages ------------------------------------------------------------------------


def _page(ordering=("-published_on", "-id"), stop=3):
    return statement_cache.FirstPage("tides", _build).order_by(*ordering)[:stop]


def test_a_first_page_reads_as_the_orm_does_and_is_kept_per_ordering_and_size(world, settings):
    settings.SQL_CACHE_CHECK = False  # so a kept statement is taken as it is
    for n in range(5):
        factories.digest(world.acme, title=f"Tide table {n}")
    with tenant_context(world.acme):
        for ordering in (("-published_on", "-id"), ("title", "id"), ("-id",)):
            for stop in (1, 3, 50):
                got = _page(ordering, stop)
                _same_rows(got, list(_build().order_by(*ordering)[:stop]))
        assert len(statement_cache._statements) == 9  # three orderings, three sizes
        # Kept: the same key, ordering and size neither build nor compile again.
        kept = statement_cache.FirstPage("tides", lambda: pytest.fail("rebuilt"))
        assert [d.pk for d in kept.order_by("-id")[:3]] == [d.pk for d in _page(("-id",))]


def test_anything_but_an_ordered_first_slice_is_left_to_the_orm(world):
    digests = [factories.digest(world.acme, title=f"Tide table {n}") for n in range(4)]
    newest_first = sorted((d.pk for d in digests), reverse=True)
    with tenant_context(world.acme):
        page = statement_cache.FirstPage("tides", _build)
        # A cursor's position filter and offset, an unordered slice, another method.
        assert [d.pk for d in page.order_by("-id").filter(pk__lt=newest_first[0])[:2]] == (
            newest_first[1:3]
        )
        assert [d.pk for d in page.order_by("-id")[1:3]] == newest_first[1:3]
        assert page.order_by("-id")[0].pk == newest_first[0]
        assert page.order_by("-id").order_by("id")[:1][0].pk == newest_first[-1]
        assert page.count() == 4
        assert not statement_cache._statements
        # Another tenant's rows stay invisible on the compiled path too.
        assert world.globex_digest.pk not in {d.pk for d in page.order_by("-id")[:50]}


def test_the_check_catches_a_page_key_that_misses_a_dimension(world):
    factories.digest(world.acme, title="Tide table", publisher="Harbour Radio")
    with tenant_context(world.acme):
        _page()
        narrower = lambda: _build().filter(publisher="Harbour Radio")  # noqa: E731
        with pytest.raises(statement_cache.StaleStatement, match="'tides'"):
            statement_cache.FirstPage("tides", narrower).order_by("-published_on", "-id")[:3]


def test_the_first_page_stand_in_copies_and_builds_its_queryset_once(world):
    import copy

    builds = []

    def build():
        builds.append(1)
        return _build()

    with tenant_context(world.acme):
        page = statement_cache.FirstPage("tides", build).order_by("-id")
        assert copy.copy(page)._ordering == ("-id",)
        assert page.count() == page.exists() + 0 and page.model is Digest
        assert len(builds) == 1


def test_endpoints_cannot_let_a_filter_ride_on_the_compiled_page():
    """list_queryset skips the filters when only the paginator's and `ordering_params`
    are present, so a filter may not read one of those."""
    from digests.api import DigestViewSet
    from digests.filters import DigestFilter

    with pytest.raises(TypeError, match="a filter reads one of"):
        type("Leaky", (DigestViewSet,), {"ordering_params": ("ordering", "status")})
    assert "status" in DigestFilter.base_filters


def test_a_list_with_a_backend_of_its_own_filters_every_time(world, monkeypatch):
    """Filter backends other than the query-parameter one narrow by themselves: with one
    present, a plain list read is never served from a kept page."""
    from rest_framework.filters import BaseFilterBackend

    from digests.api import DigestViewSet

    class NoDrafts(BaseFilterBackend):
        def filter_queryset(self, request, queryset, view):
            return queryset.exclude(title__startswith="Hidden")

    factories.digest(world.acme, title="Hidden tide")
    shown = factories.digest(world.acme, title="Open tide")
    monkeypatch.setattr(DigestViewSet, "filter_backends", [NoDrafts])
    response = world.client("viewer").get("/api/v1/tenants/acme/digests/")
    assert [d["id"] for d in response.json()["results"]] == [shown.pk]
    assert not statement_cache._statements


def test_a_model_with_its_own_from_db_builds_every_instance(world, monkeypatch):
    """Rows become instances as Model.from_db would build them, unless the model has a
    from_db of its own: then that one is called for every row."""
    digest = factories.digest(world.acme, title="Tide table")
    plain = Digest.from_db

    def own(cls, db, field_names, values):
        obj = plain.__func__(cls, db, field_names, values)
        obj.built_by_own_from_db = True
        return obj

    with tenant_context(world.acme):
        assert statement_cache.statement_for("plain", _build).rows.positions
        monkeypatch.setattr(Digest, "from_db", classmethod(own))
        statement = statement_cache.statement_for("own", _build)
        assert statement.rows.positions is None
        got = statement.get(digest.pk)
        assert got.built_by_own_from_db and got.title == "Tide table"
        page = statement_cache.FirstPage("own", _build).order_by("-id")[:5]
        assert [d.built_by_own_from_db for d in page] == [True]


def test_instances_are_the_ones_model_init_would_build(world):
    """Values stored directly hold exactly what Model.__init__ stores: the same attributes,
    deferred fields left out, and the instance saves and refreshes as one the ORM read."""
    digest = factories.digest(world.acme, title="Tide table")
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("direct", _build)
        assert statement.rows.present is not None
        got, wanted = statement.get(digest.pk), _build().get(pk=digest.pk)
        stored = {k: v for k, v in vars(got).items() if k != "_state"}
        assert stored == {k: v for k, v in vars(wanted).items() if k != "_state"}
        assert got.get_deferred_fields() == set(DEFERRED)
        got.title = "Tide table, revised"
        got.save(update_fields=["title"])
        got.refresh_from_db(fields=["search_text"])  # a deferred field loads on demand
        assert Digest.objects.get(pk=digest.pk).title == "Tide table, revised"


def test_init_signal_receivers_still_see_every_instance(world):
    from django.db.models.signals import post_init

    digest = factories.digest(world.acme, title="Tide table")
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    with tenant_context(world.acme):
        statement = statement_cache.statement_for("signals", _build)
        post_init.connect(receiver, sender=Digest)
        try:
            got = statement.get(digest.pk)
            page = statement_cache.FirstPage("signals", _build).order_by("-id")[:5]
            list(page)
        finally:
            post_init.disconnect(receiver, sender=Digest)
    assert got.title == "Tide table"
    assert seen == [digest.pk, digest.pk]


def test_a_model_with_its_own_init_is_built_through_it(world, monkeypatch):
    digest = factories.digest(world.acme, title="Tide table")
    plain = Digest.__init__

    def own(self, *args, **kwargs):
        plain(self, *args, **kwargs)
        self.built_by_own_init = True

    monkeypatch.setattr(Digest, "__init__", own)
    with tenant_context(world.acme):
        statement = statement_cache.statement_for("own init", _build)
        assert statement.rows.present is None
        assert statement.get(digest.pk).built_by_own_init


@pytest.mark.parametrize("change", ["setattr", "mixin init", "field descriptor"])
def test_a_model_that_does_more_on_init_is_built_through_it(world, monkeypatch, change):
    """Values are stored directly only where Model.__init__ would just store them: not
    past a __setattr__ of the model's own, an __init__ that Model's would reach through
    super(), or a field whose attribute does something on set."""
    digest = factories.digest(world.acme, title="Tide table")
    seen = []
    if change == "setattr":

        def own_setattr(self, name, value):
            seen.append(name)
            object.__setattr__(self, name, value)

        monkeypatch.setattr(Digest, "__setattr__", own_setattr, raising=False)
    elif change == "mixin init":
        from django.db.models import Model

        # A class after Model in the ancestry: Model.__init__ reaches it through super().
        after = Digest.__mro__[Digest.__mro__.index(Model) + 1]

        def mixin_init(self, *args, **kwargs):
            seen.append("init")
            super(after, self).__init__(*args, **kwargs)

        monkeypatch.setattr(after, "__init__", mixin_init, raising=False)
    else:
        plain = Digest.__dict__["title"]

        class Stripping(type(plain)):
            def __set__(self, instance, value):
                seen.append("title")
                instance.__dict__["title"] = value.strip()

        monkeypatch.setattr(Digest, "title", Stripping(plain.field))
    with tenant_context(world.acme):
        statement = statement_cache.statement_for(f"does more: {change}", _build)
        assert statement.rows.present is None
        assert statement.get(digest.pk).title == "Tide table"
    assert seen


def test_a_full_store_forgets_its_older_half_not_everything():
    store = statement_cache.Kept(limit=4)
    for n in range(4):
        store.keep(n, f"sql {n}")
    store.keep(4, "sql 4")
    assert [store.get(n) for n in range(5)] == [None, None, "sql 2", "sql 3", "sql 4"]
