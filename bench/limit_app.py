"""The limit: a bare WSGI app running the list endpoint's SQL with psycopg and writing
JSON with orjson. Nothing a real endpoint needs (auth, tenancy, policies) is here; it
shows how fast this machine can serve the same page at all.

    gunicorn bench.limit_app:application   (DATABASE_URL names the database)
"""

from __future__ import annotations

import os

import orjson
import psycopg
from psycopg.rows import dict_row

SQL = (
    "SELECT d.id, d.slug, d.title, d.publisher, d.published_on, d.summary, d.key_points, "
    "d.topics, d.language, d.status, d.truncated, d.restricted, d.source_publisher, "
    "d.source_title, d.source_url, d.updated_at FROM digests_digest d "
    "JOIN tenants_tenant t ON t.id = d.tenant_id WHERE t.slug = %s AND d.status = 'published' "
    "ORDER BY d.published_on DESC, d.id DESC LIMIT 50"
)
_connection = None


def _conn():
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        _connection = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        _connection.execute("SELECT set_config('app.tenant_id', '*', false)")
    return _connection


def application(environ, start_response):
    tenant = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
    rows = _conn().execute(SQL, [tenant]).fetchall()
    body = orjson.dumps({"results": rows})
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
