"""The tenant's data version and the results kept by it (tenants/result_cache.py).

These tests commit (a test transaction that never commits would never move the version),
so each change below is seen the way a later request sees it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from digests.models import Digest
from digests.selectors import reader_for
from licensing import reports
from tenants import result_cache
from tenants.context import platform_scope, tenant_context
from tenants.models import ApiKey
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

DIGESTS = "/api/v1/tenants/acme/digests/"
AT_RISK = "/api/v1/tenants/acme/licensing/reports/digests-at-risk/"
PUBLISHERS = "/api/v1/tenants/acme/licensing/reports/publishers/"
KEYWORDS = {"keywords": ["zzz"]}
# Installed by migration tenants/0014; the tables left out, and why, are listed there.
LEFT_OUT = {"tenants_dataversion", "digests_digestfeeddelivery", "policies_policyruleday"}


def version(tenant) -> int:
    with tenant_context(tenant):
        return result_cache.data_version()[0]


def at_risk_titles(client) -> set[str]:
    answer = client.get(AT_RISK)
    assert answer.status_code == 200, answer.content
    return {row[1] for row in answer.json()["rows"]}


def test_every_table_under_row_level_security_moves_the_version():
    """Found in the catalog: a tenant table added later without the triggers fails here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(t.tgname ORDER BY t.tgname) FILTER "
            "(WHERE t.tgname IS NOT NULL) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "LEFT JOIN pg_trigger t ON t.tgrelid = c.oid "
            "AND t.tgname LIKE 'tenants\\_data\\_version%%' "
            "WHERE c.relkind = 'r' AND c.relrowsecurity GROUP BY c.relname"
        )
        found = dict(cursor.fetchall())
    assert "digests_digest" in found and "licensing_license" in found
    missing = {t for t, names in found.items() if t not in LEFT_OUT and not names}
    assert missing == set()
    for table in LEFT_OUT:
        assert found[table] is None, table
    both = ["tenants_data_version", "tenants_data_version_update"]
    assert all(names == both for t, names in found.items() if t not in LEFT_OUT)


def test_a_committed_change_moves_the_version_once_and_a_rollback_not_at_all(world):
    before = version(world.acme)
    factories.digest(world.acme, title="One")  # several rows, several statements
    after = version(world.acme)
    assert after > before
    with tenant_context(world.acme), transaction.atomic():
        Digest.objects.update(summary="Everything changed.")
        Digest.objects.update(summary="Everything changed again.")
    assert version(world.acme) == after + 1
    with pytest.raises(RuntimeError), tenant_context(world.acme), transaction.atomic():
        Digest.objects.update(summary="Never committed.")
        raise RuntimeError
    assert version(world.acme) == after + 1
    # Another tenant's version is its own.
    globex = version(world.globex)
    factories.digest(world.acme, title="Two")
    assert version(world.globex) == globex


def test_writes_that_change_nothing_or_only_a_keys_last_use_leave_it(world):
    digest = factories.digest(world.acme, title="Same")
    key = factories.api_key(world.acme, "viewer").api_key
    before = version(world.acme)
    with tenant_context(world.acme):
        Digest.objects.filter(pk=digest.pk).update(title="Same")  # the row is unchanged
        ApiKey.objects.filter(pk=key.pk).update(last_used_at="2026-01-01T00:00:00Z")
    assert version(world.acme) == before
    with tenant_context(world.acme):
        ApiKey.objects.filter(pk=key.pk).update(name="Renamed")
    assert version(world.acme) == before + 1


def test_reading_pages_reports_and_the_feed_leaves_it(world):
    factories.digest(world.acme, title="Read me")
    # A rule that applies: reading then counts what it did (the policy insight).
    factories.policy(
        world.acme,
        rules=[{"id": "r", "kind": "keyword_block", "mode": "monitor", "params": KEYWORDS}],
        publish=True,
    )
    owner = world.client("owner")  # signing in is audited: a write
    before = version(world.acme)
    for url in (
        f"{DIGESTS}?facets=topics,publishers,years",
        f"{DIGESTS}changes/",
        AT_RISK,
        PUBLISHERS,
        "/t/acme/",
        "/t/acme/reports/",
        "/t/acme/sources/",
    ):
        assert owner.get(url).status_code == 200, url
        assert version(world.acme) == before, url


def test_a_revoked_grant_reaches_a_report_made_before_it(world):
    """The report is kept after the first read; revoking the grant (rows of a table whose
    tenant is its digest's) must make the next read miss."""
    secret = factories.digest(world.acme, title="Granted to compliance only")
    admin, compliance = world.client("admin"), world.client("compliance")
    access = f"{DIGESTS}{secret.pk}/access/"
    granted = {"restricted": True, "members": ["compliance@acme.test"], "roles": []}
    assert admin.put(access, granted, format="json").status_code == 200
    assert "Granted to compliance only" in at_risk_titles(compliance)
    assert "Granted to compliance only" in at_risk_titles(compliance)  # kept
    revoked = {"restricted": True, "members": [], "roles": []}
    assert admin.put(access, revoked, format="json").status_code == 200
    assert "Granted to compliance only" not in at_risk_titles(compliance)


def test_a_kept_report_is_served_until_a_change_and_not_across_readers(world, monkeypatch):
    factories.digest(world.acme, title="Before the change")
    computed = []
    publishers = reports.publishers

    def counting(*args, **kwargs):
        computed.append(kwargs["gate"].reader.user_id)
        return publishers(*args, **kwargs)

    monkeypatch.setattr(reports, "publishers", counting)
    compliance, owner = world.client("compliance"), world.client("owner")
    first = compliance.get(PUBLISHERS).json()
    assert compliance.get(PUBLISHERS).json() == first
    assert len(computed) == 1
    owner.get(PUBLISHERS)  # another reader: computed for them
    assert len(computed) == 2
    factories.digest(world.acme, title="After the change")
    compliance.get(PUBLISHERS)
    assert len(computed) == 3


def test_a_transaction_that_wrote_neither_keeps_nor_reads_results(world):
    factories.digest(world.acme, title="Committed")
    compliance = world.client("compliance")
    at_risk_titles(compliance)  # kept now
    with tenant_context(world.acme):
        principal = factories.member_principal(world.acme, world.members["compliance"])
        calls = []

        def compute():
            calls.append(1)
            return "fresh"

        key = ["probe", reader_for(principal)]
        assert result_cache.cached_result("probe", key, compute) == "fresh"
        assert result_cache.cached_result("probe", key, compute) == "fresh"
        assert len(calls) == 1  # kept between two transactions that only read
        with transaction.atomic():
            Digest.objects.update(summary="Not committed yet.")
            assert result_cache.data_version() is None
            assert result_cache.cached_result("probe", key, compute) == "fresh"
            assert len(calls) == 2
            transaction.set_rollback(True)


def test_off_computes_every_time(world, settings):
    settings.RESULT_CACHE_SECONDS = 0
    calls = []
    with tenant_context(world.acme):
        for _ in range(2):
            result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
    assert len(calls) == 2


def test_identity_tells_apart_what_equality_tells_apart(world):
    with tenant_context(world.acme):
        principal = factories.member_principal(world.acme, world.members["compliance"])
        reader = reader_for(principal)
        same = reader_for(principal)
    assert reader == same
    assert result_cache.identity(reader) == result_cache.identity(same)
    other_day = dataclasses.replace(reader, day=reader.day.replace(year=reader.day.year - 1))
    assert result_cache.identity(other_day) != result_cache.identity(reader)
    with pytest.raises(TypeError):
        result_cache.identity(object())
    # Values of different kinds that would print alike stay apart.
    for one, other in (
        ({}, [["dict"], []]),
        (dt.date(2026, 1, 1), ("date", "2026-01-01")),
        (frozenset(), [["set"], []]),
        (1, "1"),
        ((1,), 1),
    ):
        assert result_cache.identity(one) != result_cache.identity(other), (one, other)


def test_each_move_draws_a_new_token_that_keys_the_results(world):
    """A restored database, or another one sharing the cache, reaches the same version
    numbers again but never the same token."""
    factories.digest(world.acme, title="One")
    with tenant_context(world.acme):
        first = result_cache.data_version()
    factories.digest(world.acme, title="Two")
    with tenant_context(world.acme):
        second = result_cache.data_version()
        calls = []
        result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
        # The number set back by hand: the token, not the number, keys what is kept.
        with connection.cursor() as cursor, platform_scope():
            cursor.execute("UPDATE tenants_dataversion SET version = %s", [first[0]])
        result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
    assert second[0] > first[0] and second[1] != first[1]
    assert len(calls) == 1


def test_results_of_other_code_are_not_used(world, monkeypatch):
    calls = []
    with tenant_context(world.acme):
        result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
        result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
        assert len(calls) == 1
        monkeypatch.setattr(result_cache, "code_generation", lambda: "another release")
        result_cache.cached_result("probe", [1], lambda: calls.append(1) or "x")
    assert len(calls) == 2


def test_the_runtime_role_reads_versions_but_cannot_write_them(world):
    factories.digest(world.acme, title="One")
    with tenant_context(world.acme), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_RUNTIME_ROLE}"')
        cursor.execute("SELECT count(*) FROM tenants_dataversion")
        assert cursor.fetchone()[0] == 1
        for statement in (
            "UPDATE tenants_dataversion SET version = 0",
            f"INSERT INTO tenants_dataversion (tenant_id, version) VALUES ({world.acme.pk}, 0)",
        ):
            with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
                cursor.execute(statement)
    # Its writes still move the version: the trigger runs as the tables' owner.
    before = version(world.acme)
    with tenant_context(world.acme), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_RUNTIME_ROLE}"')
        Digest.objects.update(summary="Written by the runtime role.")
    assert version(world.acme) > before


def test_kept_facet_counts_follow_a_new_digest(world):
    factories.digest(world.acme, title="First", publisher="Kept Radio")
    viewer = world.client("viewer")
    url = f"{DIGESTS}?facets=publishers"

    def kept_radio() -> int:
        found = viewer.get(url).json()["facets"]["publishers"]
        return next(f["count"] for f in found if f["value"] == "Kept Radio")

    assert kept_radio() == 1
    assert kept_radio() == 1
    factories.digest(world.acme, title="Second", publisher="Kept Radio")
    assert kept_radio() == 2
