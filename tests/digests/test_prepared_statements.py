"""On PostgreSQL reads run as prepared statements (config/settings.py,
DATABASE_PREPARE_THRESHOLD): values are bound on the server, so a detail read has the same
text whatever the digest, and once a connection has run it often enough PostgreSQL keeps
its plan instead of planning it for every request."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

BASE = "/api/v1/tenants/acme/digests"


def _detail_statements() -> dict[str, int]:
    """This connection's prepared detail reads (by their text), with how often each ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ['%AS "detailed"%', '%"digests_digest"."id" = $%'],
        )
        return dict(cursor.fetchall())


def test_detail_reads_of_different_digests_share_one_prepared_statement(world):
    threshold = settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold")
    if threshold is None:
        pytest.skip("DATABASE_PREPARE_THRESHOLD=off: nothing is prepared")
    digests = [factories.digest(world.acme, title=f"Harbour notes {n}") for n in range(3)]
    client = world.client("viewer")
    before = _detail_statements()
    rounds = threshold + 2
    for _ in range(rounds):
        for digest in digests:
            response = client.get(f"{BASE}/{digest.pk}/")
            assert response.status_code == 200
            assert response.json()["id"] == digest.pk
    after = _detail_statements()
    grown = {text: runs - before.get(text, 0) for text, runs in after.items()}
    grown = {text: runs for text, runs in grown.items() if runs}
    # One statement served all three digests: prepared after `threshold` runs at most.
    assert len(grown) == 1, list(grown)
    (text, runs) = grown.popitem()
    assert runs >= rounds * len(digests) - threshold
    for digest in digests:
        assert f"= {digest.pk}" not in text
