"""OpenTelemetry traces of requests, database statements, jobs and outgoing HTTP calls.

Off unless `TRACING=otlp` (config.env.env_tracing): then each process that serves
requests (config.wsgi, config.asgi: in every gunicorn worker, after the fork) or runs jobs
(config.celery, in every pool process) calls `start()`, which sets up the SDK's tracer
provider, sending spans in batches to the OTLP/HTTP endpoint of the standard variables
(OTEL_EXPORTER_OTLP_ENDPOINT, ..._HEADERS, ..._TIMEOUT; sampling from
OTEL_TRACES_SAMPLER), and instruments:

- Django: a server span per request, named by its route (the URL pattern), with the
  request id, the tenant its URL names and the kind of principal that asked, the same
  facts the request log line carries (core.logs);
- psycopg: a span per statement, a child of the request's or the job's span;
- Celery: a span for publishing a job (whose trace context travels with the message) and
  one for running it, which names the tenant the job worked in (`tenant_entered`);
- requests (identity providers, sso/) and the webhook deliveries (`outgoing_request`,
  webhooks/net.py, which sends through http.client).

While it is off, nothing of OpenTelemetry is imported and nothing is patched: the only
trace of this module on a request is the `enabled` flag, read where a tenant is entered.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings

# Span attributes of our own, named as the request log line's fields.
REQUEST_ID = "digest_platform.request_id"
TENANT = "digest_platform.tenant"
PRINCIPAL_KIND = "digest_platform.principal_kind"
# The tenant of a job that worked in more than one (the license expiry sweep).
SEVERAL_TENANTS = "*"

DEFAULT_SERVICE_NAME = "digest-platform"
# Probes and scrapes, every few seconds from every monitor: not worth a trace. Replaced by
# OTEL_PYTHON_DJANGO_EXCLUDED_URLS or OTEL_PYTHON_EXCLUDED_URLS when either is set.
EXCLUDED_URLS = r"^https?://[^/]+/(healthz|readyz|metrics)(\?|$)"

# True while the instrumentation is in place (`instrument`, `uninstrument`).
enabled = False
_tracer: Any = None
_provider: Any = None  # the one `start` made, flushed by `stop`


def start() -> bool:
    """Set up tracing in this process if TRACING says so (once; later calls do nothing);
    whether it is on. Call it before the WSGI application is built (Django reads the
    middleware list then) and after any fork (the exporter's thread does not survive it)."""
    global _provider
    if settings.TRACING == "off" or _provider is not None:
        return _provider is not None
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES first, then our name.
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    provider = TracerProvider(resource=resource)  # the sampler: OTEL_TRACES_SAMPLER
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    instrument(provider)
    _provider = provider
    return True


def stop() -> None:
    """Send what is left and stop (a process that ends without running atexit, such as
    a Celery pool process)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
        _provider = None


def instrument(tracer_provider) -> None:
    """Patch Django, psycopg, Celery and requests to make spans with `tracer_provider`
    (tests pass one that keeps its spans in memory); `uninstrument` undoes it."""
    global enabled, _tracer
    from opentelemetry import trace
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    # The stable names of the HTTP semantic conventions (http.response.status_code, not
    # http.status_code), which `outgoing_request` uses too; read once per process.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
    excluded = None
    if not (
        os.environ.get("OTEL_PYTHON_DJANGO_EXCLUDED_URLS")
        or os.environ.get("OTEL_PYTHON_EXCLUDED_URLS")
    ):
        excluded = EXCLUDED_URLS
    DjangoInstrumentor().instrument(
        tracer_provider=tracer_provider, response_hook=_name_request, excluded_urls=excluded
    )
    PsycopgInstrumentor().instrument(tracer_provider=tracer_provider)
    CeleryInstrumentor().instrument(tracer_provider=tracer_provider)
    RequestsInstrumentor().instrument(tracer_provider=tracer_provider)
    _tracer = trace.get_tracer(__name__, tracer_provider=tracer_provider)
    enabled = True


def uninstrument() -> None:
    """Undo `instrument`. Connections opened meanwhile keep their traced cursors: close
    them."""
    global enabled, _tracer
    from opentelemetry.instrumentation.celery import CeleryInstrumentor
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    enabled = False
    _tracer = None
    for instrumentor in (
        RequestsInstrumentor,
        CeleryInstrumentor,
        PsycopgInstrumentor,
        DjangoInstrumentor,
    ):
        instrumentor().uninstrument()


def _name_request(span, request, response) -> None:
    """Django's response hook, once the answer is ready: by then the view has
    authenticated the caller. The route is the log line's and the metrics' (a regular
    expression's closing `$` dropped), in the span's name too."""
    from core.logs import principal, request_route, request_tenant

    if not span.is_recording():
        return
    match = getattr(request, "resolver_match", None)
    route = request_route(request)
    if route and route != match.route:
        span.set_attribute("http.route", route)
        if span.name == f"{request.method} {match.route}":
            span.update_name(f"{request.method} {route}")
    attributes = {
        REQUEST_ID: getattr(request, "request_id", None),
        TENANT: request_tenant(request),
        PRINCIPAL_KIND: principal(request)[0],
    }
    span.set_attributes({name: value for name, value in attributes.items() if value})


def tenant_entered(slug: str) -> None:
    """A tenant became current (tenants.context): name it on the span of the job being
    run, or `*` once a job has worked in two. A request's span is named from its URL
    instead, at its end (`_name_request`)."""
    from opentelemetry import trace

    span = trace.get_current_span()
    if getattr(span, "kind", None) is not trace.SpanKind.CONSUMER or not span.is_recording():
        return
    held = span.attributes.get(TENANT)
    span.set_attribute(TENANT, slug if held in (None, slug) else SEVERAL_TENANTS)


def untraced() -> contextlib.AbstractContextManager:
    """A block whose statements and HTTP calls make no spans: background work that is
    no request's or job's, such as the API key cache's listening thread, whose heartbeat
    would otherwise be a trace of its own every two seconds."""
    if not enabled:
        return contextlib.nullcontext()
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    return suppress_instrumentation()


@contextlib.contextmanager
def outgoing_request(method: str, scheme: str, host: str, port: int) -> Iterator[Any]:
    """A client span around one HTTP request sent without `requests` (webhooks.net);
    give the answer's status to `answered`. The URL's path and query are left out:
    receivers keep secrets in them. An exception marks the span as failed."""
    from opentelemetry.trace import SpanKind

    attributes = {
        "http.request.method": method,
        "url.scheme": scheme,
        "server.address": host,
        "server.port": port,
    }
    with _tracer.start_as_current_span(method, kind=SpanKind.CLIENT, attributes=attributes) as span:
        try:
            yield span
        except Exception as exc:
            span.set_attribute("error.type", type(exc).__qualname__)
            raise


def answered(span, status: int) -> None:
    """The status an `outgoing_request` got; 4xx and 5xx fail the span, as the HTTP
    conventions have it for a client."""
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))
