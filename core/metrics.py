"""Prometheus metrics (prometheus_client) and the `/metrics` endpoint that serves them.

What is measured where (docs/operations.md "Metrics" lists every metric):
- requests, their latency and their database statements: `observe_request`, called by
  core.logs.RequestLogMiddleware, labelled by the URL pattern (never the path: ids stay out);
- database connections: the database backend (core/postgresql/base.py);
- the job queue's depth: `JobQueueCollector`, read from Redis when scraped;
- the apps' own (policy decisions, webhook attempts, the audit log's appends): their
  `metrics.py`, with collectors they add through `register_collector`.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn's several processes, Celery's pool), every
process writes its numbers to files there and a scrape adds up the files of all of them
(prometheus_client's multiprocess mode); without it a scrape reads the serving process's
own registry, with its process metrics (memory, CPU, open files).

Access (`metrics` below): the caller's address must be in METRICS_ALLOWED_NETWORKS
(loopback by default) and, when METRICS_TOKEN is set, it must send that token as
`Authorization: Bearer`. Anyone else gets the 404 of a path that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from functools import lru_cache

import prometheus_client
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from kombu.transport.redis import PRIORITY_STEPS, Channel
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from core.request_context import client_ip

logger = logging.getLogger(__name__)

# Read by prometheus_client when it is imported, as here: the mode cannot change later.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
PREFIX = "digest_platform_"

# A counter's `_created` sample doubles every series for a number nothing here reads
# (and multiprocess mode has none).
prometheus_client.disable_created_metrics()

HTTP_REQUESTS = Counter(
    PREFIX + "http_requests",
    "Requests answered, by method, URL pattern and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time from the request reaching the app's middleware to its answer being ready.",
    ["method", "route"],
)
DB_STATEMENTS = Counter(
    PREFIX + "db_statements",
    "Database statements run by requests, by URL pattern.",
    ["route"],
)
DB_STATEMENT_SECONDS = Counter(
    PREFIX + "db_statement_seconds",
    "Time requests spent in database statements, by URL pattern.",
    ["route"],
)
DB_CONNECTIONS_OPEN = Gauge(
    PREFIX + "db_connections_open",
    "Database connections open (every thread's), over the live processes.",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_OPENED = Counter(
    PREFIX + "db_connections_opened",
    "Database connections opened: steady under steady load when connections are reused.",
)

# Anything else a client sends as a method is counted as `other`, so that it cannot
# add series of its own.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # the route of a request no URL pattern matched

# The labelled series of each (method, route, status), looked up once and kept: the
# routes are the URLconf's and the statuses few, so this stays small.
_request_series: dict[tuple[str, str, int], tuple] = {}


def _series_for(method: str, route: str, status: int) -> tuple:
    series = (
        HTTP_REQUESTS.labels(method, route, str(status)),
        HTTP_DURATION.labels(method, route),
        DB_STATEMENTS.labels(route),
        DB_STATEMENT_SECONDS.labels(route),
    )
    _request_series[(method, route, status)] = series
    return series


def observe_request(
    method: str,
    route: str | None,
    status: int,
    seconds: float,
    statements: int,
    statement_seconds: float,
) -> None:
    """Count one answered request: a dictionary look-up and four updates."""
    if method not in _METHODS:
        method = "other"
    key = (method, route or UNMATCHED, status)
    series = _request_series.get(key) or _series_for(*key)
    requests, duration, db_statements, db_seconds = series
    requests.inc()
    duration.observe(seconds)
    if statements:
        db_statements.inc(statements)
        db_seconds.inc(statement_seconds)


# --- Collectors read at scrape time ---------------------------------------------------------

_collectors: list = []


def register_collector(collector) -> None:
    """Add a collector (`describe()` and `collect()`, read when scraped) to every scrape.
    Its `describe()` must not do the work of `collect()`: it runs at registration."""
    _collectors.append(collector)
    if not MULTIPROCESS:
        REGISTRY.register(collector)


# kombu's Redis transport keeps a queue's messages in a list named after it, and those
# sent with a priority in lists with the priority appended (its `sep` and steps).
_PRIORITY_SUFFIXES = tuple(f"{Channel.sep}{step}" if step else "" for step in PRIORITY_STEPS)
_redis_clients: dict[str, object] = {}


def _redis(url: str):
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        _redis_clients[url] = client
    return client


class JobQueueCollector:
    """Messages waiting in the job queue's Redis lists (not yet taken by a worker). No
    sample without a broker or when Redis does not answer: not a misleading zero."""

    NAME = PREFIX + "job_queue_depth"
    HELP = "Jobs waiting in the queue for a worker."

    def describe(self):
        return [GaugeMetricFamily(self.NAME, self.HELP, labels=["queue"])]

    def collect(self):
        url = settings.CELERY_BROKER_URL
        if not url:
            return []
        queue = settings.CELERY_TASK_DEFAULT_QUEUE
        try:
            pipe = _redis(url).pipeline(transaction=False)
            for suffix in _PRIORITY_SUFFIXES:
                pipe.llen(queue + suffix)
            depth = sum(pipe.execute())
        except Exception as exc:  # redis-py's connection and timeout errors, and the like
            logger.warning("metrics: the job queue's depth is unknown: %s", exc)
            return []
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["queue"])
        family.add_metric([queue], depth)
        return [family]


register_collector(JobQueueCollector())


def _registry():
    if not MULTIPROCESS:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    for collector in _collectors:
        registry.register(collector)
    return registry


# --- The endpoint ---------------------------------------------------------------------------

# Headers a proxy adds. The address they name is believed only through NUM_PROXIES, as
# everywhere else (core.request_context.client_ip); without it the connection's address
# is the proxy's, which must not pass for a local scraper.
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _caller_address(request):
    if not settings.REST_FRAMEWORK.get("NUM_PROXIES") and any(
        header in request.META for header in _PROXY_HEADERS
    ):
        return None
    address = client_ip(request)
    if address is None:
        return None
    address = ipaddress.ip_address(address)
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address


def allowed(request) -> bool:
    """Whether `request` may read the metrics: from an allowed network and, when a token
    is set, bearing it (compared in constant time)."""
    address = _caller_address(request)
    if address is None or not any(
        address in network for network in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))
    ):
        return False
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return False
    return True


# Outside the request transaction: a scrape must answer, with what it can read, while
# the database is down. CSRF-exempt so that a refused POST gets the same 404 as a GET.
@transaction.non_atomic_requests
@csrf_exempt
def metrics(request):
    """The metrics in Prometheus's text format, to allowed callers only."""
    if not allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    add_never_cache_headers(response)
    return response
