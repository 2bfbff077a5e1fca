"""The limit: a bare WSGI app running the list endpoint's own SQL with psycopg and writing
JSON with orjson. Nothing a real endpoint does around that query (authentication,
tenancy, roles, the policies' redaction, shaping each digest) is here; it shows how fast
this machine can serve the same page at all.

The statement is the one the list endpoint ran for the benchmark's viewer, captured with
its parameters and the tenant setting it ran under by `bench.capture` (LIMIT_SQL,
LIMIT_PARAMS, LIMIT_TENANT_SETTING), and it runs as the endpoint runs it: parameters
bound on the server, prepared as the app's DATABASE_PREPARE_THRESHOLD says, one
connection per thread, row-level security set to the same tenant. So both read the same
rows, sources and licenses with the same conditions and the same plan.

    LIMIT_SQL=... LIMIT_PARAMS=... LIMIT_TENANT_SETTING=... gunicorn bench.limit_app:application
    (DATABASE_URL names the database)
"""

from __future__ import annotations

import json
import os
import threading

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads

from bench.capture import decode
from config.env import env_int_or_off

SQL = os.environ["LIMIT_SQL"]
PARAMS = [decode(p) for p in json.loads(os.environ.get("LIMIT_PARAMS", "[]"))]
TENANT_SETTING = os.environ["LIMIT_TENANT_SETTING"]
# Prepared as the app prepares (config/settings.py reads the same variable the same way).
PREPARE_THRESHOLD = env_int_or_off("DATABASE_PREPARE_THRESHOLD", 5, low=1)
_local = threading.local()


def _conn() -> psycopg.Connection:
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        connection = psycopg.connect(
            url, autocommit=True, row_factory=dict_row, prepare_threshold=PREPARE_THRESHOLD
        )
        set_json_loads(orjson.loads, context=connection)
        # The tenant set once for the whole session: no per-request tenancy. ('*', which
        # opens every tenant, would do for the rows but not for the plan: the planner then
        # expects far fewer of the tenant's rows to pass and sorts them all.)
        connection.execute("SELECT set_config('app.tenant_id', %s, false)", [TENANT_SETTING])
        _local.connection = connection
    return connection


def application(environ, start_response):
    rows = _conn().execute(SQL, PARAMS).fetchall()
    body = orjson.dumps({"results": rows})
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
