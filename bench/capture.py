"""The SQL statements one request to each path runs, with their parameters.

    python -m bench.capture PATHS_JSON KEY   (the benchmark's settings and database URL
    in the environment, as bench.run sets them)

Prints one JSON object: for each name, what a request to its path ran (after a first
request warms the caches): `queries`, the count Django's query capture gives (BEGIN and
COMMIT included), and `statements`, each as [sql, parameters, the tenant setting it ran
under]. The SQL keeps its %s placeholders and the parameters travel encoded (`encode`),
so the limit app can run the list's digest query exactly as the endpoint does: bound on
the server and prepared, with the plan PostgreSQL keeps for it, under the same
row-level-security setting. Interpolated into the text, the same query gets a plan of its
own each time; run with the setting opened to every tenant ('*'), the planner misjudges
the tenant's rows. Either way, at 2,000 digests a tenant, the plan scanned and sorted the
whole tenant (11 to 48 ms, against under 1 for the app's plan).
"""

from __future__ import annotations

import datetime
import json
import sys

from psycopg.types import numeric
from psycopg.types.json import Jsonb

# psycopg's numbers of a stated PostgreSQL type (Django binds an IntegerField's value as
# Int4): carried with their type, so the statement binds them as the app does.
TYPED_NUMBERS = {
    cls.__name__: cls
    for cls in (numeric.Int2, numeric.Int4, numeric.Int8, numeric.Float4, numeric.Float8)
}


def encode(value):
    """A statement parameter as JSON, tagged where JSON alone would lose its type."""
    if value is None or type(value) in (bool, int, float):
        return value
    if TYPED_NUMBERS.get(type(value).__name__) is type(value):
        return {"number": [type(value).__name__, value + 0]}
    if isinstance(value, str):  # also Django's text choices
        return str(value)
    if isinstance(value, list | tuple):
        return {"array": [encode(v) for v in value]}
    if isinstance(value, Jsonb):
        return {"jsonb": value.obj}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    raise TypeError(f"bench.capture cannot carry a parameter of type {type(value).__name__}")


def decode(value):
    """The parameter `encode` carried, as psycopg binds it."""
    if not isinstance(value, dict):
        return value
    ((kind, inner),) = value.items()
    if kind == "array":
        return [decode(v) for v in inner]
    if kind == "jsonb":
        return Jsonb(inner)
    if kind == "number":
        name, number = inner
        return TYPED_NUMBERS[name](number)
    if kind == "datetime":
        return datetime.datetime.fromisoformat(inner)
    if kind == "date":
        return datetime.date.fromisoformat(inner)
    raise ValueError(f"unknown parameter kind {kind!r}")


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tenants import key_cache
    from tenants.context import database_scope_value

    paths, key = json.loads(sys.argv[1]), sys.argv[2]
    client, out = Client(), {}
    # As in a serving process: keys come from the cache once its connection listens.
    cache = key_cache.listener()
    if cache is not None and not cache.wait_live(10):
        sys.exit("the API key cache did not start listening")
    for name, path in paths.items():
        client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
        statements = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append([sql, [encode(p) for p in params or ()], database_scope_value()])
            return execute(sql, params, many, context)

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(record):
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {key}")
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}")
        out[name] = {"queries": len(captured), "statements": statements}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
