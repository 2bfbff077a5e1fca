"""core.jsonfields: `json` values are read with orjson on every connection the backend
opens, to the same values the standard decoder gives."""

from __future__ import annotations

import json

import psycopg
from django.db import connection
from psycopg.pq import Format

from core.jsonfields import OrjsonLoader

TEXTS = [
    '{"a": [1, 2.5, "x", null, true], "b": {"c": "\\u00e9"}}',
    '{"edge": [18446744073709551615, -9223372036854775808, 1e-7]}',
    "[]",
]


def test_json_values_are_read_with_orjson_as_json_reads_them(db):
    connection.ensure_connection()
    oid = psycopg.postgres.types["json"].oid
    assert connection.connection.adapters.get_loader(oid, Format.TEXT) is OrjsonLoader
    with connection.cursor() as cursor:
        read = [cursor.execute("SELECT %s::json", [t]).fetchone()[0] for t in TEXTS]
    assert read == [json.loads(t) for t in TEXTS]
