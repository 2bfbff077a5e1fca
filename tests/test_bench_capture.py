"""bench.capture carries the list's digest query, parameters included, to the limit app,
which must read the same page the endpoint read."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from psycopg.types.json import Jsonb
from psycopg.types.numeric import Int4

from bench.capture import decode, encode
from digests.models import Digest
from tenants.context import database_scope_value, tenant_context
from tests import factories
from tests.policies import DIGESTS, bearer, publish, rule


def test_parameters_keep_their_types_through_json():
    values = [
        7,
        "view_digest",
        Digest.Status.PUBLISHED,
        None,
        True,
        [1, 2],
        Jsonb(["bench-blocked"]),
        datetime.date(2026, 11, 28),
        datetime.datetime(2026, 11, 28, 9, 30, tzinfo=datetime.UTC),
        Int4(3),
    ]
    carried = [decode(v) for v in json.loads(json.dumps([encode(v) for v in values]))]
    assert carried[:6] == [7, "view_digest", "published", None, True, [1, 2]]
    assert type(carried[2]) is str
    assert isinstance(carried[6], Jsonb) and carried[6].obj == ["bench-blocked"]
    assert carried[7:] == values[7:]
    assert type(carried[9]) is Int4
    with pytest.raises(TypeError, match="cannot carry"):
        encode(object())


def test_the_limit_reads_the_page_the_endpoint_read(world):
    for n in range(4):
        factories.digest(world.acme, title=f"Harbour notes {n}", topics=["harbours"])
    factories.digest(world.acme, title="Blocked", topics=["blocked-topic"])
    publish(
        world,
        rule("topic_block", topics=["blocked-topic"]),
        rule("keyword_block", "r2", keywords=["meme coin"]),  # its phrase count is an Int4
    )
    key = factories.api_key(world.acme, "viewer")
    statements = []

    def record(execute, sql, params, many, context):
        carried = json.loads(json.dumps([encode(p) for p in params or ()]))
        statements.append((sql, carried, database_scope_value()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = bearer(key.token).get(DIGESTS, {"page_size": 3})
    assert response.status_code == 200
    [(sql, params, setting)] = [
        s for s in statements if 'FROM "digests_digest"' in s[0] and "LIMIT" in s[0]
    ]
    assert setting == str(world.acme.pk)  # the limit sets the same tenant for its session
    with tenant_context(world.acme), connection.cursor() as cursor:
        cursor.execute(sql, [decode(p) for p in params])
        rows = cursor.fetchall()
    served = [d["id"] for d in response.json()["results"]]
    assert len(served) == 3 and len(rows) == 4  # a page and one more, for the next cursor
    assert [row[0] for row in rows[:3]] == served
