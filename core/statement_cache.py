"""Reads whose SQL the ORM compiles once per key and then reuses.

Turning a queryset into SQL costs the ORM more than a detail read's database round trip
once PostgreSQL keeps the plan (prepared statements, platform/postgres.md). Two kinds of
read are kept:

- A single object (`statement_for`): for reads whose SQL differs only by the primary key
  looked up, the queryset is compiled twice, with two different probe ids, and the
  statement is kept when exactly one parameter follows the probe: that parameter is the id.
- A first page (`FirstPage`, for cursor pagination): the ordered, sliced queryset has no
  parameter of its own, so its statement is kept as it is, under a key that also names the
  ordering and the page size.

Each keeps what the ORM's own ModelIterable works out to turn a row into the instance
(the selected fields, the annotations' columns, the backend's converters), so instances
are built the same way.

The key is derived, never written by hand: the endpoint, its action, the tenant and the
caller's `digests.selectors.Reader` (`TenantScopedViewSet.reader`), the one value the
queryset is built from, plus the ordering and page size for a first page. With
SQL_CACHE_CHECK (tests, debug mode) every kept read is compiled again and compared,
so a queryset that came to depend on anything else fails loudly. The database still
checks the tenant (row-level security): the statement runs in the request's transaction
like any other. STATEMENT_CACHE = False reads everything through the ORM.

The module re-does what Django's ModelIterable does for one row; it is written for the
Django versions in SUPPORTED_DJANGO and switches itself off on any other
(tests/core/test_statement_cache.py fails there, so an upgrade is noticed).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import django
from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import DEFERRED, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import MAX_GET_RESULTS, ModelIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg.types.json import Json, Jsonb

_JSON_PARAMETERS: tuple[type, ...] = (Json, Jsonb)

# The Django versions whose ModelIterable, SQLCompiler and Model.from_db this module
# follows. On any other it keeps nothing, every read goes through the ORM, and
# tests/core/test_statement_cache.py fails until it is checked against the new version.
SUPPORTED_DJANGO = ((5, 2),)
WRITTEN_FOR_THIS_DJANGO = django.VERSION[:2] in SUPPORTED_DJANGO

# Two ids that tell the id's parameter apart from every other parameter.
_PROBES = (1, 2)


class Kept:
    """Statements kept per key for the process: thread-safe; when full, the older half
    is forgotten (callers choose part of some keys, a page size for one, so a caller
    sweeping them must not empty everyone's store at once)."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self._items: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        return self._items.get(key)

    def keep(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if len(self._items) >= self.limit:
                for old in list(self._items)[: max(1, self.limit // 2)]:
                    del self._items[old]
            self._items[key] = value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_statements = Kept()


@dataclass(frozen=True)
class Statement:
    """A compiled read: `get` for a single object (`pk_index` names the id's parameter),
    `all` for a page (no parameter varies)."""

    using: str
    sql: str
    params: tuple
    pk_index: int | None
    model: type[Model]
    init_list: tuple[str, ...]
    model_start: int
    model_end: int
    annotations: tuple[tuple[str, int], ...]
    # (column position, converters, expression), as SQLCompiler.get_converters gives them
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    # Each concrete field's column position, None where deferred: the work Model.from_db
    # does per row (matching names to fields), done once. None when the model has its own
    # from_db, which then builds every instance.
    positions: tuple[int | None, ...] | None
    # (attname, column position) of each field read, where the model keeps Model.__init__.
    present: tuple[tuple[str, int], ...] | None

    def get(self, pk: Any) -> Model | None:
        """The instance with this primary key, or None (no such row, or `pk` could not
        name one: an id out of the column's range matches nothing, as in the ORM)."""
        pk = self._valid_pk(pk)
        if pk is None:
            return None
        params = list(self.params)
        params[self.pk_index] = pk
        found = self._instances(params)
        if len(found) > 1:
            raise self.model.MultipleObjectsReturned(
                f"get() returned more than one {self.model._meta.object_name}"
            )
        return found[0] if found else None

    def all(self) -> list[Model]:
        """Every instance the statement reads, in its order."""
        return self._instances(self.params)

    def _instances(self, params) -> list[Model]:
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        # For a model that _stores_plainly, Model.__init__ with positional values does no
        # more than store each present field's value (deferred ones are left out) between
        # the pre_init and post_init signals; without receivers, values are stored
        # directly, as it would store them.
        direct = (
            self.present is not None
            and not pre_init.has_listeners(self.model)
            and not post_init.has_listeners(self.model)
        )
        found = []
        for fetched in rows:
            row = list(fetched)
            for position, converters, expression in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            if self.positions is None:
                obj = self.model.from_db(
                    self.using, self.init_list, row[self.model_start : self.model_end]
                )
            elif direct:
                obj = loaded_instance(self.model, self.using)
                values = obj.__dict__
                for name, position in self.present:
                    values[name] = row[position]
            else:  # as Model.from_db builds it
                obj = self.model(*[DEFERRED if p is None else row[p] for p in self.positions])
                obj._state.adding = False
                obj._state.db = self.using
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def _valid_pk(self, pk: Any) -> Any:
        field = self.model._meta.pk
        try:
            value = field.to_python(pk)
        except (ValidationError, TypeError, ValueError):
            return None
        if isinstance(value, int):
            low, high = connections[self.using].ops.integer_field_range(field.get_internal_type())
            if (low is not None and value < low) or (high is not None and value > high):
                return None
        return value


# The descriptors Django puts on plain fields and foreign keys' id attributes: setting
# one on a new instance stores the value (and clears a cache that is still empty).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _stores_plainly(model: type[Model]) -> bool:
    """Whether Model.__init__, given a value per concrete field, only stores each value:
    no class in the model's ancestry but Model has an __init__ or __setattr__ of its own
    (a mixin's __init__ after Model would run through super()), and every field's
    attribute is Django's plain descriptor (a field that transforms values on set has
    its own)."""
    for klass in model.__mro__:
        if klass in (Model, object):
            continue
        if "__init__" in vars(klass) or "__setattr__" in vars(klass):
            return False
    return all(
        type(inspect.getattr_static(model, f.attname, None)) in _PLAIN_DESCRIPTORS
        for f in model._meta.concrete_fields
    )


def loaded_instance(model: type[Model], using: str) -> Model:
    """An instance of `model` with no field values yet, as loaded from `using` (also
    `tenants.key_cache`'s copies)."""
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = using
    obj._state = state
    return obj


def _same(a: Any, b: Any) -> bool:
    """Two compilations' values for one parameter are the same value (adapters such as
    psycopg's Jsonb compare by identity, so their repr decides)."""
    return a == b or repr(a) == repr(b)


def _rebuildable(queryset: QuerySet) -> bool:
    """Whether a row alone rebuilds each instance, as ModelIterable would."""
    return not (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or queryset.query.select_related
        or queryset.query.combinator
    )


def _compiled(queryset: QuerySet):
    """(compiler, sql, params) of `queryset`, or None when it matches nothing."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return compiler, sql, tuple(params)


def _dumped_once(value: Any) -> Any:
    """A JSON parameter (psycopg's Json or Jsonb, carrying the ORM's `dumps`) whose text is
    written now: a kept statement sends the same value on every read, and encoding it
    again each time was about a hundredth of a detail request. Anything else as it is."""
    if not isinstance(value, _JSON_PARAMETERS) or value.dumps is None:
        return value
    text = value.dumps(value.obj)
    return type(value)(value.obj, dumps=lambda _obj, text=text: text)


def _statement(queryset, compiled, pk_index: int | None) -> Statement | None:
    compiler, sql, params = compiled
    params = tuple(_dumped_once(value) for value in params)
    select, klass_info = compiler.select, compiler.klass_info
    if get_related_populators(klass_info, select, queryset.db):
        return None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
    model = klass_info["model"]
    init_list = tuple(f[0].target.attname for f in select[start:end])
    positions = present = None
    if model.from_db.__func__ is Model.from_db.__func__:
        at = {name: start + i for i, name in enumerate(init_list)}
        positions = tuple(at.get(f.attname) for f in model._meta.concrete_fields)
        if _stores_plainly(model):
            present = tuple(
                (f.attname, p)
                for f, p in zip(model._meta.concrete_fields, positions, strict=True)
                if p is not None
            )
    return Statement(
        using=queryset.db,
        sql=sql,
        params=params,
        pk_index=pk_index,
        model=model,
        init_list=init_list,
        model_start=start,
        model_end=end,
        annotations=tuple(compiler.annotation_col_map.items()),
        converters=tuple((pos, tuple(convs), expr) for pos, (convs, expr) in converters.items()),
        positions=positions,
        present=present,
    )


def _differs(first, second, *, except_index: int | None = None) -> bool:
    """Whether two compilations, each ending in (sql, params), differ in text or in any
    parameter but `except_index`."""
    (*_, sql, params), (*_, other_sql, other_params) = first, second
    if sql != other_sql or len(params) != len(other_params):
        return True
    return any(
        i != except_index and not _same(a, b)
        for i, (a, b) in enumerate(zip(params, other_params, strict=True))
    )


def _compile(queryset: QuerySet) -> Statement | None:
    """The statement of `queryset.get(pk=...)`, or None when it cannot be reused as is."""
    if not _rebuildable(queryset) or queryset.query.is_sliced:
        return None
    compiled = []
    for probe in _PROBES:
        clone = queryset.filter(pk=probe).order_by()
        clone.query.set_limits(high=MAX_GET_RESULTS)  # as QuerySet.get() does
        found = _compiled(clone)
        if found is None:
            return None
        compiled.append(found)
    (_, _, params), (_, _, other_params) = compiled
    if len(params) != len(other_params):
        return None
    follows = [
        i
        for i, (a, b) in enumerate(zip(params, other_params, strict=True))
        if (type(a), a, type(b), b) == (int, _PROBES[0], int, _PROBES[1])
    ]
    if len(follows) != 1 or _differs(*compiled, except_index=follows[0]):
        return None  # no single id parameter, or a value that changes between compilations
    return _statement(queryset, compiled[0], follows[0])


def _compile_page(queryset: QuerySet) -> Statement | None:
    """The statement of an ordered, sliced queryset, or None when it cannot be reused."""
    if not _rebuildable(queryset):
        return None
    # Compiled twice to catch values made while compiling. Values fixed when the queryset
    # was built come from the reader in the key; SQL_CACHE_CHECK, which builds
    # afresh, catches a queryset that reads anything else.
    first, second = _compiled(queryset), _compiled(queryset)
    if first is None or second is None or _differs(first, second):
        return None  # a value that changes from one compilation to the next
    return _statement(queryset, first, None)


def _kept(key, build, compile) -> Statement | None:
    if not WRITTEN_FOR_THIS_DJANGO:
        return None
    found = _statements.get(key)
    if found is None:
        found = compile(build())
        if found is not None:
            _statements.keep(key, found)
    elif settings.SQL_CACHE_CHECK:
        _check(key, found, compile(build()))
    return found


def statement_for(key: Hashable, build: Callable[[], QuerySet]) -> Statement | None:
    """The statement of `build().get(pk=...)`, kept under `key`; None when it cannot be
    reused (read through the ORM then)."""
    return _kept(("get", key), build, _compile)


class FirstPage:
    """Stands in for the queryset a cursor paginator orders and slices.

    Ordered once and sliced from the start, it reads through a statement kept under
    (`key`, ordering, end of the slice); anything else (a cursor's position filter or
    offset, any other queryset method) builds the real queryset, once, and carries on
    with it. `key` follows the contract of `statement_for`."""

    def __init__(self, key: Hashable, build: Callable[[], QuerySet], ordering: tuple | None = None):
        self._key, self._build = key, build
        self._ordering = ordering
        self._built: QuerySet | None = None

    def _queryset(self) -> QuerySet:
        if self._built is None:
            queryset = self._build()
            if self._ordering is not None:
                queryset = queryset.order_by(*self._ordering)
            self._built = queryset
        return self._built

    def order_by(self, *fields):
        if self._ordering is not None:
            return self._queryset().order_by(*fields)
        return FirstPage(self._key, self._build, tuple(fields))

    def __getitem__(self, k):
        if (
            self._ordering is not None
            and isinstance(k, slice)
            and not k.start
            and k.step is None
            and isinstance(k.stop, int)
            and k.stop > 0
        ):
            statement = _kept(
                ("page", self._key, self._ordering, k.stop),
                lambda: self._queryset()[: k.stop],
                _compile_page,
            )
            if statement is not None:
                return statement.all()
        return self._queryset()[k]

    def __getattr__(self, name: str):
        if name.startswith("_"):  # not set yet (copying, unpickling): never a queryset's
            raise AttributeError(name)
        return getattr(self._queryset(), name)


class StaleStatement(AssertionError):
    """A kept statement differs from what the queryset compiles to now: the queryset
    depends on something its key does not name."""


def _check(key: Hashable, found: Statement, fresh: Statement | None) -> None:
    """Compare a kept statement with a fresh compilation (SQL_CACHE_CHECK: tests and
    debug mode), so that a queryset reading anything besides its key fails loudly
    instead of serving one caller another's SQL."""
    if (
        fresh is None
        or fresh.pk_index != found.pk_index
        or _differs((fresh.sql, fresh.params), (found.sql, found.params))
    ):
        raise StaleStatement(
            f"compiled read {key!r}: the queryset no longer compiles to the kept statement; "
            "the queryset depends on something besides the endpoint, action and reader"
        )


def clear() -> None:
    """Forget every statement."""
    _statements.clear()
