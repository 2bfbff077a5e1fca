"""Every use of a library's private names or undocumented attributes, in one place and
pinned to the versions it was written for.

On a Django or psycopg not listed in SUPPORTED_DJANGO / SUPPORTED_PSYCOPG,
WRITTEN_FOR_THESE_VERSIONS is False: each caller then steps aside to the library's own
public behaviour, and tests/core/test_internals.py fails until the code below is checked
against the new release and the pins moved. That test also fails on such a use anywhere
else in the project.

Each use, one a line (functions: what they touch; caller; on another version):

- rebuildable, compile_*: QuerySet's private flags, Query, SQLCompiler; statement_cache; keeps none
- row_recipe, Rows: SQLCompiler.klass_info, select, converters; statement_cache; not reached
- loaded_instance, stores_plainly: Model._state, __dict__, descriptors; Rows; not reached
- dumped_once: psycopg Json's and Jsonb's `dumps`; core.statement_cache; not reached
- trust_quiet_connection, idle_and_quiet: health_check_*, pool, pgconn; postgresql.base; SELECT 1
- begin_with: psycopg's pgconn.exec_; tenants.db; None, and psycopg sends its own BEGIN
- copied_instance: Model.__dict__, _state.fields_cache; tenants.key_cache; copy.copy
- compiled_condition: Query.get_compiler, where, annotations; digests.selectors; None: built by ORM
- prefetched: Model._prefetched_objects_cache; tenants.principals; None, and the caller queries
- has_converters: Field.get_db_converters, get_col; tenants.authentication; True: read by the ORM

("not reached": only core.statement_cache calls it, and that keeps nothing then.)
"""

from __future__ import annotations

import copy
import inspect
import select
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django
import psycopg
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import DEFERRED, Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import MAX_GET_RESULTS, ModelIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from psycopg import errors as psycopg_errors
from psycopg import pq
from psycopg.types.json import Json, Jsonb

SUPPORTED_DJANGO = ((5, 2),)
SUPPORTED_PSYCOPG = ((3, 2), (3, 3))
WRITTEN_FOR_THESE_VERSIONS = (
    django.VERSION[:2] in SUPPORTED_DJANGO
    and tuple(int(part) for part in psycopg.__version__.split(".")[:2]) in SUPPORTED_PSYCOPG
)


# --- Reads compiled once (core.statement_cache) -----------------------------------------------


@dataclass(frozen=True)
class Compiled:
    """A queryset's SQL and parameters, with the compiler that made them (`row_recipe`
    reads it)."""

    sql: str
    params: tuple
    compiler: Any


def rebuildable(queryset: QuerySet) -> bool:
    """Whether a row alone rebuilds each instance, as ModelIterable would."""
    return not (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or queryset.query.select_related
        or queryset.query.combinator
    )


def compile_all(queryset: QuerySet) -> Compiled | None:
    """`queryset` compiled, or None when it matches nothing."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return Compiled(sql, tuple(params), compiler)


def compile_get(queryset: QuerySet, pk: Any) -> Compiled | None:
    """`queryset.get(pk=pk)` compiled as QuerySet.get compiles it; None when it matches
    nothing or `queryset` is sliced."""
    if queryset.query.is_sliced:
        return None
    clone = queryset.filter(pk=pk).order_by()
    clone.query.set_limits(high=MAX_GET_RESULTS)
    return compile_all(clone)


_JSON_PARAMETERS: tuple[type, ...] = (Json, Jsonb)


def dumped_once(value: Any) -> Any:
    """A JSON parameter (psycopg's Json or Jsonb, carrying the ORM's `dumps`) whose text is
    written now, once: a kept statement sends the same value on every read. Anything else
    as it is."""
    if not isinstance(value, _JSON_PARAMETERS) or value.dumps is None:
        return value
    text = value.dumps(value.obj)
    return type(value)(value.obj, dumps=lambda _obj, text=text: text)


def loaded_instance(model: type[Model], using: str) -> Model:
    """An instance of `model` with no field values yet, as loaded from `using`."""
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = using
    obj._state = state
    return obj


# The descriptors Django puts on plain fields and foreign keys' id attributes: setting
# one on a new instance stores the value (and clears a cache that is still empty).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def stores_plainly(model: type[Model]) -> bool:
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


@dataclass(frozen=True)
class Rows:
    """What ModelIterable works out to turn a row of one compiled query into an instance
    (the selected fields, the annotations' columns, the backend's converters)."""

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
    # (attname, column position) of each field read, where the model `stores_plainly`.
    present: tuple[tuple[str, int], ...] | None

    def instances(self, rows, using: str) -> list[Model]:
        """The instances `rows` (as the cursor fetched them) stand for, read from `using`."""
        connection = connections[using]
        # For a model that stores_plainly, Model.__init__ with positional values does no
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
                    using, self.init_list, row[self.model_start : self.model_end]
                )
            elif direct:
                obj = loaded_instance(self.model, using)
                values = obj.__dict__
                for name, position in self.present:
                    values[name] = row[position]
            else:  # as Model.from_db builds it
                obj = self.model(*[DEFERRED if p is None else row[p] for p in self.positions])
                obj._state.adding = False
                obj._state.db = using
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found


def row_recipe(compiled: Compiled, using: str) -> Rows | None:
    """How rows of `compiled` become instances, or None when a row does not hold one
    instance alone (related objects populated from the same row)."""
    compiler = compiled.compiler
    selected, klass_info = compiler.select, compiler.klass_info
    if get_related_populators(klass_info, selected, using):
        return None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    converters = compiler.get_converters([s[0] for s in selected[: compiler.col_count]])
    model = klass_info["model"]
    init_list = tuple(f[0].target.attname for f in selected[start:end])
    positions = present = None
    if model.from_db.__func__ is Model.from_db.__func__:
        at = {name: start + i for i, name in enumerate(init_list)}
        positions = tuple(at.get(f.attname) for f in model._meta.concrete_fields)
        if stores_plainly(model):
            present = tuple(
                (f.attname, p)
                for f, p in zip(model._meta.concrete_fields, positions, strict=True)
                if p is not None
            )
    return Rows(
        model=model,
        init_list=init_list,
        model_start=start,
        model_end=end,
        annotations=tuple(compiler.annotation_col_map.items()),
        converters=tuple((pos, tuple(convs), expr) for pos, (convs, expr) in converters.items()),
        positions=positions,
        present=present,
    )


# --- Connections (core.postgresql.base, tenants.db) -------------------------------------------


def idle_and_quiet(raw: psycopg.Connection) -> bool:
    """Whether `raw` is open, outside any transaction, with nothing to read."""
    pgconn = raw.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        fd = pgconn.socket
    except psycopg.Error:
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return not poller.poll(0)


def trust_quiet_connection(wrapper) -> bool:
    """Take the health check Django is about to run on `wrapper`'s connection as passed
    when the connection is `idle_and_quiet`, marking it done for the request as Django's
    own check does. False (Django checks) where no check is due, with a pool (its own
    checks), or on another version."""
    if (
        WRITTEN_FOR_THESE_VERSIONS
        and wrapper.connection is not None
        and wrapper.health_check_enabled
        and not wrapper.health_check_done
        and not wrapper.pool
        and idle_and_quiet(wrapper.connection)
    ):
        wrapper.health_check_done = True
        return True
    return False


def begin_with(raw: psycopg.Connection, select_sql: str):
    """Open the transaction psycopg would open for the next statement together with
    `select_sql` (a SELECT without parameters), in one round trip: one simple query,
    `BEGIN; <select_sql>`. psycopg then sees a transaction in progress and sends no BEGIN
    of its own; COMMIT and ROLLBACK stay its own. Returns the selected row, or None,
    having sent nothing, where psycopg's BEGIN would say more than BEGIN (an isolation
    level, read-only, deferrable), the connection cannot take it, or on another version."""
    pgconn = raw.pgconn
    if (
        not WRITTEN_FOR_THESE_VERSIONS
        or raw.autocommit
        or raw.isolation_level is not None
        or raw.read_only is not None
        or raw.deferrable is not None
        or pgconn.status != pq.ConnStatus.OK
        or pgconn.pipeline_status != pq.PipelineStatus.OFF
        or pgconn.transaction_status != pq.TransactionStatus.IDLE
    ):
        return None
    # exec_ waits with the GIL released.
    result = pgconn.exec_(f"BEGIN; {select_sql}".encode())
    if result.status != pq.ExecStatus.TUPLES_OK:
        # Left to the caller's atomic block to roll back, as after any failed statement.
        if pgconn.status != pq.ConnStatus.OK or not result.error_field(pq.DiagnosticField.SQLSTATE):
            # The server is gone (libpq's own error, no SQLSTATE): OperationalError, as
            # psycopg raises it, so the request is answered 503 and the connection replaced.
            raise psycopg.OperationalError(result.get_error_message() or "connection lost")
        raise psycopg_errors.error_from_result(result)
    return tuple(result.get_value(0, column) for column in range(result.nfields))


# --- Model instances and querysets of the apps ------------------------------------------------


def copied_instance(instance: Model) -> Model:
    """A copy of a model instance, with its own field values and state and no cached
    related objects (copy.copy's copy, which keeps them, on another version)."""
    if not WRITTEN_FOR_THESE_VERSIONS:
        return copy.copy(instance)
    fresh = type(instance).__new__(type(instance))
    fresh.__dict__.update(instance.__dict__)
    fresh._state = copy.copy(instance._state)
    fresh._state.fields_cache = {}
    return fresh


def compiled_condition(queryset: QuerySet, connection) -> tuple[str | None, tuple, tuple] | None:
    """`queryset`'s condition compiled for `connection`, to stand alone in other queries:
    (WHERE fragment or None for "everything", its params, each annotation as (name, sql,
    params)). None when it cannot (it matches nothing), and on another version."""
    if not WRITTEN_FOR_THESE_VERSIONS:
        return None
    query = queryset.query
    compiler = query.get_compiler(connection=connection)
    try:
        where_sql, where_params = compiler.compile(query.where)
    except FullResultSet:
        where_sql, where_params = None, ()
    except EmptyResultSet:
        return None
    compiled = []
    for name, expression in query.annotations.items():
        try:
            sql, params = compiler.compile(expression)
        except FullResultSet:  # as the ORM selects such a condition: a constant
            sql, params = "1 = 1", ()
        except EmptyResultSet:
            sql, params = "1 = 0", ()
        compiled.append((name, sql, tuple(params)))
    return where_sql, tuple(where_params), tuple(compiled)


def prefetched(instance: Model, name: str) -> QuerySet | None:
    """The objects prefetch_related loaded as `name` on `instance`, or None where it did
    not (always on another version)."""
    if not WRITTEN_FOR_THESE_VERSIONS:
        return None
    return getattr(instance, "_prefetched_objects_cache", {}).get(name)


def has_converters(model: type[Model], connection) -> bool:
    """Whether a value of one of `model`'s concrete fields is converted on its way out of
    the database, by the field or by the backend (always True on another version)."""
    if not WRITTEN_FOR_THESE_VERSIONS:
        return True
    table = model._meta.db_table
    return any(
        f.get_db_converters(connection) or connection.ops.get_db_converters(f.get_col(table))
        for f in model._meta.concrete_fields
    )
