"""psycopg keeps the parsed text of our long statements (config/postgresql/base.py): a
detail read's statement is over psycopg's own 4 KB limit and ran on every request."""

from __future__ import annotations

from django.db import connection
from psycopg import _queries

from config.postgresql.base import LONGEST_KEPT_STATEMENT


def test_a_long_statement_is_parsed_once(db):
    padding = " + ".join(["1"] * 2500)  # about 10 KB of text
    sql = f"SELECT %s::int + {padding}"
    assert 4096 < len(sql) < LONGEST_KEPT_STATEMENT
    with connection.cursor() as cursor:
        cursor.execute(sql, [1])
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, [2])
        assert cursor.fetchone()[0] == 2502
        after = _queries._query2pg.cache_info()
    assert after.hits == before.hits + 1
    assert after.misses == before.misses
