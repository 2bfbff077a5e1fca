"""Streaming a tenant's audit events to its sinks: signed HTTPS batches or syslog.

- Every event at least once, in chain order. A sink's `cursor` is the `seq` of the
  newest event its receiver accepted; `deliver` sends the events after it, a batch at a
  time, and moves it only once the receiver has accepted the batch, in the transaction
  that holds the sink's row lock (so two workers never send for one sink at once). A
  worker that dies mid-batch leaves the cursor where it was: the batch is sent again
  (a receiver dedupes by `tenant` + `seq`). Nothing is skipped: a failed batch is
  retried, with backoff, until it is accepted.
- Recording an event does not touch the sinks (the append stays as fast as it was,
  audit.metrics.APPEND_SECONDS): `sweep`, on beat every AUDIT_SINK_SWEEP_SECONDS, finds
  the sinks behind their chain's head in one query and queues a delivery for each.
- HTTPS: a POST of `{"tenant", "sink", "events": [...]}` signed as webhooks are
  (webhooks.services.sign: `Webhook-Timestamp`, `Webhook-Signature`) and sent through
  the webhooks' SSRF guard (webhooks.net); accepted means a 2xx answer.
- Syslog: one RFC 5424 message per event over TCP with octet-counting framing (RFC
  6587), TLS optional (RFC 5425) with the certificate checked against the sink's CA.
  Syslog has no acknowledgement: accepted means every byte was written and the receiver
  then closed the connection cleanly (its TLS close_notify, then end of stream).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import socket
import ssl
import time

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from audit import services as audit
from audit.metrics import SINK_BATCHES
from audit.models import AuditChain, AuditEvent, AuditSink
from audit.records import event_to_dict
from config.celery import send_jobs
from core.exceptions import ServiceError
from core.times import iso_utc
from tenants.context import current_tenant, platform_scope, tenant_context
from tenants.principals import Principal
from webhooks import net
from webhooks import services as webhooks

logger = logging.getLogger(__name__)

DELIVER_TASK = "audit.deliver_sink"
BATCH_SIZE = 100
BATCHES_PER_RUN = 10  # then the run queues the next one, so one sink cannot hog a worker
MAX_SINKS_PER_TENANT = 10
MAX_BACKOFF_SECONDS = 600.0
USER_AGENT = "DigestPlatform-Audit/1"
APP_NAME = "digest-platform"
# RFC 5424 facility 13, "log audit"; severity by outcome (informational, notice, warning).
FACILITY = 13
SEVERITY = {"success": 6, "denied": 5, "failure": 4}
# The structured-data element of every message; 32473 is the private enterprise number
# RFC 5612 reserves for documentation and examples.
SD_ID = "audit@32473"
TEST_ACTION = "audit.sink_test"
# A test runs inside the API request, which holds the tenant's row lock (every writer of
# the tenant waits for it): it gets less time than a delivery.
TEST_TIMEOUT_SECONDS = 3.0


# --- Sinks (configuration) ------------------------------------------------------------------


def _syslog_url(host: str, port: int) -> str:
    """The syslog receiver as a URL, so the webhooks' guard (webhooks.net.resolve) checks
    it: the same address rules, the same pinned answer."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _guard(url: str) -> net.Target:
    try:
        return net.resolve(url)
    except net.UrlRefused as exc:
        raise ServiceError(f"{url}: {exc}", code="audit_sink_refused") from None


def _check(sink: AuditSink) -> None:
    """Refuse a sink that cannot be delivered to: missing or foreign fields, an address
    the SSRF guard refuses, a CA certificate that does not load."""
    if sink.kind == AuditSink.Kind.HTTPS:
        if not sink.url:
            raise ServiceError("an https sink needs a url", code="audit_sink_invalid")
        if sink.host or sink.port or sink.tls or sink.ca_certificate or sink.server_name:
            raise ServiceError(
                "host, port, tls, ca_certificate and server_name are for syslog sinks",
                code="audit_sink_invalid",
            )
        _guard(sink.url)
        return
    if sink.url:
        raise ServiceError("url is for https sinks", code="audit_sink_invalid")
    if not sink.host or not sink.port or not 0 < sink.port < 65536:
        raise ServiceError("a syslog sink needs a host and a port", code="audit_sink_invalid")
    _guard(_syslog_url(sink.host, sink.port))
    if sink.ca_certificate:
        if not sink.tls:
            raise ServiceError("ca_certificate needs tls", code="audit_sink_invalid")
        try:
            ssl.create_default_context(cadata=sink.ca_certificate)
        except (ssl.SSLError, ValueError) as exc:
            raise ServiceError(
                f"ca_certificate is not a PEM certificate: {exc}", code="audit_sink_invalid"
            ) from None


_SHOWN = ("kind", "name", "enabled", "url", "host", "port", "tls", "server_name")


def _state(sink: AuditSink) -> dict:
    state = {name: getattr(sink, name) for name in _SHOWN}
    state["ca_certificate"] = bool(sink.ca_certificate)
    return state


def _target(sink: AuditSink) -> audit.Target:
    return audit.Target.of(sink, str(sink))


@transaction.atomic
def sink_create(
    *,
    actor: Principal | None,
    kind: str,
    name: str = "",
    enabled: bool = True,
    url: str = "",
    host: str = "",
    port: int | None = None,
    tls: bool = False,
    ca_certificate: str = "",
    server_name: str = "",
    backfill: bool = False,
) -> AuditSink:
    """Add a sink; an https sink's `secret` is readable on the returned object only.
    It streams from its own `audit.sink_created` event on, or with `backfill` from the
    oldest event kept."""
    if AuditSink.objects.count() >= MAX_SINKS_PER_TENANT:
        raise ServiceError(
            f"a tenant may have at most {MAX_SINKS_PER_TENANT} audit sinks",
            code="too_many_audit_sinks",
            status=409,
        )
    sink = AuditSink(
        tenant=current_tenant(),
        kind=kind,
        name=name,
        enabled=enabled,
        url=url,
        host=host,
        port=port,
        tls=tls,
        ca_certificate=ca_certificate,
        server_name=server_name,
        secret=webhooks.new_secret() if kind == AuditSink.Kind.HTTPS else "",
    )
    _check(sink)
    chain = audit.lock_chain()
    sink.cursor = chain.anchor_seq if backfill else chain.last_seq
    sink.save()
    audit.record(
        "audit.sink_created",
        actor=actor,
        target=_target(sink),
        changes=audit.diff({}, {**_state(sink), "backfill": backfill}),
    )
    _kick_on_commit(sink)
    return sink


@transaction.atomic
def sink_update(*, actor: Principal | None, sink: AuditSink, data: dict) -> AuditSink:
    """Change a sink's settings (not its kind). Re-enabling it resumes from its cursor."""
    sink = AuditSink.objects.select_for_update().get(pk=sink.pk)
    before = _state(sink)
    for name in ("name", "enabled", "url", "host", "port", "tls", "ca_certificate", "server_name"):
        if name in data:
            setattr(sink, name, data[name])
    _check(sink)
    changes = audit.diff(before, _state(sink))
    if before["ca_certificate"] and sink.ca_certificate and "ca_certificate" in data:
        changes.setdefault("ca_certificate", [True, True])  # replaced by another one
    if changes:
        sink.next_attempt_at = None  # a fixed address or re-enabled sink is tried at once
        sink.save()
        audit.record("audit.sink_updated", actor=actor, target=_target(sink), changes=changes)
        _kick_on_commit(sink)
    return sink


@transaction.atomic
def sink_rotate_secret(*, actor: Principal | None, sink: AuditSink) -> AuditSink:
    sink = AuditSink.objects.select_for_update().get(pk=sink.pk)
    if sink.kind != AuditSink.Kind.HTTPS:
        raise ServiceError("only https sinks have a secret", code="no_secret", status=409)
    sink.secret = webhooks.new_secret()
    sink.save(update_fields=["secret", "updated_at"])
    audit.record("audit.sink_secret_rotated", actor=actor, target=_target(sink))
    return sink


@transaction.atomic
def sink_delete(*, actor: Principal | None, sink: AuditSink) -> None:
    audit.record(
        "audit.sink_deleted",
        actor=actor,
        target=_target(sink),
        changes={"cursor": [sink.cursor, None]},
    )
    AuditSink.objects.filter(pk=sink.pk).delete()


@transaction.atomic
def sink_test(*, actor: Principal | None, sink: AuditSink) -> str:
    """Send one test message (not an event of the chain, the cursor stays); '' when the
    receiver accepted it, else what went wrong. The attempt is recorded."""
    tenant = current_tenant()
    probe = AuditEvent(
        tenant=tenant,
        seq=0,
        occurred_at=timezone.now(),
        actor_type=AuditEvent.ActorType.SYSTEM,
        actor_display="system",
        action=TEST_ACTION,
        changes={},
        hash="-",
        prev_hash="-",
    )
    timeout = min(settings.WEBHOOK_TIMEOUT_SECONDS, TEST_TIMEOUT_SECONDS)
    error = _send(sink, tenant.slug, [probe], timeout)
    audit.record(
        "audit.sink_tested",
        actor=actor,
        target=_target(sink),
        changes={"error": [None, error or None]},
        outcome=AuditEvent.Outcome.FAILURE if error else AuditEvent.Outcome.SUCCESS,
    )
    return error


# --- Messages -------------------------------------------------------------------------------


def event_body(event: AuditEvent, tenant_slug: str) -> dict:
    """An event as a sink receives it: as the API shows it to an owner, with its tenant."""
    return {"tenant": tenant_slug, **event_to_dict(event)}


def https_body(sink: AuditSink, tenant_slug: str, events: list[AuditEvent]) -> bytes:
    return orjson.dumps(
        {
            "tenant": tenant_slug,
            "sink": sink.pk,
            "test": bool(events) and events[0].action == TEST_ACTION and events[0].seq == 0,
            "events": [event_body(e, tenant_slug) for e in events],
        }
    )


_NOT_PRINTABLE = re.compile(r"[^\x21-\x7e]")


def _token(text: str, limit: int) -> str:
    """A header field of RFC 5424 (HOSTNAME, MSGID): printable US-ASCII, no spaces, or '-'."""
    return _NOT_PRINTABLE.sub("_", text)[:limit] or "-"


def _param(value) -> str:
    """An SD-PARAM value: UTF-8 with '"', '\\' and ']' escaped (RFC 5424 6.3.3)."""
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def syslog_message(event: AuditEvent, tenant_slug: str, hostname: str | None = None) -> bytes:
    """One RFC 5424 message: <PRI>1 TIMESTAMP HOSTNAME digest-platform - ACTION
    [audit@32473 seq tenant actor actor_type outcome hash] BOM JSON-of-the-event."""
    pri = FACILITY * 8 + SEVERITY.get(event.outcome, 5)
    params = {
        "seq": event.seq,
        "tenant": tenant_slug,
        "actor": event.actor_display,
        "actor_type": event.actor_type,
        "outcome": event.outcome,
        "hash": event.hash,
    }
    data = " ".join(f'{name}="{_param(value)}"' for name, value in params.items())
    header = " ".join(
        [
            f"<{pri}>1",
            iso_utc(event.occurred_at.astimezone(dt.UTC), "milliseconds"),
            _token(hostname or socket.gethostname(), 255),
            APP_NAME,
            "-",
            _token(event.action, 32),
            f"[{SD_ID} {data}]",
        ]
    )
    body = orjson.dumps(event_body(event, tenant_slug))
    return header.encode() + b" \xef\xbb\xbf" + body


def frame(message: bytes) -> bytes:
    """Octet-counting framing (RFC 6587 3.4.1): the length, a space, the message."""
    return str(len(message)).encode() + b" " + message


# --- Sending --------------------------------------------------------------------------------


def _send(sink: AuditSink, tenant_slug: str, events: list[AuditEvent], timeout: float) -> str:
    """Send `events` to the sink within about `timeout` seconds; '' when the receiver
    accepted them, else why not."""
    if sink.kind == AuditSink.Kind.HTTPS:
        return _send_https(sink, tenant_slug, events, timeout)
    return _send_syslog(sink, tenant_slug, events, timeout)


def _send_https(sink: AuditSink, tenant_slug: str, events: list[AuditEvent], timeout: float) -> str:
    try:
        # Checked again now, and the connection pinned to what was checked (rebinding).
        target = net.resolve(sink.url)
    except net.UrlRefused as exc:
        return f"refused: {exc}"
    body = https_body(sink, tenant_slug, events)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": f"audit-{tenant_slug}-{sink.pk}-{events[0].seq}-{events[-1].seq}",
        "Webhook-Event": "audit.events",
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": webhooks.sign(sink.secret, timestamp, body),
    }
    try:
        answer = net.post(target, body, headers, timeout=timeout)
    except (OSError, net.http.client.HTTPException) as exc:
        return f"no answer: {type(exc).__name__}: {exc}"
    if 200 <= answer.status < 300:
        return ""
    return f"answered {answer.status}"


def _send_syslog(
    sink: AuditSink, tenant_slug: str, events: list[AuditEvent], timeout: float
) -> str:
    try:
        target = net.resolve(_syslog_url(sink.host, sink.port))
    except net.UrlRefused as exc:
        return f"refused: {exc}"
    payload = b"".join(frame(syslog_message(e, tenant_slug)) for e in events)
    deadline = time.monotonic() + timeout

    def left() -> float:
        """What remains of `timeout`: each step gets that long, so the whole exchange
        (a receiver reading a byte at a time included) ends within it."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no clean end of the exchange within {timeout} s")
        return remaining

    opened: list[socket.socket] = []
    try:
        sock = net.open_connection(target.addresses, sink.port, timeout, deadline)
        opened.append(sock)
        if sink.tls:
            context = ssl.create_default_context(cadata=sink.ca_certificate or None)
            sock.settimeout(left())
            sock = context.wrap_socket(sock, server_hostname=sink.server_name or sink.host)
            opened.append(sock)
        sock.settimeout(left())
        sock.sendall(payload)
        if sink.tls:
            sock.settimeout(left())
            sock = sock.unwrap()  # our close_notify, then the receiver's
            opened.append(sock)
        sock.shutdown(socket.SHUT_WR)
        # Until the receiver closes its side: it has read everything before our end (a
        # receiver that fails instead resets the connection).
        while True:
            sock.settimeout(left())
            if not sock.recv(4096):
                break
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        for each in reversed(opened):
            each.close()
    return ""


def backoff(failures: int) -> float:
    """Seconds before the next attempt after `failures` in a row: the webhooks' base
    (WEBHOOK_RETRY_BASE_MS) doubled each time, at most ten minutes, 10% jitter."""
    delay = min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
    return delay * (1 + random.random() / 10)  # noqa: S311 (jitter, not a secret)


def deliver(tenant_id: int, sink_id: int, *, batches: int = BATCHES_PER_RUN) -> int:
    """Send a sink the events after its cursor, in order, batch by batch, moving the
    cursor after each accepted batch; how many events were accepted. Stops at the first
    failure (recorded on the sink, the next attempt queued after a backoff), when the
    sink is caught up, or after `batches` (the next run is queued)."""
    from tenants.models import Tenant

    with platform_scope():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    accepted = 0
    with tenant_context(tenant):
        for _ in range(batches):
            sent, more = _deliver_batch(tenant, sink_id)
            accepted += sent
            if not more:
                return accepted
        enqueue(tenant_id, sink_id)
    return accepted


@transaction.atomic
def _deliver_batch(tenant, sink_id: int) -> tuple[int, bool]:
    """One batch: (events accepted, whether to go on)."""
    # The row lock keeps a second run for the same sink from sending at the same time;
    # it waits for no one (the other run is doing the work).
    sink = AuditSink.objects.select_for_update(skip_locked=True).filter(pk=sink_id).first()
    now = timezone.now()
    if sink is None or not sink.enabled:
        return 0, False
    if sink.next_attempt_at and sink.next_attempt_at > now + dt.timedelta(seconds=1):
        return 0, False
    events = list(AuditEvent.objects.filter(seq__gt=sink.cursor).order_by("seq")[:BATCH_SIZE])
    if not events:
        return 0, False
    started = time.perf_counter()
    error = _send(sink, tenant.slug, events, settings.WEBHOOK_TIMEOUT_SECONDS)
    elapsed = time.perf_counter() - started
    if error:
        sink.failures += 1
        sink.last_error = error[:500]
        sink.failing_since = sink.failing_since or now
        delay = backoff(sink.failures)
        sink.next_attempt_at = now + dt.timedelta(seconds=delay)
        sink.save()
        SINK_BATCHES.labels("failed").inc()
        logger.warning(
            "audit sink %s of %s failed (%s in a row): %s",
            sink.pk,
            tenant.slug,
            sink.failures,
            error,
        )
        tenant_id, pk = tenant.pk, sink.pk
        transaction.on_commit(lambda: enqueue(tenant_id, pk, countdown=delay))
        return 0, False
    sink.cursor = events[-1].seq
    sink.failures = 0
    sink.last_error = ""
    sink.failing_since = None
    sink.next_attempt_at = None
    sink.last_success_at = timezone.now()
    sink.save()
    SINK_BATCHES.labels("accepted").inc()
    logger.info(
        "audit sink %s of %s accepted events %s-%s in %.3f s",
        sink.pk,
        tenant.slug,
        events[0].seq,
        events[-1].seq,
        elapsed,
    )
    return len(events), len(events) == BATCH_SIZE


# --- Queueing -------------------------------------------------------------------------------


def _kick_on_commit(sink: AuditSink) -> None:
    tenant_id, pk = sink.tenant_id, sink.pk
    transaction.on_commit(lambda: enqueue(tenant_id, pk))


def enqueue(tenant_id: int, sink_id: int, countdown: float | None = None) -> bool:
    """Queue a delivery run for a sink. Without a queue, or with Redis down, the sweep
    queues it once they are back: the cursor, not the message, says what is owed."""
    return send_jobs(DELIVER_TASK, [[tenant_id, sink_id]], countdown=countdown)


def behind() -> list[tuple[int, int]]:
    """(tenant id, sink id) of every enabled sink, across tenants, whose cursor is
    behind its chain's head and that is not waiting out a backoff: one query."""
    head = AuditChain.objects.unscoped().filter(tenant_id=OuterRef("tenant_id")).values("last_seq")
    with platform_scope():
        return list(
            AuditSink.objects.unscoped()
            .filter(enabled=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
            .annotate(head=Subquery(head[:1]))
            .filter(head__gt=F("cursor"))
            .order_by("pk")
            .values_list("tenant_id", "pk")
        )


def sweep() -> int:
    """Queue a delivery run for every sink that is behind; how many."""
    due = behind()
    for tenant_id, sink_id in due:
        enqueue(tenant_id, sink_id)
    return len(due)
