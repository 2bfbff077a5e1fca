"""API keys that authenticated, remembered per process, and checked on every request.

Looking a key up (with its tenant and role) costs every API request a round trip to the
database before its own work can start. Each process therefore remembers the keys that
authenticated.

What makes a remembered key safe to use is not the notifications below but a check in
the request's own transaction (`tenants.authentication.api_key_authenticate`): the key is used
only if the request reads its tenant's `security_generation` still at the value it was
read with. The database moves that counter in the transaction of every change to the
key, its role, its tenant or the policies in force (triggers, migrations tenants/0008 and
policies/0003), so a request that starts after such a change committed, on any process,
looks the key up again; the read travels with the transaction's BEGIN and costs no
round trip of its own (`tenants.db.security_generation`). Invariant: a remembered key is
served only by a request whose transaction reads the generation it was remembered at.

The notifications only free memory early and keep the check from failing more than once
per change. PostgreSQL sends them through LISTEN/NOTIFY:

- Triggers (migration `tenants/0006_api_key_cache_notify`) send a notification on
  `CHANNEL` when an API key row changes (its last use does not count), a role or tenant row
  changes, or such rows are deleted or truncated, naming the tenant whose keys it
  concerns. PostgreSQL delivers it when the change commits, to every connection
  listening, whichever process made the change.
- Each process that authenticates keys holds one connection of its own that listens, in
  a daemon thread. A notification forgets the keys of the tenant it names (every key for
  a truncation); losing that connection or reconnecting it forgets everything (what was
  sent meanwhile is lost). A change this process commits through the models is also
  forgotten at its commit (`forget_on_commit`), without waiting for the notification.
- The cache is used only while notifications are seen to arrive: every `heartbeat`
  seconds a second connection, going the way the app's own statements go, notifies a
  channel only this listener listens to, and the listener must hear it. Unheard for two
  heartbeats, the cache is off until the next one arrives. So a server that went silent,
  a listener reaching another database than the app (a wrong name, an old primary), or a
  pooler in transaction mode that ran the LISTEN on a server session nobody reads
  (PgBouncer) all turn it off rather than leave keys alive. A heard heartbeat also means
  every change committed before it was sent has arrived (notifications reach a listener
  in the order their transactions committed, across channels).
- A key read from the database is remembered only if no notification arrived since before
  the read began (a generation count), so a read racing a revocation never stores the
  key's old row after the notification has come and gone.
- Nothing is remembered longer than `MAX_AGE_SECONDS`, whatever the notifications say.

So a revocation, a suspended tenant, a changed role or policy takes effect on every
process for every request that starts after its commit. Changes made with the triggers
disabled (`session_replication_role = replica`, `pg_restore --disable-triggers`) neither
notify nor move the generation: they are seen within `MAX_AGE_SECONDS`.

Turned off by `API_KEY_CACHE=0` (config/settings.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from typing import TYPE_CHECKING

import psycopg
from django.conf import settings
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import tracing
from core.internals import copied_instance

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
# Heartbeats unheard after connecting before the thread logs that it cannot hear itself.
DEAF_AFTER = 5


class Listener:
    """One process's listening connection and the keys remembered while it is alive.

    Requests read `_entries` without the lock: a dict lookup is atomic under the GIL, and
    every change to it (and to the generation) happens under the lock."""

    def __init__(self, conninfo: dict, *, heartbeat: float, probe_conninfo: dict | None = None):
        self.conninfo = conninfo  # the listening connection's
        # The heartbeat's: the way the app itself reaches the database.
        self.probe_conninfo = probe_conninfo or conninfo
        self.heartbeat = heartbeat
        # This listener's own heartbeat channel: nobody else wakes for it.
        self.heartbeat_channel = f"{CHANNEL}_{secrets.token_hex(8)}"
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[ApiKey, float]] = {}
        self._generation = 0
        # monotonic time this listener last heard its heartbeat; None while not listening
        self._heard_at: float | None = None
        self._stop = threading.Event()
        self._listened = False
        self._pending: dict[str, float] = {}  # heartbeats sent and not yet heard
        self.thread = threading.Thread(target=self._run, name="api-key-cache", daemon=True)

    # -- what requests use ---------------------------------------------------------------

    def live(self) -> bool:
        heard = self._heard_at
        return heard is not None and time.monotonic() - heard < 2 * self.heartbeat

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
        """A copy of the remembered key (its tenant and role copied too), or None. The
        remembered entry is found by the hash of what the caller presented: only a caller
        holding the secret finds it."""
        if not self.live():
            return None
        entry = self._entries.get(secret_hash)
        if entry is None:
            return None
        key, stored_at = entry
        if time.monotonic() - stored_at > MAX_AGE_SECONDS:
            return None
        return _copied(key)

    def remember(self, key: ApiKey, generation: int | None) -> None:
        """Keep `key` (read with its tenant and role after `generation()` gave
        `generation`) unless a notification came since, or the connection was lost (which
        forgets, and so moves the generation on too)."""
        if generation is None:
            return
        stored = _copied(key)
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= LIMIT:
                self._entries.clear()
            self._entries[key.secret_hash] = (stored, time.monotonic())

    def note_use(self, key: ApiKey) -> None:
        """The key's last use as now recorded: remember it, so the next request does not
        record it again (a last use alone sends no notification)."""
        with self._lock:
            entry = self._entries.get(key.secret_hash)
            if entry is not None and entry[0].pk == key.pk:
                entry[0].last_used_at = key.last_used_at

    def forget(self, tenant_id: int | None = None) -> None:
        """Forget the keys of one tenant, or every key."""
        with self._lock:
            self._generation += 1
            if tenant_id is None:
                self._entries.clear()
            else:
                for secret_hash in [
                    h for h, (key, _) in self._entries.items() if key.tenant_id == tenant_id
                ]:
                    del self._entries[secret_hash]

    def _notified(self, payload: str) -> None:
        """A trigger's notification: `<table>:<tenant id>` forgets that tenant's keys,
        anything else (a truncation, a role change, a payload not understood) every key."""
        _, _, tenant = payload.partition(":")
        exact = tenant.isascii() and tenant.isdigit() and len(tenant) <= 19
        self.forget(int(tenant) if exact else None)

    # -- the listening thread -------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()  # seen by the thread within WAKE_SECONDS
        self.thread.join(timeout)
        self._heard_at = None
        self.forget()

    def _run(self) -> None:
        # Its statements are no request's: with tracing on, they make no spans.
        with tracing.untraced():
            self._keep_listening()

    def _keep_listening(self) -> None:
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
                self._heard_at = None
                self.forget()
            # Retry at once after a connection that worked, slower and slower after failures.
            delay = 0.5 if self._listened else min(delay * 2, 30.0)
            self._stop.wait(delay)

    def _listen(self) -> None:
        with (
            psycopg.connect(**self.conninfo, autocommit=True) as connection,
            psycopg.connect(
                **{**self.probe_conninfo, "application_name": f"{APPLICATION_NAME} heartbeat"},
                autocommit=True,
            ) as probe,
        ):
            self._subscribe(connection)
            self._listened = True
            sent = self._pending = {}  # heartbeat nonce -> when it was sent
            sent_at = 0.0
            deaf_from = time.monotonic()
            while not self._stop.is_set():
                now = time.monotonic()
                if deaf_from is not None and now - deaf_from > DEAF_AFTER * self.heartbeat:
                    logger.warning(
                        "API key cache: the listening connection does not hear notifications "
                        "sent the way the app reaches the database (a pooler in transaction "
                        "mode? another database?); keys are looked up on every request. Set "
                        "API_KEY_CACHE_DATABASE_URL to reach the same PostgreSQL directly, or "
                        "API_KEY_CACHE=off."
                    )
                    deaf_from = None
                if now - sent_at >= self.heartbeat:
                    # A heartbeat sent two periods ago could no longer make the cache live:
                    # forget its nonce (a deaf listener would otherwise collect them all).
                    for stale in [n for n, at in sent.items() if now - at >= 2 * self.heartbeat]:
                        del sent[stale]
                    nonce = secrets.token_hex(8)
                    sent[nonce] = now
                    self._send_heartbeat(probe, nonce)
                    sent_at = now
                # Notifications that came during a statement wait in psycopg's backlog
                # and come first here.
                for notify in connection.notifies(timeout=WAKE_SECONDS):
                    if notify.channel != self.heartbeat_channel:
                        self._notified(notify.payload)
                        continue
                    heard = sent.get(notify.payload)
                    if heard is None:
                        continue  # not one this listener sent
                    # Sent by another session, the way the app's own statements go, and
                    # heard here: changes the app commits are heard too, and PostgreSQL
                    # delivers notifications to a listener in the order their
                    # transactions committed, across channels, so every change committed
                    # before this heartbeat was sent has arrived. Live counts from the
                    # sending, so a heartbeat slow to arrive cannot stretch the window.
                    for older in [n for n, at in sent.items() if at <= heard]:
                        del sent[older]
                    deaf_from = None
                    if not self.live():
                        # The cache was off (just connected, or the server was silent for
                        # a while): start afresh rather than trust what it kept while
                        # notifications may have been missed.
                        self.forget()
                    last = self._heard_at
                    self._heard_at = heard if last is None else max(heard, last)

    def _subscribe(self, connection: psycopg.Connection) -> None:
        connection.execute(f"LISTEN {CHANNEL}")
        connection.execute(f"LISTEN {self.heartbeat_channel}")

    def _send_heartbeat(self, probe: psycopg.Connection, nonce: str) -> None:
        probe.execute("SELECT pg_notify(%s, %s)", (self.heartbeat_channel, nonce))


def _copied(key: ApiKey) -> ApiKey:
    """A copy of `key` with copies of its tenant and role, the only related objects used."""
    fresh = copied_instance(key)
    fresh.tenant = copied_instance(key.tenant)
    fresh.role = copied_instance(key.role)
    return fresh


_listener: Listener | None = None
_starting = threading.Lock()


def _after_fork_in_child() -> None:
    # The parent's thread does not exist here, and the lock may have been held by one of
    # the parent's other threads at the fork.
    global _listener, _starting
    _listener = None
    _starting = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _params(wrapper) -> dict:
    params = wrapper.get_connection_params()
    for django_only in ("cursor_factory", "context"):
        params.pop(django_only, None)
    # Nothing prepared: a pooler that cannot keep prepared statements may be on the way,
    # and psycopg would prepare the heartbeat after five runs.
    params["prepare_threshold"] = None
    params["application_name"] = APPLICATION_NAME
    return params


def _conninfo() -> tuple[dict, dict]:
    """libpq parameters of the listening connection and of the heartbeat's. The heartbeat
    goes the way the app does (the default database, as Django connects to it); the
    listening connection too, unless API_KEY_CACHE_DATABASE_URL gives it a direct way to
    the same database (when the default goes through a pooler in transaction mode)."""
    default = connections["default"]
    heartbeat = _params(default)
    direct = getattr(settings, "API_KEY_CACHE_DATABASE", None)
    if not direct:
        return heartbeat, heartbeat
    own = type(default)({**default.settings_dict, **direct}, alias="api_key_cache")
    return _params(own), heartbeat


def listener() -> Listener | None:
    """This process's listener, started on first use; None when the cache is off."""
    global _listener
    if not getattr(settings, "API_KEY_CACHE", False):
        return None
    current = _listener
    if current is not None and current.thread.is_alive():
        return current
    with _starting:
        if _listener is None or not _listener.thread.is_alive():
            if _listener is not None:
                logger.error("API key cache: the listening thread had stopped; starting again")
            listening, probe = _conninfo()
            fresh = Listener(
                listening, heartbeat=settings.API_KEY_CACHE_HEARTBEAT, probe_conninfo=probe
            )
            fresh.start()
            _listener = fresh
        return _listener


def forget_on_commit() -> None:
    """A key, role or tenant row is being changed by this process: forget what it
    remembers when the change commits (at once outside a transaction), ahead of the
    notification that tells every process."""
    current = _listener
    if current is not None:
        transaction.on_commit(current.forget)


@receiver(post_save, sender="tenants.ApiKey")
@receiver(post_save, sender="tenants.Role")
@receiver(post_save, sender="tenants.Tenant")
@receiver(post_delete, sender="tenants.ApiKey")
@receiver(post_delete, sender="tenants.Role")
@receiver(post_delete, sender="tenants.Tenant")
def _changed_here(sender, update_fields=None, created=False, **kwargs) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"last_used_at"}):
        return  # a new row is in no one's memory; a last use changes nothing remembered
    forget_on_commit()


def stop() -> None:
    """Stop this process's listener and close its connection (tests; shutdown)."""
    global _listener
    with _starting:
        current, _listener = _listener, None
    if current is not None:
        current.stop()
