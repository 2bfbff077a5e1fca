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
    '{"text": "order 12345678901234567890", "n": 1}',
]


def test_json_values_are_read_with_orjson_as_json_reads_them(db):
    connection.ensure_connection()
    oid = psycopg.postgres.types["json"].oid
    assert connection.connection.adapters.get_loader(oid, Format.TEXT) is OrjsonLoader
    with connection.cursor() as cursor:
        read = [cursor.execute("SELECT %s::json", [t]).fetchone()[0] for t in TEXTS]
    assert read == [json.loads(t) for t in TEXTS]


def test_an_integer_beyond_64_bits_is_never_stored(world):
    """orjson reads such an integer back as a float, losing digits: the field refuses it,
    and the largest integers that fit come back whole."""
    import pytest
    from django.db import transaction

    from tenants.context import tenant_context
    from tests import factories

    digest = factories.digest(world.acme)
    with tenant_context(world.acme):
        for too_big in (2**63, -(2**63) - 1, 10**30):
            digest.key_points = ["fine", {"nested": [too_big]}]
            with (
                pytest.raises(ValueError, match="key_points holds an integer beyond 64 bits"),
                transaction.atomic(),
            ):
                digest.save(update_fields=["key_points"])
        digest.key_points = [2**63 - 1, -(2**63), True]
        digest.save(update_fields=["key_points"])
        digest.refresh_from_db()
        assert digest.key_points == [2**63 - 1, -(2**63), True]
        assert all(isinstance(v, int) for v in digest.key_points)
