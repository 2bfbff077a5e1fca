"""The health check on reused connections (core/postgresql/base.py): a quiet idle
connection is trusted without a round trip; one the server has ended is replaced before
a request uses it."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from core import internals
from core.internals import idle_and_quiet
from core.postgresql.base import TRUST_QUIET_SECONDS, DatabaseWrapper
from tests.spies import note_calls

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def select_ones(monkeypatch):
    """Each time Django's own check (`SELECT 1`) runs, and what it found."""
    return note_calls(monkeypatch, DatabaseWrapper, "is_usable", lambda usable, self: usable)


def _as_a_new_request_finds_it(after_idle: float = 0.0):
    """What Django does as a request ends and the next starts (close_old_connections on
    both signals), with `after_idle` seconds between them; then the first query."""
    connection.close_if_unusable_or_obsolete()
    if after_idle and connections["default"]._used_at is not None:
        connections["default"]._used_at -= after_idle
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _another_session():
    """A connection of its own, as the same user: a role may end its own sessions."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def test_the_app_runs_on_this_backend():
    assert settings.DATABASES["default"]["ENGINE"] == "core.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_quiet_connection_in_steady_use_is_reused_without_asking_the_server(select_ones):
    first = _as_a_new_request_finds_it()
    select_ones.clear()  # whatever the connection's history before this test
    second = _as_a_new_request_finds_it()
    third = _as_a_new_request_finds_it()
    assert first == second == third  # the same server connection, kept
    assert select_ones == []


def test_a_connection_idle_past_the_window_is_asked(select_ones):
    """Silence says nothing of a server that vanished without a word: after a while
    unused, the connection is asked, as Django asks."""
    first = _as_a_new_request_finds_it()
    _as_a_new_request_finds_it()
    select_ones.clear()
    assert _as_a_new_request_finds_it(after_idle=TRUST_QUIET_SECONDS + 1) == first
    assert select_ones == [True]
    assert _as_a_new_request_finds_it() == first  # in use again: trusted again
    assert select_ones == [True]


def test_only_use_makes_a_connection_trusted(select_ones):
    """Django also checks a connection at the end of a request that saw an error; that
    check is not a use, so a connection idle since is still asked when the next request
    starts."""
    first = _as_a_new_request_finds_it()
    connection.errors_occurred = True
    connection.close_if_unusable_or_obsolete()  # request end: Django asks (SELECT 1)
    connections["default"]._used_at -= TRUST_QUIET_SECONDS + 1
    select_ones.clear()
    connection.close_if_unusable_or_obsolete()  # the next request starts, much later
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] == first
    assert select_ones == [True]


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(select_ones):
    _as_a_new_request_finds_it()
    before = _as_a_new_request_finds_it()
    select_ones.clear()
    with _another_session() as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [before]).fetchone()[0]
    deadline = time.monotonic() + 5
    while idle_and_quiet(connection.connection) and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye is on its way
    after = _as_a_new_request_finds_it()
    assert after != before
    assert select_ones == [False]  # asked once, found dead, replaced


def test_a_connection_with_something_to_read_is_asked(select_ones):
    _as_a_new_request_finds_it()
    _as_a_new_request_finds_it()
    select_ones.clear()
    raw = connection.connection
    # A notification nobody listens for: readable, yet the connection is fine.
    raw.execute("LISTEN health_check_test")
    with _another_session() as admin:
        admin.execute("NOTIFY health_check_test")
    deadline = time.monotonic() + 5
    while idle_and_quiet(raw) and time.monotonic() < deadline:
        time.sleep(0.01)
    pid = raw.info.backend_pid
    assert _as_a_new_request_finds_it() == pid  # asked, found usable, kept
    assert select_ones == [True]
    raw.execute("UNLISTEN *")


def test_inside_a_transaction_the_check_is_django_s():
    _as_a_new_request_finds_it()
    raw = connection.connection
    raw.execute("BEGIN")
    try:
        assert idle_and_quiet(raw) is False
    finally:
        raw.execute("ROLLBACK")


# --- On versions core.internals was not written for (tests/core/test_internals.py) ----------


def test_on_other_versions_both_step_aside(select_ones, monkeypatch):
    _as_a_new_request_finds_it()  # a connection in steady use
    select_ones.clear()
    monkeypatch.setattr(internals, "WRITTEN_FOR_THESE_VERSIONS", False)
    _as_a_new_request_finds_it()
    assert select_ones == [True]  # asked, as Django asks
    connection.ensure_connection()
    assert internals.begin_with(connection.connection, "SELECT 1") is None


def test_begin_with_opens_the_transaction_with_its_select():
    connection.ensure_connection()
    raw = connection.connection
    connection.set_autocommit(False)
    try:
        assert internals.begin_with(raw, "SELECT 7, 'x'") == (b"7", b"x")  # as the server sent them
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        connection.rollback()
    finally:
        connection.set_autocommit(True)
