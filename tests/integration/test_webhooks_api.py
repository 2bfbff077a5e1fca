"""Registering webhooks: admins only, secret shown once, SSRF refusal, clear 400s,
audited writes, deliveries to inspect."""

from __future__ import annotations

import pytest
from django.test import override_settings

from audit.models import AuditEvent
from tenants.context import tenant_context
from tests import factories
from webhooks import net, services
from webhooks.models import WebhookDelivery, WebhookEndpoint

URL = "/api/v1/tenants/acme/webhooks/"
PUBLIC = "http://93.184.215.14/hooks"  # an address literal: no DNS needed


def test_admin_registers_a_webhook_and_sees_the_secret_once(world):
    admin = world.client("admin")
    response = admin.post(
        URL, {"url": PUBLIC, "events": ["digest.published", "license.expiring"]}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert response["Cache-Control"] == "no-store"
    assert body["events"] == ["digest.published", "license.expiring"]
    again = admin.get(f"{URL}{body['id']}/").json()
    assert "secret" not in again
    assert body["secret"] not in str(admin.get(URL).json())
    with tenant_context(world.acme):
        event = AuditEvent.objects.filter(action="webhook.created").get()
    assert body["secret"] not in str(event.changes)
    assert event.changes["url"] == [None, PUBLIC]

    rotated = admin.post(f"{URL}{body['id']}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:0:127.0.0.1]/hook",
        "http://[::ffff:0:a9fe:a9fe]/latest/meta-data/",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[::7f00:1]/hook",
        "http://[2002:a00:1::1]/hook",
        "http://[2001:0:808:808::80ff:fffe]/hook",
        "http://[fd00::1]/hook",
        "http://224.0.0.1/hook",
    ],
)
@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_private_and_loopback_urls_are_refused_at_registration(world, url):
    response = world.client("admin").post(URL, {"url": url, "events": ["digest.updated"]})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "url"
    with tenant_context(world.acme):
        assert not WebhookEndpoint.objects.exists()  # nothing half-stored


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/x", "http://[::ffff:0:127.0.0.1]/x", "http://[2002:a00:1::]/x"]
)
@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_an_update_to_a_private_url_is_refused_too(world, url):
    endpoint = factories.webhook(world.acme, url=PUBLIC)
    response = world.client("admin").patch(f"{URL}{endpoint.pk}/", {"url": url}, format="json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["url"]
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)
def test_the_setting_allows_loopback_for_development(world):
    response = world.client("admin").post(
        URL, {"url": "http://127.0.0.1:9/dev", "events": ["digest.updated"]}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "events": ["digest.updated"]}, "url"),
        ({"url": "http://user:pw@93.184.215.14/x", "events": ["digest.updated"]}, "url"),
        ({"url": "http://no-such-host.invalid/x", "events": ["digest.updated"]}, "url"),
        ({"url": PUBLIC, "events": []}, "events"),
        ({"url": PUBLIC, "events": ["digest.exploded"]}, "events.0"),
    ],
)
def test_bad_input_is_a_clear_400(world, body, field):
    response = world.client("admin").post(URL, body, format="json")
    assert response.status_code == 400, response.content
    fields = [e["field"] for e in response.json()["errors"]]
    assert field in fields


def test_secret_and_tenant_cannot_be_chosen_by_the_caller(world):
    response = world.client("admin").post(
        URL,
        {"url": PUBLIC, "events": ["digest.updated"], "secret": "mine", "tenant": world.globex.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["secret"] != "mine"
    with tenant_context(world.acme):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.tenant_id == world.acme.pk
    assert endpoint.secret == response.json()["secret"]


def test_update_and_delete_are_audited(world):
    endpoint = factories.webhook(world.acme, url=PUBLIC)
    admin = world.client("admin")
    response = admin.patch(
        f"{URL}{endpoint.pk}/", {"events": ["digest.deleted"], "is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["events"] == ["digest.deleted"]
    assert admin.delete(f"{URL}{endpoint.pk}/").status_code == 204
    with tenant_context(world.acme):
        actions = list(
            AuditEvent.objects.filter(action__startswith="webhook.")
            .order_by("seq")
            .values_list("action", flat=True)
        )
    assert actions == ["webhook.created", "webhook.updated", "webhook.deleted"]


def test_editors_and_viewers_cannot_manage_webhooks(world):
    for role in ("editor", "viewer", "compliance", "auditor"):
        response = world.client(role).get(URL)
        assert response.status_code == 403, role


def test_events_reach_only_subscribed_active_endpoints(world):
    wants = factories.webhook(world.acme, url=PUBLIC, events=["digest.published"])
    other = factories.webhook(world.acme, url=PUBLIC + "2", events=["digest.deleted"])
    paused = factories.webhook(
        world.acme, url=PUBLIC + "3", events=["digest.published"], is_active=False
    )
    digest = factories.digest(world.acme, title="Hello")  # created as draft, then published
    deliveries = world.client("admin").get("/api/v1/tenants/acme/webhook-deliveries/").json()
    assert [(d["endpoint"], d["event"]) for d in deliveries["results"]] == [
        (wants.pk, "digest.published")
    ]
    delivery = deliveries["results"][0]
    assert delivery["status"] == "pending" and delivery["attempts"] == 0
    assert delivery["payload"]["object"]["id"] == digest.pk
    assert other.pk != paused.pk


def test_redelivery_is_audited_and_refused_for_a_disabled_endpoint(world):
    endpoint = factories.webhook(world.acme, url=PUBLIC)
    delivery = factories.webhook_delivery(world.acme, endpoint)
    admin = world.client("admin")
    response = admin.post(f"/api/v1/tenants/acme/webhook-deliveries/{delivery.pk}/redeliver/")
    assert response.status_code == 202
    assert response.json()["redelivery_of"] == str(delivery.delivery_id)
    admin.patch(f"{URL}{endpoint.pk}/", {"is_active": False}, format="json")
    refused = admin.post(f"/api/v1/tenants/acme/webhook-deliveries/{delivery.pk}/redeliver/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "endpoint_inactive"
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="webhook.redelivered").count() == 1


def test_emit_accepts_the_licensing_event_and_refuses_unknown_ones(world):
    from webhooks import services

    endpoint = factories.webhook(world.acme, url=PUBLIC, events=["license.expiring"])
    [delivery] = services.emit(world.acme, "license.expiring", "license", 42)
    assert delivery.endpoint_id == endpoint.pk
    assert delivery.payload["object"] == {
        "type": "license",
        "id": 42,
        "path": "/api/v1/tenants/acme/licensing/licenses/42/",
    }
    with pytest.raises(ValueError, match="unknown webhook event"):
        services.emit(world.acme, "license.exploded", "license", 42)


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_resolve_pins_the_approved_public_address():
    target = net.resolve("https://93.184.215.14:8443/path?x=1")
    assert (target.scheme, target.port, target.path, target.address) == (
        "https",
        8443,
        "/path?x=1",
        "93.184.215.14",
    )


def test_with_redis_down_a_change_still_commits_quickly_and_its_delivery_waits(
    world, django_capture_on_commit_callbacks, caplog
):
    """Enqueueing happens after commit and fails fast; the sweep sends it later."""
    import time

    factories.webhook(world.acme, url=PUBLIC, events=["digest.created"])
    # Nothing listens on port 1.
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = world.client("editor").post(
                "/api/v1/tenants/acme/digests/",
                {"title": "While Redis is down", "publisher": "P", "published_on": "2025-01-01"},
                format="json",
            )
        elapsed = time.monotonic() - started
    assert response.status_code == 201
    assert elapsed < 3
    assert "not queued" in caplog.text
    with tenant_context(world.acme):
        delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 0)


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=False)
def test_delivery_time_check_refuses_a_url_that_now_resolves_privately(world, receiver):
    """Registered while allowed (or while its name resolved publicly); at delivery the
    address is checked again and loopback is refused: nothing reaches the receiver.
    (Not committed, so no worker takes it: the attempt runs here.)"""
    endpoint = factories.webhook(
        world.acme, url=receiver.url.replace("127.0.0.1", "localhost"), events=["digest.updated"]
    )
    with tenant_context(world.acme):
        delivery = services.emit(world.acme, "digest.updated", "digest", 1)[0]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=None)
    assert services.attempt(world.acme.pk, delivery.pk) == "pending"
    with tenant_context(world.acme):
        delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("refused:")
    assert "private, loopback or reserved" in delivery.last_error
    assert receiver.received == []
    assert endpoint.is_active


def test_an_import_announces_each_digest_in_one_batch(world):
    from pathlib import Path

    seeds = sorted((Path(__file__).resolve().parents[2] / "seeds" / "digests").glob("0*.txt"))[:3]
    factories.webhook(world.acme, url=PUBLIC, events=["digest.created", "digest.published"])
    admin = world.client("admin")
    response = admin.post(
        "/api/v1/tenants/acme/digests/import/?publish=true",
        {"files": [open(p, "rb") for p in seeds]},  # noqa: SIM115
        format="multipart",
    )
    assert response.status_code == 200, response.content
    ids = sorted(f["id"] for f in response.json()["files"])
    with tenant_context(world.acme):
        sent = sorted(WebhookDelivery.objects.values_list("event", "payload__object__id"))
    assert sent == sorted(
        [("digest.created", i) for i in ids] + [("digest.published", i) for i in ids]
    )
    feed = admin.get("/api/v1/tenants/acme/digests/changes/").json()
    assert sorted(c["id"] for c in feed["results"]) == ids
