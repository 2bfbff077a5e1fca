"""Deliveries through the real job queue: a Celery worker process on Redis posts to an
HTTP receiver on loopback. The tests commit (transactional_db): deliveries are queued
only when the change commits, as in production."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import override_settings

from tenants.context import tenant_context
from tests import factories
from webhooks import services
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_status(delivery_pk: int, tenant, wanted: set[str], timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            delivery = WebhookDelivery.objects.get(pk=delivery_pk)
        if delivery.status in wanted:
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery {delivery_pk} stayed {delivery.status}: {delivery.last_error}")


def _deliveries(tenant, **filters):
    with tenant_context(tenant):
        return list(WebhookDelivery.objects.filter(**filters).order_by("id"))


def test_a_digest_change_is_delivered_signed_to_a_real_receiver(world, celery_worker, receiver):
    endpoint = factories.webhook(
        world.acme, url=receiver.url, events=["digest.updated", "digest.published"]
    )
    digest = factories.digest(world.acme, title="Before", status="draft")
    client = world.client("editor")
    assert (
        client.patch(
            f"/api/v1/tenants/acme/digests/{digest.pk}/", {"title": "After"}, format="json"
        ).status_code
        == 200
    )
    [request] = receiver.wait_for(1)

    # The documented recipe: HMAC-SHA256 with the secret over "<timestamp>.<raw body>".
    timestamp = request.headers["Webhook-Timestamp"]
    expected = hmac.new(
        endpoint.secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["Webhook-Signature"] == f"v1={expected}"
    assert services.verify(endpoint.secret, request.headers, request.body)
    assert not services.verify("whsec_wrong", request.headers, request.body)
    assert abs(int(timestamp) - time.time()) < 60

    payload = json.loads(request.body)
    assert payload["type"] == "digest.updated"
    assert payload["tenant"] == "acme"
    # A signal: it names the object, the receiver fetches the current state.
    assert payload["object"] == {
        "type": "digest",
        "id": digest.pk,
        "path": f"/api/v1/tenants/acme/digests/{digest.pk}/",
    }
    assert "After" not in request.body.decode()
    [delivery] = _deliveries(world.acme, endpoint=endpoint)
    delivery = _wait_status(delivery.pk, world.acme, {"succeeded"})
    assert request.headers["Webhook-Id"] == str(delivery.delivery_id)
    assert request.headers["Webhook-Event"] == "digest.updated"
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(
    world, celery_worker, receiver
):
    receiver.answers = [500, 503]  # then 200
    factories.webhook(world.acme, url=receiver.url, events=["digest.published"])
    factories.digest(world.acme, title="Retried")  # draft, then published: one event
    requests = receiver.wait_for(3)
    [delivery] = _deliveries(world.acme, event="digest.published")
    delivery = _wait_status(delivery.pk, world.acme, {"succeeded"})
    assert delivery.attempts == 3
    assert delivery.last_status_code == 200
    assert delivery.last_error == ""
    # One delivery, retried: the same id every time; the delays grow.
    assert {r.headers["Webhook-Id"] for r in requests} == {str(delivery.delivery_id)}
    first_gap = requests[1].at - requests[0].at
    second_gap = requests[2].at - requests[1].at
    assert 0.25 < first_gap < second_gap


def test_an_exhausted_delivery_is_recorded_and_redelivered_by_an_admin(
    world, celery_worker, receiver
):
    receiver.answers = [500, 500, 500]
    endpoint = factories.webhook(world.acme, url=receiver.url, events=["digest.deleted"])
    digest = factories.digest(world.acme, title="Doomed")
    admin = world.client("admin")
    assert admin.delete(f"/api/v1/tenants/acme/digests/{digest.pk}/").status_code == 204
    receiver.wait_for(3)
    [failed] = _deliveries(world.acme, endpoint=endpoint)
    failed = _wait_status(failed.pk, world.acme, {"failed"})
    assert (failed.attempts, failed.last_status_code) == (3, 500)

    listed = admin.get(f"/api/v1/tenants/acme/webhook-deliveries/?endpoint={endpoint.pk}")
    assert [d["status"] for d in listed.json()["results"]] == ["failed"]
    assert listed.json()["results"][0]["last_status_code"] == 500

    response = admin.post(f"/api/v1/tenants/acme/webhook-deliveries/{failed.pk}/redeliver/")
    assert response.status_code == 202, response.content
    again = _wait_status(response.json()["id"], world.acme, {"succeeded"})
    fourth = receiver.wait_for(4)[3]
    assert fourth.headers["Webhook-Id"] == str(again.delivery_id) != str(failed.delivery_id)
    assert json.loads(fourth.body)["id"] == str(failed.event_id)  # the same event
    assert again.redelivery_of_id == failed.pk


def test_nothing_is_sent_when_the_change_rolls_back(world, celery_worker, receiver):
    from django.db import transaction

    factories.webhook(world.acme, url=receiver.url, events=["digest.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.digest(world.acme, title="Never", status="draft")
        raise RuntimeError("the change fails")
    factories.digest(world.acme, title="Kept", status="draft")
    [request] = receiver.wait_for(1)
    time.sleep(0.5)
    assert len(receiver.received) == 1
    assert len(_deliveries(world.acme)) == 1
    assert json.loads(request.body)["type"] == "digest.created"


def test_a_stored_delivery_that_was_never_queued_is_swept(world, celery_worker, receiver):
    """At least once: Redis was down when the change committed (simulated by storing the
    delivery with the queue off), the sweep queues it once it is overdue."""
    from webhooks.tasks import sweep

    factories.webhook(world.acme, url=receiver.url, events=["digest.created"])
    with override_settings(CELERY_BROKER_URL=None):  # no queue: stored, pending
        factories.digest(world.acme, title="Unqueued", status="draft")
    [pending] = _deliveries(world.acme)
    assert pending.status == "pending"
    time.sleep(0.5)
    assert receiver.received == []
    with tenant_context(world.acme):
        WebhookDelivery.objects.filter(pk=pending.pk).update(
            next_attempt_at=pending.next_attempt_at.replace(year=2020)
        )
    assert sweep.apply().get() >= 1  # run here; it queues the delivery for the worker
    receiver.wait_for(1)
    assert _wait_status(pending.pk, world.acme, {"succeeded"}).attempts == 1
