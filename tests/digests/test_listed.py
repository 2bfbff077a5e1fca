"""The list's and the detail's digests as PostgreSQL writes them (digests.api.LISTED_SQL,
DETAILED_SQL) are what `digest_to_dict` and the sources reader make of the same rows,
value for value and key for key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Field

from digests.api import DETAILED_SQL, LISTED_SQL, digest_to_dict
from digests.models import Digest
from digests.selectors import DigestTableSQL
from licensing.selectors import sources_of_digests, today
from tenants.context import tenant_context
from tests import factories

UTC = dt.UTC


def written(tenant, detail: bool) -> list[dict]:
    """The database's rendering of each of the tenant's digests."""
    sql = DETAILED_SQL if detail else LISTED_SQL
    with tenant_context(tenant):
        rows = Digest.objects.annotate(
            written=DigestTableSQL(sql, (today(),), output_field=Field())
        ).order_by("pk")
        return list(rows.values_list("written", flat=True))


def python(tenant, detail: bool, **only) -> list[dict]:
    """The same from Python: digest_to_dict, and the sources as `sources_of_digests` reads
    them (the same SQL, asked on its own; tests/licensing/test_shown_sources.py holds it
    to every license state), for the tenant's digests matching `only`."""
    with tenant_context(tenant):
        rows = list(Digest.objects.filter(**only).order_by("pk"))
        sources = sources_of_digests([row.pk for row in rows])
        return [{**digest_to_dict(row, detail=detail), "sources": sources[row.pk]} for row in rows]


@pytest.mark.parametrize("detail", [False, True], ids=["list", "detail"])
@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo", "Asia/Kathmandu"])
def test_sql_and_python_write_the_same_digest(world, zone, detail):
    cases = [
        {},
        {"source_publisher": "Other House", "source_title": "Original title"},
        {"source_url": "https://example.test/episodes/7?a=1&b=%20"},
        {"summary": "", "key_points": [], "topics": []},
        {
            "title": 'Quotes " and \\ backslashes, tabs\tand\nnew lines \x01 control',
            "publisher": "Éditions Ünïcödé 🎧 عربي",
            "key_points": ["Point with \u2028 line separator", "<script>&amp;</script>"],
            "topics": ["energy", "ÉNERGIE"],
            "summary": "Emoji 👩🏽‍🔬 and combining e\u0301",
        },
        {"published_on": dt.date(999, 12, 31), "language": "fr"},
        {
            "sections": [
                {
                    "number": 1,
                    "emoji": "🌊",
                    "title": "Nested",
                    "bullets": ["One", 'Two "quoted"'],
                    "subsections": [{"number": "1.1", "title": "Deeper", "bullets": []}],
                },
                {"number": 2, "emoji": "", "title": "Bare", "bullets": [], "subsections": []},
            ],
            "exporter": "Digest Exporter 2.1",
        },
        {"sections": []},
    ]
    made = [factories.digest(world.acme, **fields) for fields in cases]
    made.append(factories.digest(world.acme, status="draft"))
    restricted = factories.digest(world.acme)
    Digest.objects.unscoped().filter(pk=restricted.pk).update(restricted=True, truncated=True)
    # updated_at is set on save: written directly, with and without microseconds, and
    # at the edges of four-digit years.
    times = [
        dt.datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
        dt.datetime(2025, 3, 14, 9, 26, 53, 5, tzinfo=UTC),
        dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        dt.datetime(2, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 100000, tzinfo=UTC),
    ]
    for digest, when in zip(made, times, strict=False):
        Digest.objects.unscoped().filter(pk=digest.pk).update(updated_at=when)
    expected = python(world.acme, detail)
    # The session's zone (Django keeps UTC) changes nothing in the database's text.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
    try:
        database_side = written(world.acme, detail)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
    assert len(database_side) == len(expected) == len(made) + 1
    for database, python_dict in zip(database_side, expected, strict=True):
        assert database == python_dict
        assert list(database) == list(python_dict)  # the same keys in the same order
        assert list(database["source"]) == list(python_dict["source"])
        for got, wanted in zip(
            database.get("sections") or [], python_dict.get("sections") or [], strict=True
        ):
            assert list(got) == list(wanted)
    assert {d["updated_at"] for d in expected} >= {
        "2025-03-14T09:26:53Z",
        "2025-03-14T09:26:53.000005Z",
        "2025-12-31T23:59:59.999999Z",
        "0002-01-01T00:00:00Z",
        "9999-12-31T23:59:59.100000Z",
    }


def test_the_list_endpoint_answers_with_the_databases_rendering(world):
    digest = factories.digest(
        world.acme, title="Listed", source_publisher="", source_url="https://x.test/1"
    )
    response = world.client("viewer").get("/api/v1/tenants/acme/digests/")
    assert response.status_code == 200
    (shown,) = response.json()["results"]
    (expected,) = python(world.acme, False, pk=digest.pk)
    assert {k: shown[k] for k in expected} == expected
    assert list(shown) == [*expected, "policy"]


def test_the_detail_endpoint_answers_with_the_databases_rendering(world):
    digest = factories.digest(world.acme, title="Detailed", exporter="Exporter 1.0")
    response = world.client("viewer").get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
    assert response.status_code == 200
    shown = response.json()
    (expected,) = python(world.acme, True, pk=digest.pk)
    assert {k: shown[k] for k in expected} == expected
    assert list(shown) == [*expected, "policy"]
    assert response["ETag"].startswith(f'"{digest.pk}.')
