"""API keys that authenticated, remembered per process until PostgreSQL says they changed.

Looking a key up (with its tenant and role) costs every API request a round trip to the
database before its own work can start. Each process therefore remembers the keys that
authenticated, and forgets them all whenever one of the rows they were read from may have
changed. PostgreSQL says so through LISTEN/NOTIFY:

- Triggers (migration `tenants/0006_api_key_cache_notify`) send a notification on
  `CHANNEL` when an API key row changes (its last use does not count), a role or tenant row
  changes, or such rows are deleted or truncated. PostgreSQL delivers it when the change
  commits, to every connection listening, whichever process made the change.
- Each process that authenticates keys holds one connection of its own that listens, in
  a daemon thread. Every notification forgets everything; so does losing that connection,
  or reconnecting it (what was sent meanwhile is lost).
- The cache is used only while that connection is known to be alive: the thread asks the
  server every `heartbeat` seconds, and an answer older than two heartbeats turns the
  cache off until the next one. A server that vanished silently cannot keep a key alive
  for longer than that.
- A key read from the database is remembered only if no notification arrived since before
  the read began (a generation count), so a read racing a revocation never stores the
  key's old row after the notification has come and gone.
- Nothing is remembered longer than `MAX_AGE_SECONDS`, whatever the notifications say.

So a revocation, a suspended tenant or a changed role takes effect in every process when
the notification arrives (milliseconds), not at the next request's lookup as before.

Turned off by `API_KEY_CACHE=0` (config/settings.py): behind a pooler in transaction mode,
where a connection cannot LISTEN, and on SQLite, which has no notifications.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import time
from typing import TYPE_CHECKING

import psycopg
from django.conf import settings
from django.db import connections

if TYPE_CHECKING:
    from tenants.models import ApiKey

logger = logging.getLogger(__name__)

# The triggers of migration tenants/0006 notify this channel.
CHANNEL = "digest_platform_api_keys"
MAX_AGE_SECONDS = 60.0
# Entries kept at most; a process holding more keys than this forgets them all and starts
# over (a few KB each).
LIMIT = 10_000
APPLICATION_NAME = "digest-platform api-key cache"
# How often the listening thread looks up from its wait (to stop, or to send a heartbeat).
WAKE_SECONDS = 0.25


class Listener:
    """One process's listening connection and the keys remembered while it is alive."""

    def __init__(self, conninfo: dict, *, heartbeat: float):
        self.conninfo = conninfo
        self.heartbeat = heartbeat
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[ApiKey, float]] = {}
        self._generation = 0
        self._answered_at: float | None = None  # monotonic; None while not connected
        self._stop = threading.Event()
        self._listened = False
        self.thread = threading.Thread(target=self._run, name="api-key-cache", daemon=True)

    # -- what requests use ---------------------------------------------------------------

    def live(self) -> bool:
        answered = self._answered_at
        return answered is not None and time.monotonic() - answered < 2 * self.heartbeat

    def wait_live(self, timeout: float) -> bool:
        """Whether the cache came into use within `timeout` seconds (tests, bench.capture)."""
        deadline = time.monotonic() + timeout
        while not self.live():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def generation(self) -> int | None:
        """The count to hand back to `remember`; None while the cache is not in use."""
        return self._generation if self.live() else None

    def recall(self, secret_hash: str) -> ApiKey | None:
        """A copy of the remembered key (its tenant and role copied too), or None."""
        if not self.live():
            return None
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        key, stored_at = entry
        if time.monotonic() - stored_at > MAX_AGE_SECONDS:
            return None
        fresh = copy.copy(key)  # its own _state and related-object cache
        fresh.tenant = copy.copy(key.tenant)
        fresh.role = copy.copy(key.role)
        return fresh

    def remember(self, key: ApiKey, generation: int | None) -> None:
        """Keep `key` (read with its tenant and role after `generation()` gave
        `generation`) unless something may have changed since."""
        if generation is None:
            return
        stored = copy.copy(key)
        stored.tenant = copy.copy(key.tenant)
        stored.role = copy.copy(key.role)
        with self._lock:
            if generation != self._generation or not self.live():
                return
            if len(self._entries) >= LIMIT:
                self._entries.clear()
            self._entries[key.secret_hash] = (stored, time.monotonic())

    def note_use(self, key: ApiKey) -> None:
        """The key's last use was just recorded: remember it, so the next request does not
        record it again (a last use alone sends no notification)."""
        entry = self._entries.get(key.secret_hash)
        if entry is not None and entry[0].pk == key.pk:
            entry[0].last_used_at = key.last_used_at

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    # -- the listening thread -------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()  # seen by the thread within WAKE_SECONDS
        self.thread.join(timeout)
        self._answered_at = None
        self.forget()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            self._listened = False
            try:
                self._listen()
            except (psycopg.Error, OSError) as error:
                if not self._stop.is_set():
                    logger.warning("API key cache: listening connection lost: %s", error)
            except Exception:
                logger.exception("API key cache: listening thread failed")
            finally:
                self._answered_at = None
                self.forget()
            # Retry at once after a connection that worked, slower and slower after failures.
            delay = 0.5 if self._listened else min(delay * 2, 30.0)
            self._stop.wait(delay)

    def _listen(self) -> None:
        with psycopg.connect(**self.conninfo, autocommit=True) as connection:
            connection.execute(f"LISTEN {CHANNEL}")
            self._listened = True
            # Whatever was remembered before LISTEN took effect may have changed unseen.
            self.forget()
            self._answered_at = answered = time.monotonic()
            while not self._stop.is_set():
                # Notifications that came during the heartbeat's SELECT wait in psycopg's
                # backlog and come first here.
                for _ in connection.notifies(timeout=WAKE_SECONDS):
                    self.forget()
                    self._answered_at = answered = time.monotonic()
                if time.monotonic() - answered >= self.heartbeat:
                    connection.execute("SELECT 1")
                    if time.monotonic() - answered >= 2 * self.heartbeat:
                        # The server was silent long enough for the cache to be off: start
                        # afresh rather than trust the notifications still on their way.
                        self.forget()
                    self._answered_at = answered = time.monotonic()


_listener: Listener | None = None
_starting = threading.Lock()


def _conninfo() -> dict:
    """libpq parameters of the default database, as Django connects to it."""
    params = connections["default"].get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    params["application_name"] = APPLICATION_NAME
    return params


def listener() -> Listener | None:
    """This process's listener, started on first use; None when the cache is off."""
    global _listener
    if not getattr(settings, "API_KEY_CACHE", False):
        return None
    current = _listener
    if current is not None and current.pid == os.getpid():
        return current
    with _starting:
        if _listener is None or _listener.pid != os.getpid():
            # A forked child never inherits the parent's thread: it starts its own.
            _listener = Listener(_conninfo(), heartbeat=settings.API_KEY_CACHE_HEARTBEAT)
            _listener.start()
        return _listener


def stop() -> None:
    """Stop this process's listener and close its connection (tests; shutdown)."""
    global _listener
    with _starting:
        current, _listener = _listener, None
    if current is not None and current.pid == os.getpid():
        current.stop()
