"""Django's PostgreSQL backend, with a cheaper health check for connections in steady use,
a transaction opened together with a first SELECT (`begin_with`), and a quicker reader
for `json` values (core.jsonfields) installed on every new connection.

The health check and `begin_with` lean on internals: Django's health-check attributes
and psycopg's transaction bookkeeping. They were written for the versions in
SUPPORTED_DJANGO and SUPPORTED_PSYCOPG; on any other both step aside (Django's own
`SELECT 1`, psycopg's own BEGIN) and tests/core/test_db_health_check.py fails until the
code is checked against the new version and its pins moved.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on a persistent connection before the
first query of every request: one more round trip per request, paid to notice a server
that has gone away since the last request. A server that ends a connection (restart,
`idle_session_timeout`, `pg_terminate_backend`) says so on the socket: an error message,
then end of file. So a connection used less than TRUST_QUIET_SECONDS ago whose socket has
nothing to read is taken as healthy without asking; anything waiting there (that
message, a close, or a notification nobody listens for) falls back to Django's
`SELECT 1`, which replaces the connection if it fails.

What the socket cannot tell is a server that vanished without a word (a host crash with
its address taken over, a firewall forgetting the connection): only sending something
finds out. Such losses come after a while of silence, so a connection unused for longer
than the window is asked with `SELECT 1`, as Django does. Inside the window, a request
that meets one whose peer answers with a reset fails with 503
(DatabaseUnavailableMiddleware), which drops the connection; a peer that never answers
holds the request until TCP gives up, with or without this check (about 30 s with the
TCP keepalive and `tcp_user_timeout` options config/settings.py sets). A busy server, where
connections are reused within milliseconds, pays no round trip for its checks.
"""

from __future__ import annotations

import select
import time

import django
import psycopg
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg import errors as psycopg_errors
from psycopg import pq

from core.jsonfields import use_for_json_values

SUPPORTED_DJANGO = ((5, 2),)
SUPPORTED_PSYCOPG = ((3, 2), (3, 3))
WRITTEN_FOR_THESE_VERSIONS = (
    django.VERSION[:2] in SUPPORTED_DJANGO
    and tuple(int(part) for part in psycopg.__version__.split(".")[:2]) in SUPPORTED_PSYCOPG
)


def idle_and_quiet(raw: psycopg.Connection) -> bool:
    """Whether `raw` is open, outside any transaction, with nothing to read."""
    pgconn = raw.pgconn
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        fd = pgconn.socket
    except psycopg.Error:
        return False
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return not poller.poll(0)


def begin_with(raw: psycopg.Connection, select_sql: str):
    """Open the transaction psycopg would open for the next statement together with
    `select_sql` (a SELECT without parameters), in one round trip: one simple query,
    `BEGIN; <select_sql>`. psycopg then sees a transaction in progress and sends no BEGIN
    of its own; COMMIT and ROLLBACK stay its own. Returns the selected row, or None,
    having sent nothing, where psycopg's BEGIN would say more than BEGIN (an isolation
    level, read-only, deferrable), the connection cannot take it, or the versions are not
    those this was written for."""
    pgconn = raw.pgconn
    if (
        not WRITTEN_FOR_THESE_VERSIONS
        or raw.autocommit
        or raw.isolation_level is not None
        or raw.read_only is not None
        or raw.deferrable is not None
        or pgconn.status != pq.ConnStatus.OK
        or pgconn.pipeline_status != pq.PipelineStatus.OFF
        or pgconn.transaction_status != pq.TransactionStatus.IDLE
    ):
        return None
    # exec_ waits with the GIL released.
    result = pgconn.exec_(f"BEGIN; {select_sql}".encode())
    if result.status != pq.ExecStatus.TUPLES_OK:
        # Left to the caller's atomic block to roll back, as after any failed statement.
        if pgconn.status != pq.ConnStatus.OK or not result.error_field(pq.DiagnosticField.SQLSTATE):
            # The server is gone (libpq's own error, no SQLSTATE): OperationalError, as
            # psycopg raises it, so the request is answered 503 and the connection replaced.
            raise psycopg.OperationalError(result.get_error_message() or "connection lost")
        raise psycopg_errors.error_from_result(result)
    return tuple(result.get_value(0, column) for column in range(result.nfields))


# How recently a connection must have served a request for a quiet socket to be trusted.
TRUST_QUIET_SECONDS = 1.0


class DatabaseWrapper(PostgresDatabaseWrapper):
    _used_at: float | None = None  # when code last took a cursor or began a transaction

    def close_if_health_check_failed(self):
        # Django calls this before every cursor and transaction: the moment of use.
        now = time.monotonic()
        if (
            WRITTEN_FOR_THESE_VERSIONS
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._used_at is not None
            and now - self._used_at < TRUST_QUIET_SECONDS
            and idle_and_quiet(self.connection)
        ):
            self.health_check_done = True
        else:
            super().close_if_health_check_failed()
        if self.connection is not None:
            self._used_at = now

    def connect(self):
        super().connect()
        self._used_at = time.monotonic()

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        use_for_json_values(connection)
        return connection
