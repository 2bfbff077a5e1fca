"""How `app.tenant_id` reaches PostgreSQL (tenants/db.py): a transaction's first setting
travels with its BEGIN, in the same transaction, and never outlives it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from psycopg import IsolationLevel

from tenants import db as tenant_db
from tenants.context import no_tenant, platform_scope, tenant_context
from tests import factories
from tests.spies import note_calls

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def begins(monkeypatch):
    """Each call of the one-round-trip BEGIN, and whether it took the transaction."""
    return note_calls(
        monkeypatch, tenant_db, "_begin_with", lambda took, raw, wanted: (wanted, took)
    )


@pytest.fixture
def notices():
    """What the server says besides results: a second BEGIN would warn here."""
    connection.ensure_connection()
    heard = []

    def listen(diagnostic):
        heard.append(diagnostic.message_primary)

    connection.connection.add_notice_handler(listen)
    yield heard
    connection.connection.remove_notice_handler(listen)


def _setting_outside_any_wrapper() -> str | None:
    """The session's value, read past the execute wrapper (which would set it first)."""
    return connection.connection.execute(
        "SELECT current_setting('app.tenant_id', true)"
    ).fetchone()[0]


def test_the_first_statement_runs_in_the_transaction_begun_with_its_setting(begins, notices):
    tenant = factories.tenant("acme")
    begins.clear()
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('app.tenant_id', true), "
            "now() = statement_timestamp(), txid_current_if_assigned() IS NULL"
        )
        setting, statement_began_transaction, nothing_written = cursor.fetchone()
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        again = cursor.fetchone()[0]
    assert begins == [(str(tenant.pk), True)]
    assert (setting, again) == (str(tenant.pk), str(tenant.pk))
    # now() is the transaction's start: it differs from the statement's start because the
    # transaction began one statement earlier, with the setting, not with this query.
    assert statement_began_transaction is False
    assert nothing_written is True
    assert not [n for n in notices if "already a transaction" in n]
    # Transaction-local: gone with the commit, for whoever uses the connection next.
    assert _setting_outside_any_wrapper() in (None, "")


def test_scope_changes_inside_the_transaction_set_it_again_in_place(begins):
    tenant = factories.tenant("acme")
    begins.clear()
    with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
        with platform_scope():
            cursor.execute("SELECT current_setting('app.tenant_id', true)")
            assert cursor.fetchone()[0] == "*"
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        assert cursor.fetchone()[0] == str(tenant.pk)
        with no_tenant():
            cursor.execute("SELECT current_setting('app.tenant_id', true)")
            assert cursor.fetchone()[0] == ""
    # Only the transaction's first setting rides with BEGIN; the others are set in place.
    assert begins == [("*", True)]


def test_a_begin_that_says_more_is_left_to_psycopg(begins):
    tenant = factories.tenant("acme")
    begins.clear()
    raw = connection.connection
    raw.isolation_level = IsolationLevel.REPEATABLE_READ
    try:
        with tenant_context(tenant), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('app.tenant_id', true), "
                "current_setting('transaction_isolation')"
            )
            assert cursor.fetchone() == (str(tenant.pk), "repeatable read")
    finally:
        raw.isolation_level = None
    assert begins == [(str(tenant.pk), False)]


def test_autocommit_statements_keep_the_session_setting(begins):
    tenant = factories.tenant("acme")
    begins.clear()
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        assert cursor.fetchone()[0] == str(tenant.pk)
    assert begins == []


def test_a_request_opens_its_transaction_with_the_setting_once(begins, world_api_key):
    client, tenant = world_api_key
    # The first use also records the key's last use, after the response, in a
    # transaction of its own.
    assert client.get(f"/api/v1/tenants/{tenant.slug}/roles/").status_code == 200
    begins.clear()
    response = client.get(f"/api/v1/tenants/{tenant.slug}/roles/")
    assert response.status_code == 200
    # With the key cache off (as in the tests), the key is looked up across tenants in
    # the request's transaction, whose BEGIN carries that setting; the tenant's follows.
    assert begins == [("*", True)]


@pytest.fixture
def world_api_key():
    from rest_framework.test import APIClient

    tenant = factories.tenant("acme")
    key = factories.api_key(tenant, "admin", name="setting test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    return client, tenant


def test_a_server_gone_at_begin_is_an_operational_error():
    """As psycopg reports a lost server: DatabaseUnavailableMiddleware answers 503 for it."""
    import psycopg

    from tests.test_faults import TcpProxy

    params = connection.get_connection_params()
    proxy = TcpProxy((params.get("host") or "127.0.0.1", int(params.get("port") or 5432)))
    raw = psycopg.connect(
        host="127.0.0.1",
        port=proxy.port,
        dbname=params["dbname"],
        user=params.get("user") or "postgres",
        password=params.get("password") or "",
    )
    try:
        proxy.cut()
        with pytest.raises(psycopg.OperationalError):
            tenant_db._begin_with(raw, "7")
    finally:
        raw.close()
