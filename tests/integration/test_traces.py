"""Traces from real processes with `TRACING=otlp`, received by an OTLP/HTTP receiver on
loopback from the SDK's own exporter: gunicorn's workers (each sets tracing up after its
fork, config.wsgi), and a job's trace from the request that queued it into a Celery
worker (config.celery), its context carried in the message."""

from __future__ import annotations

import http.client
import http.server
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span
from opentelemetry.trace import SpanKind

from core import tracing
from tests import factories
from tests.integration.conftest import running_worker
from tests.processes import database_url, free_port, running_gunicorn

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


class Collector:
    """What an OTLP/HTTP receiver got: (service name, span) of every span exported."""

    def __init__(self):
        self.spans: list[tuple[str, object]] = []
        self.paths: set[str] = set()
        self.lock = threading.Lock()

    def wait_for(self, name: str, timeout: float = 20) -> tuple[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for service, span in self.spans:
                    if span.name == name:
                        return service, span
            time.sleep(0.05)
        raise AssertionError(f"no span {name!r}; got {[s.name for _, s in self.spans]}")

    def wait_for_count(self, count: int, kind: int, timeout: float = 20) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [span for _, span in self.spans if span.kind == kind]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} spans of kind {kind}, got {len(found)}")


@pytest.fixture
def collector():
    got = Collector()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            export = ExportTraceServiceRequest.FromString(body)
            with got.lock:
                got.paths.add(self.path)
                for resource_spans in export.resource_spans:
                    service = next(
                        a.value.string_value
                        for a in resource_spans.resource.attributes
                        if a.key == "service.name"
                    )
                    for scope_spans in resource_spans.scope_spans:
                        got.spans += [(service, span) for span in scope_spans.spans]
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield got
    server.shutdown()
    server.server_close()


def _attributes(span) -> dict:
    values = {}
    for attribute in span.attributes:
        kind = attribute.value.WhichOneof("value")
        values[attribute.key] = getattr(attribute.value, kind)
    return values


@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_a_queued_delivery_runs_in_the_trace_of_the_request_that_queued_it(
    world, spans, receiver, collector, tmp_path, pool
):
    # Tracing is set up in the worker itself for the threads pool, in each pool process
    # after its fork for prefork (config.celery).
    traced_worker = running_worker(
        tmp_path / "worker.log",
        pool,
        TRACING="otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_SERVICE_NAME="digest-platform-worker",
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    with traced_worker:
        factories.webhook(world.acme, url=receiver.url, events=["digest.updated"])
        digest = factories.digest(world.acme, title="Before", status="draft")
        spans.clear()
        client = world.client("editor")
        response = client.patch(
            f"/api/v1/tenants/acme/digests/{digest.pk}/", {"title": "After"}, format="json"
        )
        assert response.status_code == 200
        [delivered] = receiver.wait_for(1)
        service, job = collector.wait_for("run/webhooks.deliver")
        _, post = collector.wait_for("POST")

    # In this process: the request, and the job's message published within it.
    finished = spans.get_finished_spans()
    [server] = [s for s in finished if s.kind is SpanKind.SERVER]
    [publish] = [s for s in finished if s.kind is SpanKind.PRODUCER]
    assert publish.name == "apply_async/webhooks.deliver"
    assert publish.parent.span_id == server.context.span_id
    assert server.attributes[tracing.REQUEST_ID] == response["X-Request-ID"]
    # In the worker: the job, a child of the publication, in the request's trace.
    assert service == "digest-platform-worker"
    assert collector.paths == {"/v1/traces"}
    assert int.from_bytes(job.trace_id, "big") == server.context.trace_id
    assert int.from_bytes(job.parent_span_id, "big") == publish.context.span_id
    assert _attributes(job)[tracing.TENANT] == "acme"
    assert _attributes(job)["celery.task_name"] == "webhooks.deliver"
    # and the delivery's POST within it, which sent the receiver no trace context.
    assert post.parent_span_id == job.span_id
    assert _attributes(post)["http.response.status_code"] == 200
    assert "traceparent" not in {name.lower() for name in delivered.headers}


def _get(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={**headers, "Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_every_gunicorn_worker_sends_its_requests_spans(world, collector, tmp_path):
    key = factories.api_key(world.acme, "viewer")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "test-only-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "REDIS_URL": "",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "BIND": f"127.0.0.1:{port}",
        "API_KEY_CACHE": "0",
        "TRACING": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_SERVICE_NAME": "digest-platform-web",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    log = tmp_path / "gunicorn.log"
    with running_gunicorn(env, log, port):
        ids = [f"gunicorn-trace-{n}" for n in range(8)]
        auth = {"Authorization": f"Bearer {key.token}"}
        with ThreadPoolExecutor(4) as pool:  # fresh connections: either worker
            statuses = list(
                pool.map(
                    lambda rid: _get(
                        port, "/api/v1/tenants/acme/digests/", {**auth, "X-Request-ID": rid}
                    ),
                    ids,
                )
            )
        assert statuses == [200] * len(ids)
        servers = collector.wait_for_count(len(ids), kind=Span.SPAN_KIND_SERVER)
    # Every request, and none of the readiness probes; each with its statements.
    named = {_attributes(span)[tracing.REQUEST_ID]: span for span in servers}
    assert sorted(named) == sorted(ids)
    assert {span.name for span in servers} == {"GET api/v1/tenants/<slug:tenant>/digests/"}
    with collector.lock:
        children = {
            span.parent_span_id for _, span in collector.spans if span.kind == Span.SPAN_KIND_CLIENT
        }
        services = {service for service, _ in collector.spans}
    assert all(span.span_id in children for span in servers)  # statements
    assert services == {"digest-platform-web"}
