"""OpenTelemetry traces (core/tracing.py): one request's spans and one job's, kept in
memory by the SDK's own exporter, through the same instrumentation `TRACING=otlp` puts in
place; and, in fresh interpreters, nothing of it while tracing is off.

The instrumentation patches process-wide state (Django's middleware list, psycopg's
connect, Celery's signals, requests): the `spans` fixture (tests/conftest.py) undoes it
after each test, and closes the database connection opened meanwhile, whose cursors are
traced. These tests commit (transactional_db), because the connection they trace is a new
one. tests/integration/test_traces.py follows a job into a real worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from rest_framework.test import APIClient

from core import tracing
from licensing import tasks as licensing_tasks
from tenants import key_cache
from tests import factories
from webhooks import tasks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = "/api/v1/tenants/acme/digests/"
DIGESTS_ROUTE = "api/v1/tenants/<slug:tenant>/digests/"


def _statements(finished, parent) -> list:
    return [
        s
        for s in finished
        if s.attributes.get("db.system") == "postgresql"
        and s.parent is not None
        and s.parent.span_id == parent.context.span_id
    ]


def test_a_request_is_a_server_span_with_its_id_tenant_and_statements(world, spans):
    factories.digest(world.acme, title="Traced digest")
    key = factories.api_key(world.acme, "viewer")
    spans.clear()  # the set-up's own statements
    client = APIClient()  # made now: its handler reads the instrumented middleware list
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")

    response = client.get(DIGESTS)

    assert response.status_code == 200
    assert "traceparent" not in response.headers  # a trace context is not told to callers
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind is SpanKind.SERVER]
    assert server.name == f"GET {DIGESTS_ROUTE}"
    assert server.attributes["http.route"] == DIGESTS_ROUTE
    assert server.attributes["http.request.method"] == "GET"
    assert server.attributes["http.response.status_code"] == 200
    # The request log line's facts (core.logs), read from the same places.
    assert server.attributes[tracing.REQUEST_ID] == response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert server.attributes[tracing.TENANT] == "acme"
    assert server.attributes[tracing.PRINCIPAL_KIND] == "api_key"
    assert server.parent is None and server.status.status_code is StatusCode.UNSET
    # Every statement it ran is a child span, the digests read among them.
    statements = _statements(finished, server)
    assert len(statements) >= 2
    assert all(s.kind is SpanKind.CLIENT for s in statements)
    assert all(s.context.trace_id == server.context.trace_id for s in statements)
    assert any("digests_digest" in s.attributes["db.statement"] for s in statements)
    assert all(
        server.start_time <= s.start_time <= s.end_time <= server.end_time for s in statements
    )
    # Nothing else was traced: no stray root span (the API key cache is off in tests).
    assert {s.context.trace_id for s in finished} == {server.context.trace_id}


def test_a_member_refused_elsewhere_is_named_with_the_tenant_asked_for(world, spans):
    client = world.client("viewer")
    response = client.get("/api/v1/tenants/globex/digests/", HTTP_X_REQUEST_ID="traced-refusal")
    assert response.status_code in (403, 404)
    [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server.attributes["http.response.status_code"] == response.status_code
    assert server.attributes[tracing.REQUEST_ID] == "traced-refusal"
    assert server.attributes[tracing.TENANT] == "globex"
    assert server.attributes[tracing.PRINCIPAL_KIND] == "user"


def test_probes_are_not_traced(world, spans):
    assert APIClient().get("/healthz").status_code == 200
    assert APIClient().get(DIGESTS).status_code in (401, 403)
    servers = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert [s.attributes["http.route"] for s in servers] == [DIGESTS_ROUTE]
    assert tracing.PRINCIPAL_KIND in servers[0].attributes  # anonymous
    assert tracing.TENANT in servers[0].attributes


def test_a_webhook_job_is_a_span_with_its_tenant_statements_and_post(
    world, spans, receiver, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver is on loopback
    endpoint = factories.webhook(world.acme, url=receiver.url)
    delivery = factories.webhook_delivery(world.acme, endpoint)
    spans.clear()

    # The worker's own code path, run in this process (Celery's eager apply sends the
    # same task signals the instrumentation listens to).
    result = tasks.deliver.apply(args=[world.acme.pk, delivery.pk])

    assert result.get() == WebhookDelivery.Status.SUCCEEDED
    [request] = receiver.wait_for(1)
    finished = spans.get_finished_spans()
    [job] = [s for s in finished if s.kind is SpanKind.CONSUMER]
    assert job.name == "run/webhooks.deliver"
    assert job.attributes[tracing.TENANT] == "acme"
    [post] = [s for s in finished if s.kind is SpanKind.CLIENT and s.name == "POST"]
    assert post.parent.span_id == job.context.span_id
    port = int(receiver.url.split(":")[2].split("/")[0])
    assert post.attributes == {
        "http.request.method": "POST",
        "url.scheme": "http",
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
    }
    assert post.status.status_code is StatusCode.UNSET
    assert _statements(finished, job)  # the delivery's row, read and written
    # The receiver gets the documented headers only: no trace context of ours.
    assert "traceparent" not in {name.lower() for name in request.headers}


def test_a_failed_webhook_post_is_a_failed_span(world, spans, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    receiver.answers = [503]
    endpoint = factories.webhook(world.acme, url=receiver.url)
    delivery = factories.webhook_delivery(world.acme, endpoint)
    spans.clear()
    assert tasks.deliver.apply(args=[world.acme.pk, delivery.pk]).get() == "pending"
    [post] = [s for s in spans.get_finished_spans() if s.name == "POST"]
    assert post.attributes["http.response.status_code"] == 503
    assert post.attributes["error.type"] == "503"
    assert post.status.status_code is StatusCode.ERROR


def test_a_job_across_tenants_is_named_with_a_star(world, spans):
    spans.clear()
    tasks.sweep.apply()  # a job in no tenant at all
    licensing_tasks.announce_expiring.apply()  # every tenant in turn
    jobs = {s.name: s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER}
    assert tracing.TENANT not in jobs["run/webhooks.sweep"].attributes
    assert jobs["run/licensing.announce_expiring"].attributes[tracing.TENANT] == "*"


def test_the_api_key_cache_heartbeat_makes_no_spans(world, spans, settings):
    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 0.05
    try:
        listener = key_cache.listener()  # its own connections, through the patched connect
        assert listener.wait_live(5.0)
        time.sleep(0.3)  # a few more heartbeats
        assert listener.live()
    finally:
        key_cache.stop()
    assert spans.get_finished_spans() == ()


# --- Off, and on, in a fresh interpreter ------------------------------------------------------

PROBE = """
import json, sys
import config.wsgi, config.celery, psycopg
from django.conf import settings
from opentelemetry import trace
provider = trace.get_tracer_provider()
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
    "middleware": settings.MIDDLEWARE,
    "psycopg_patched": hasattr(psycopg.connect, "__wrapped__"),
    "provider": type(provider).__module__ + "." + type(provider).__name__,
    "resource": dict(provider.resource.attributes) if hasattr(provider, "resource") else None,
}))
"""


def _probe(**env: str | None) -> dict:
    environment = {**os.environ, **env}
    environment = {name: value for name, value in environment.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.django_db(transaction=False)
def test_with_tracing_off_nothing_is_set_up_or_patched():
    from config import settings as configured

    off = _probe(TRACING=None)
    # redis-py imports the SDK's metrics, if installed, to offer metrics of its own; of
    # traces, neither the SDK's tracer nor any instrumentation or exporter is loaded.
    loaded = [
        m
        for m in off["modules"]
        if m.startswith(("opentelemetry.instrumentation", "opentelemetry.exporter"))
        or m.startswith("opentelemetry.sdk.trace")
    ]
    assert loaded == []
    assert off["middleware"] == configured.MIDDLEWARE
    assert not off["psycopg_patched"]
    assert off["provider"] == "opentelemetry.trace.ProxyTracerProvider"  # none set
    assert _probe(TRACING="off")["middleware"] == configured.MIDDLEWARE


@pytest.mark.django_db(transaction=False)
def test_with_tracing_on_the_web_process_sets_up_the_sdk_and_patches():
    from config import settings as configured

    on = _probe(TRACING="otlp", OTEL_SERVICE_NAME=None, OTEL_RESOURCE_ATTRIBUTES=None)
    assert on["middleware"] == [
        "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware",
        *configured.MIDDLEWARE,
    ]
    assert on["psycopg_patched"]
    assert on["provider"] == "opentelemetry.sdk.trace.TracerProvider"
    assert on["resource"]["service.name"] == "digest-platform"
    assert "opentelemetry.exporter.otlp.proto.http.trace_exporter" in on["modules"]
    named = _probe(TRACING="otlp", OTEL_SERVICE_NAME="digest-web")
    assert named["resource"]["service.name"] == "digest-web"
