"""Writes for webhooks: endpoints, events, deliveries and their attempts.

- `emit(tenant, event, object_type, object_id)` is how any module announces an event
  (digests do; licensing calls it for `license.expiring`). It stores one delivery per
  subscribed endpoint in the caller's transaction and queues them once it commits
  (`transaction.on_commit`): an event exists exactly when its change does.
- A worker (`webhooks.tasks.deliver`) makes each attempt: signed POST, at most
  WEBHOOK_TIMEOUT_SECONDS, to the address the SSRF check approved (webhooks/net.py).
  A failure (no answer, or not 2xx) is retried with exponential backoff until
  WEBHOOK_MAX_ATTEMPTS; every attempt's outcome is kept on the delivery.
- At least once: a delivery is stored before it is queued, the worker acknowledges a
  message only after the attempt (acks_late), and `sweep` (every minute, on beat)
  re-queues deliveries that are due but were never queued (Redis was down) or whose
  message was lost. A receiver may therefore see a delivery twice and should dedupe
  by its `Webhook-Id`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import random
import secrets
import time
import uuid
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from config.celery import send_jobs
from core.exceptions import ServiceError
from core.times import iso_utc
from tenants.context import current_tenant, platform_scope, tenant_context
from tenants.principals import Principal
from webhooks import metrics, net
from webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

SIGNATURE_VERSION = "v1"
USER_AGENT = "DigestPlatform-Webhooks/1"
MAX_ENDPOINTS_PER_TENANT = 100
# Where a receiver fetches the object an event names, under /api/v1/tenants/{tenant}/.
OBJECT_PATHS = {"digest": "digests/{id}/", "license": "licensing/licenses/{id}/"}


# --- Signing --------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Webhook-Signature` value: HMAC-SHA256 over "<timestamp>.<body>", hex."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (docs/api.md "Webhooks"); used by the tests' receiver too."""
    try:
        timestamp = int(headers["Webhook-Timestamp"])
        offered = headers["Webhook-Signature"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in offered.split(","))


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


# --- Endpoints ------------------------------------------------------------------------------


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise ServiceError(f"unknown events: {', '.join(unknown)}", code="unknown_event")
    if not events:
        raise ServiceError("subscribe to at least one event", code="no_events")
    return list(dict.fromkeys(events))


def _check_url(url: str) -> str:
    try:
        net.resolve(url)
    except net.UrlRefused as exc:
        raise ServiceError(f"{url}: {exc}", code="webhook_url_refused") from None
    return url


def _target(endpoint: WebhookEndpoint) -> audit.Target:
    return audit.Target.of(endpoint, endpoint.url)


@transaction.atomic
def endpoint_create(
    *,
    actor: Principal | None,
    url: str,
    events: list[str],
    description: str = "",
    is_active: bool = True,
) -> WebhookEndpoint:
    """Register an endpoint; its `secret` is readable on the returned object only."""
    events = _check_events(events)
    _check_url(url)
    if WebhookEndpoint.objects.count() >= MAX_ENDPOINTS_PER_TENANT:
        raise ServiceError(
            f"a tenant may register at most {MAX_ENDPOINTS_PER_TENANT} webhooks",
            code="too_many_webhooks",
            status=409,
        )
    endpoint = WebhookEndpoint.objects.create(
        tenant=current_tenant(),
        url=url,
        events=events,
        description=description,
        is_active=is_active,
        secret=new_secret(),
        created_by=actor.user if actor else None,
    )
    audit.record(
        "webhook.created",
        actor=actor,
        target=_target(endpoint),
        changes=audit.diff(
            {}, {"url": url, "events": events, "description": description, "active": is_active}
        ),
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *, actor: Principal | None, endpoint: WebhookEndpoint, data: dict[str, Any]
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    before = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.is_active,
    }
    if "events" in data:
        endpoint.events = _check_events(data["events"])
    if "url" in data and data["url"] != endpoint.url:
        endpoint.url = _check_url(data["url"])
    if "description" in data:
        endpoint.description = data["description"]
    if "is_active" in data:
        endpoint.is_active = data["is_active"]
    after = {
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.is_active,
    }
    changes = audit.diff(before, after)
    if changes:
        endpoint.save()
        audit.record("webhook.updated", actor=actor, target=_target(endpoint), changes=changes)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(
    *, actor: Principal | None, endpoint: WebhookEndpoint
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    audit.record("webhook.secret_rotated", actor=actor, target=_target(endpoint))
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Principal | None, endpoint: WebhookEndpoint) -> None:
    audit.record("webhook.deleted", actor=actor, target=_target(endpoint))
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()


# --- Events ---------------------------------------------------------------------------------


def _payload(tenant, event_id: uuid.UUID, event: str, object_type: str, object_id) -> dict:
    path = OBJECT_PATHS.get(object_type)
    return {
        "id": str(event_id),
        "type": event,
        "created_at": iso_utc(timezone.now()),
        "tenant": tenant.slug,
        "object": {
            "type": object_type,
            "id": object_id,
            "path": f"/api/v1/tenants/{tenant.slug}/{path.format(id=object_id)}" if path else None,
        },
    }


def emit(tenant, event: str, object_type: str, object_id) -> list[WebhookDelivery]:
    """Announce `event` about one object to every active endpoint subscribed to it.

    Call it inside the transaction that makes the change: deliveries are stored there
    and queued only if it commits. The payload names the object; receivers fetch it.
    """
    return emit_many(tenant, event, object_type, [object_id])


def emit_many(tenant, event: str, object_type: str, object_ids: list) -> list[WebhookDelivery]:
    """`emit` for several objects at once (an import): one query for the endpoints."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; add it to webhooks.models.EVENTS")
    if not object_ids:
        return []
    with tenant_context(tenant), transaction.atomic():
        endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
        if not endpoints:
            return []
        now = timezone.now()
        deliveries = []
        for object_id in object_ids:
            event_id = uuid.uuid4()
            payload = _payload(tenant, event_id, event, object_type, object_id)
            deliveries += [
                WebhookDelivery(
                    tenant=tenant,
                    endpoint=endpoint,
                    event_id=event_id,
                    event=event,
                    payload=payload,
                    next_attempt_at=now,
                )
                for endpoint in endpoints
            ]
        deliveries = WebhookDelivery.objects.bulk_create(deliveries)
        _enqueue_on_commit([d.pk for d in deliveries])
        return deliveries


@transaction.atomic
def delivery_redeliver(*, actor: Principal | None, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery (its own id and attempts) of the
    same event (same `id` in the payload), to the endpoint's current URL and secret."""
    endpoint = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).first()
    if endpoint is None or not endpoint.is_active:
        raise ServiceError(
            "the endpoint is disabled; enable it first", code="endpoint_inactive", status=409
        )
    again = WebhookDelivery.objects.create(
        tenant=current_tenant(),
        endpoint=endpoint,
        event_id=delivery.event_id,
        event=delivery.event,
        payload=delivery.payload,
        redelivery_of=delivery,
        next_attempt_at=timezone.now(),
    )
    audit.record(
        "webhook.redelivered",
        actor=actor,
        target=_target(endpoint),
        changes={"delivery": [str(delivery.delivery_id), str(again.delivery_id)]},
    )
    _enqueue_on_commit([again.pk])
    return again


# --- Queueing -------------------------------------------------------------------------------


def _enqueue_on_commit(delivery_ids: list[int]) -> None:
    tenant_id = current_tenant().pk
    transaction.on_commit(lambda: enqueue(tenant_id, delivery_ids))


# The worker's task making one attempt (webhooks.tasks.deliver), named here so that this
# module can queue it without importing the module that calls back into this one.
DELIVER_TASK = "webhooks.deliver"


def enqueue(tenant_id: int, delivery_ids: list[int], countdown: float | None = None) -> bool:
    """Put deliveries on the job queue. Without a queue (no REDIS_URL) or with Redis
    down, they stay pending and `sweep` queues them once a worker and Redis are back."""
    if not settings.CELERY_BROKER_URL:
        logger.warning(
            "webhook deliveries %s stored but not queued: REDIS_URL is not set", delivery_ids
        )
        return False
    return send_jobs(DELIVER_TASK, [[tenant_id, d] for d in delivery_ids], countdown=countdown)


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failures: base x 4^(n-1), capped,
    with up to 10% jitter so a recovering receiver is not hit by every retry at once."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    delay = min(base * 4 ** (attempts - 1), 6 * 3600)
    return delay * (1 + random.random() / 10)  # noqa: S311 (jitter, not a secret)


# --- Attempts (run by the worker) -----------------------------------------------------------


def attempt(tenant_id: int, delivery_id: int) -> str | None:
    """Make one attempt at a delivery if it is due; the new status, or None if there was
    nothing to do (already delivered, not yet due, or another worker holds it). An attempt
    made is counted by its outcome (webhooks.metrics) once its transaction is over."""
    from tenants.models import Tenant

    with platform_scope():
        tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return None
    with tenant_context(tenant), transaction.atomic():
        # The row lock keeps a second message for the same delivery (a sweep, a redelivered
        # message) from attempting it at the same time; it waits for no one.
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        now = timezone.now()
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now + dt.timedelta(seconds=1):
            return None
        endpoint = delivery.endpoint
        delivery.attempts += 1
        status_code, error = None, ""
        if not endpoint.is_active:
            error = "the endpoint is disabled"
        else:
            status_code, error = _send(endpoint, delivery)
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        if not error:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not endpoint.is_active:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delay = backoff(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
            transaction.on_commit(lambda: enqueue(tenant_id, [delivery_id], countdown=delay))
        delivery.save()
    metrics.count_attempt(delivery.status)
    return delivery.status


def _send(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One signed POST; (status code, error text or '' when it succeeded)."""
    try:
        # Checked again now, and the connection pinned to what was checked (rebinding).
        target = net.resolve(endpoint.url)
    except net.UrlRefused as exc:
        return None, f"refused: {exc}"
    body = orjson.dumps(delivery.payload)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Webhook-Id": str(delivery.delivery_id),
        "Webhook-Event": delivery.event,
        "Webhook-Timestamp": str(timestamp),
        "Webhook-Signature": sign(endpoint.secret, timestamp, body),
    }
    try:
        answer = net.post(target, body, headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    except (OSError, net.http.client.HTTPException) as exc:
        return None, f"no answer: {type(exc).__name__}: {exc}"
    if 200 <= answer.status < 300:
        return answer.status, ""
    return answer.status, f"answered {answer.status}"


def due_deliveries(grace_seconds: int = 30) -> list[tuple[int, int]]:
    """(tenant id, delivery id) of pending deliveries overdue by more than the grace
    period, across tenants: what `sweep` queues again."""
    cutoff = timezone.now() - dt.timedelta(seconds=grace_seconds)
    with platform_scope():
        return list(
            WebhookDelivery.objects.unscoped()
            .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=cutoff)
            .order_by("next_attempt_at")
            .values_list("tenant_id", "pk")[:1000]
        )
