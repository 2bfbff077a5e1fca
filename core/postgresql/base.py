"""Django's PostgreSQL backend, with a cheaper health check for connections in steady use
and a quicker reader for `json` values (core.jsonfields) installed on every new connection.

The check reads Django's health-check attributes and psycopg's connection at the libpq
level through core.internals (`trust_quiet_connection`); on versions core.internals was
not written for, Django's own `SELECT 1` runs as usual.

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

Connections opened and closed are counted in the metrics (core/metrics.py), and every
statement is timed for the request log (core/logs.py).
"""

from __future__ import annotations

import time

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresDatabaseWrapper

from core import internals
from core.jsonfields import use_for_json_values
from core.logs import time_statement
from core.metrics import DB_CONNECTIONS_OPEN, DB_CONNECTIONS_OPENED

# How recently a connection must have served a request for a quiet socket to be trusted.
TRUST_QUIET_SECONDS = 1.0


class DatabaseWrapper(PostgresDatabaseWrapper):
    _used_at: float | None = None  # when code last took a cursor or began a transaction

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # First, so outermost: the request log times every statement (core.logs).
        self.execute_wrappers.append(time_statement)

    def close_if_health_check_failed(self):
        # Django calls this before every cursor and transaction: the moment of use.
        now = time.monotonic()
        recent = self._used_at is not None and now - self._used_at < TRUST_QUIET_SECONDS
        if not (recent and internals.trust_quiet_connection(self)):
            super().close_if_health_check_failed()
        if self.connection is not None:
            self._used_at = now

    def connect(self):
        super().connect()
        self._used_at = time.monotonic()

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        use_for_json_values(connection)
        DB_CONNECTIONS_OPENED.inc()
        DB_CONNECTIONS_OPEN.inc()
        return connection

    def _close(self):
        # Django calls this once for each connection it really closes.
        try:
            return super()._close()
        finally:
            DB_CONNECTIONS_OPEN.dec()
