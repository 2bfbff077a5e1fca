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
(core.internals.Rows), so instances are built the same way.

The key is derived, never written by hand: the endpoint, its action, the tenant and the
caller's `digests.selectors.Reader` (`TenantScopedViewSet.reader`), the one value the
queryset is built from, plus the ordering and page size for a first page. With
SQL_CACHE_CHECK (tests, debug mode) every kept read is compiled again and compared,
so a queryset that came to depend on anything else fails loudly. The database still
checks the tenant (row-level security): the statement runs in the request's transaction
like any other. STATEMENT_CACHE = False reads everything through the ORM.

The steps that lean on the ORM's internals (compiling a queryset, turning rows into
instances) are core.internals'; on versions they were not written for, nothing is kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model, QuerySet

from core import internals

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
    `all` for a page (no parameter varies); `rows` turns its rows into instances."""

    using: str
    sql: str
    params: tuple
    pk_index: int | None
    rows: internals.Rows

    @property
    def model(self) -> type[Model]:
        return self.rows.model

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
            fetched = cursor.fetchall()
        return self.rows.instances(fetched, self.using)

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


def _same(a: Any, b: Any) -> bool:
    """Two compilations' values for one parameter are the same value (adapters such as
    psycopg's Jsonb compare by identity, so their repr decides)."""
    return a == b or repr(a) == repr(b)


def _statement(
    queryset: QuerySet, compiled: internals.Compiled, pk_index: int | None
) -> Statement | None:
    params = tuple(internals.dumped_once(value) for value in compiled.params)
    rows = internals.row_recipe(compiled, queryset.db)
    if rows is None:
        return None
    return Statement(
        using=queryset.db, sql=compiled.sql, params=params, pk_index=pk_index, rows=rows
    )


def _differs(first, second, *, except_index: int | None = None) -> bool:
    """Whether two compilations (each with `sql` and `params`) differ in text or in any
    parameter but `except_index`."""
    sql, params, other_sql, other_params = first.sql, first.params, second.sql, second.params
    if sql != other_sql or len(params) != len(other_params):
        return True
    return any(
        i != except_index and not _same(a, b)
        for i, (a, b) in enumerate(zip(params, other_params, strict=True))
    )


def _compile(queryset: QuerySet) -> Statement | None:
    """The statement of `queryset.get(pk=...)`, or None when it cannot be reused as is."""
    if not internals.rebuildable(queryset):
        return None
    compiled = []
    for probe in _PROBES:
        found = internals.compile_get(queryset, probe)
        if found is None:
            return None
        compiled.append(found)
    params, other_params = compiled[0].params, compiled[1].params
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
    if not internals.rebuildable(queryset):
        return None
    # Compiled twice to catch values made while compiling. Values fixed when the queryset
    # was built come from the reader in the key; SQL_CACHE_CHECK, which builds
    # afresh, catches a queryset that reads anything else.
    first, second = internals.compile_all(queryset), internals.compile_all(queryset)
    if first is None or second is None or _differs(first, second):
        return None  # a value that changes from one compilation to the next
    return _statement(queryset, first, None)


def _kept(key, build, compile) -> Statement | None:
    if not internals.WRITTEN_FOR_THESE_VERSIONS:
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
    if fresh is None or fresh.pk_index != found.pk_index or _differs(fresh, found):
        raise StaleStatement(
            f"compiled read {key!r}: the queryset no longer compiles to the kept statement; "
            "the queryset depends on something besides the endpoint, action and reader"
        )


def clear() -> None:
    """Forget every statement."""
    _statements.clear()
