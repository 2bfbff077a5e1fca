"""Django's PostgreSQL backend, with a cheaper health check for reused connections.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on a persistent connection before the
first query of every request: one more round trip per request, paid to notice a server
that has gone away since the last request. A server that ends a connection (restart,
failover, `idle_session_timeout`, `pg_terminate_backend`) says so on the socket: an error
message, then end of file. So an idle connection whose socket has nothing to read is
taken as healthy without asking; anything waiting there (that message, a close, or a
notification nobody listens for) falls back to Django's `SELECT 1`, which replaces the
connection if it fails. A server that vanishes without a word is caught by neither
before the query itself fails, and then DatabaseUnavailableMiddleware answers 503 and
drops the connection.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper
from psycopg import pq


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


class DatabaseWrapper(PostgresDatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and idle_and_quiet(self.connection)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()
