"""The limit: a bare WSGI app running the list endpoint's own SQL with psycopg and writing
JSON with orjson. Nothing a real endpoint does around that query (authentication,
tenancy, roles, the policies' redaction, shaping each digest) is here; it shows how fast
this machine can serve the same page at all.

The SQL is the statement the list endpoint ran for the benchmark's viewer, captured by
`bench.run` through Django's test client (LIMIT_SQL), so both read the same rows, sources
and licenses with the same conditions and plan.

    LIMIT_SQL=... gunicorn bench.limit_app:application   (DATABASE_URL names the database)
"""

from __future__ import annotations

import os

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads

SQL = os.environ["LIMIT_SQL"]
_connection = None


def _conn():
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        _connection = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        set_json_loads(orjson.loads, context=_connection)
        # Row-level security opened once for the whole session: no per-request tenancy.
        _connection.execute("SELECT set_config('app.tenant_id', '*', false)")
    return _connection


def application(environ, start_response):
    rows = _conn().execute(SQL).fetchall()
    body = orjson.dumps({"results": rows})
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
