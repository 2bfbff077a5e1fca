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
    '{"big": [18446744073709551616, -9223372036854775809, 123456789012345678901234567890]}',
    '{"text": "order 12345678901234567890", "n": 1}',
]


def test_json_values_are_read_with_orjson_as_json_reads_them(db):
    connection.ensure_connection()
    oid = psycopg.postgres.types["json"].oid
    assert connection.connection.adapters.get_loader(oid, Format.TEXT) is OrjsonLoader
    with connection.cursor() as cursor:
        read = [cursor.execute("SELECT %s::json", [t]).fetchone()[0] for t in TEXTS]
    assert read == [json.loads(t) for t in TEXTS]


def test_integers_beyond_64_bits_keep_every_digit(db):
    """orjson alone would read these as floats; a jsonb field reads them whole."""
    from digests.models import Digest

    field = Digest._meta.get_field("key_points")
    value = field.from_db_value("[18446744073709551616, 1]", None, connection)
    assert value == [18446744073709551616, 1] and isinstance(value[0], int)
