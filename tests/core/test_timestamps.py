"""core.timestamps: `timestamptz` read with psycopg's own parser, with the value and time
zone Django's loader gives."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format

from core.timestamps import _OID, use_fast_timestamptz

TEXTS = [
    "2026-11-28 09:30:12.123456+00",
    "2026-03-29 01:00:00+00",
    "1999-12-31 23:59:59.5+00",
    "2026-11-28 10:30:12+01",
]


def _read(raw) -> list[datetime.datetime]:
    with raw.cursor() as cursor:
        return [cursor.execute("SELECT %s::timestamptz", [t]).fetchone()[0] for t in TEXTS]


def test_values_and_time_zone_match_djangos_loader(db):
    connection.ensure_connection()
    raw = connection.connection
    ours = raw.adapters.get_loader(_OID, Format.TEXT)
    assert ours.__name__ == "FastTimestamptzLoader"
    fast = _read(raw)
    register_tzloader(datetime.UTC, raw)  # Django's own loader, for comparison
    try:
        assert raw.adapters.get_loader(_OID, Format.TEXT).__name__ == "SpecificTzLoader"
        slow = _read(raw)
    finally:
        use_fast_timestamptz(raw)
    assert fast == slow
    assert all(value.tzinfo is datetime.UTC for value in fast)
    assert fast[3] == datetime.datetime(2026, 11, 28, 9, 30, 12, tzinfo=datetime.UTC)
    # Django compares this attribute before each cursor: equal, so it keeps our loader.
    assert ours.timezone == connection.timezone
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        assert cursor.cursor.adapters.get_loader(_OID, Format.TEXT).__name__ == (
            "FastTimestamptzLoader"
        )
