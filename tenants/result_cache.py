"""Results computed from a tenant's rows, kept in Django's cache until those rows change.

A result is kept under the current tenant, the tenant's data version (`DataVersion`,
moved by the database in every transaction that changes one of the tenant's rows, with
a random token drawn at each move), the code that computes it (`code_generation`) and
the inputs the caller names (`parts`). The version is read before the result is
computed, so what is kept under version N was computed from the rows at N or later, and
every request that starts after a change commits reads N+1 and misses: no result from
before a change reaches a reader after it, in any process. A transaction that has
written (its changes not yet committed, perhaps never) neither reads nor keeps results.

A result may read only tables that move the version: every table under row-level
security but those migration 0014 leaves out (written by reads, such as the policy
insight counts). `parts` must hold everything else the result depends on. Callers pass
values that decide it whole: the SQL and parameters of a statement, or a
`digests.selectors.Reader` (`identity` walks every field that takes part in its
equality, so a field added there is part of the key without anyone adding it here).

`RESULT_CACHE_SECONDS=0` computes every result afresh (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from psycopg.types.json import Json, Jsonb

from tenants.context import current_tenant_id, in_platform_scope

logger = logging.getLogger(__name__)
T = TypeVar("T")


def data_version() -> tuple[int, str] | None:
    """The current tenant's data version and the token drawn with it, as this
    transaction reads them ((0, "") before any change), or None once this transaction
    has written: its own changes are not committed, so nothing it computes may be kept,
    nor anything kept be trusted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.version, v.token::text, pg_current_xact_id_if_assigned() IS NULL "
            "FROM (SELECT 1) one LEFT JOIN tenants_dataversion v ON v.tenant_id = %s",
            [current_tenant_id()],
        )
        version, token, clean = cursor.fetchone()
    return (version or 0, token or "") if clean else None


def identity(value):
    """`value` as JSON-able data that two values share only when they are equal: each
    value tagged with its kind; a dataclass by the fields that take part in its
    equality, a queryset by its SQL and parameters, collections item by item. A value
    of any other type is refused rather than described loosely."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        compared = [f.name for f in dataclasses.fields(value) if f.compare]
        fields = {name: identity(getattr(value, name)) for name in compared}
        return [type(value).__qualname__, fields]
    if isinstance(value, QuerySet):
        sql, params = value.query.sql_with_params()
        return ["QuerySet", sql, identity(params)]
    if isinstance(value, dict):
        pairs = [[identity(k), identity(v)] for k, v in value.items()]
        return ["dict", sorted(pairs, key=json.dumps)]
    if isinstance(value, (list, tuple)):
        return ["list", [identity(item) for item in value]]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted((identity(item) for item in value), key=json.dumps)]
    if isinstance(value, (Json, Jsonb)):
        return [type(value).__name__, identity(value.obj)]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if value is None or isinstance(value, (bool, int, float, str)):
        return [type(value).__name__, value]
    if isinstance(value, (dt.date, dt.datetime, Decimal)):
        return [type(value).__name__, str(value)]
    raise TypeError(f"no cache identity for {type(value).__name__}")


@functools.cache
def code_generation() -> str:
    """A digest of the project's Python source as this process loaded it: results made
    by other code (an earlier release, or a later one during a rolling deploy) are
    never used, and a fix to what a result withholds applies at once."""
    digest = hashlib.sha256()
    for path in sorted(_source_files()):
        digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _source_files():
    """Every module of the project's packages (the tests aside), migrations included."""
    for package in settings.BASE_DIR.iterdir():
        if (package / "__init__.py").is_file() and package.name != "tests":
            yield from package.rglob("*.py")


def cached_result(name: str, parts, compute: Callable[[], T]) -> T:
    """`compute()`, or what it gave for the same `name` and `parts` in this tenant since
    its rows last changed."""
    seconds = settings.RESULT_CACHE_SECONDS
    tenant_id = current_tenant_id()
    if not seconds or tenant_id is None or in_platform_scope():
        return compute()
    version = data_version()  # before computing: see the module's docstring
    if version is None or not version[1]:
        return compute()  # this transaction wrote, or the tenant's rows never changed
    _, token = version
    digest = hashlib.sha256(
        json.dumps([code_generation(), name, identity(parts)], separators=(",", ":")).encode()
    ).hexdigest()
    key = f"result:{tenant_id}:{token}:{digest}"
    try:
        kept = cache.get(key)
    except Exception:  # a cache that does not answer only costs time
        logger.warning("result cache unavailable", exc_info=True)
        return compute()
    if kept is not None:
        return kept
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("result cache unavailable", exc_info=True)
    return value
