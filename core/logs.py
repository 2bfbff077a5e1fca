"""Logs an operator can search: one line per request and per job, as JSON or as text.

`LOG_FORMAT=json` (the default with debug off) writes each record as one JSON object:
time, level, logger, message, the request id of the request it was written in, and the
record's own fields (`extra=`). `text` (the default in development) writes the message
alone, which for a request reads `GET /path 200 12.3 ms (4 queries, 1.9 ms)`.

RequestLogMiddleware writes the request line (logger `digest_platform.requests`): the
request id, method, route (the URL pattern, not the path: ids stay out of it), view,
tenant, who asked (a member, an API key by its prefix, or nobody), status, duration, and
the time and number of the database statements it ran; it also gives those numbers to
the metrics (core/metrics.py). `log_job` does the same for Celery tasks (logger
`digest_platform.jobs`).
"""

from __future__ import annotations

import contextvars
import logging
import time
from datetime import UTC, datetime

import orjson

from core.metrics import observe_request
from core.request_context import current_request_meta

REQUESTS = logging.getLogger("digest_platform.requests")
JOBS = logging.getLogger("digest_platform.jobs")

# What every LogRecord carries: anything else on a record was given through `extra=`.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request it was written in, if any: the one
    being served, or the one a record names (Django's `django.request` lines, written
    once the middleware is done)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            meta = current_request_meta()
            named = getattr(record, "request", None)
            record.request_id = (
                meta.request_id if meta is not None else getattr(named, "request_id", None)
            )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: the record's standard fields and its own."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(
            (name, value)
            for name, value in record.__dict__.items()
            if name not in _RECORD_ATTRIBUTES and name not in line
        )
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class _StatementTimer:
    """The statements one request ran: how many, and their time."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0


# The timer of the request being served in this context, if it is being logged.
_timer: contextvars.ContextVar[_StatementTimer | None] = contextvars.ContextVar(
    "digest_platform_statement_timer", default=None
)


def time_statement(execute, sql, params, many, context):
    """Django execute wrapper, installed on every connection as it is made
    (core.postgresql.base) and left there, outermost (another wrapper, such as the
    tenant setting's, may be added after it): it counts for the request whose timer is
    current, and does nothing outside one."""
    timer = _timer.get()
    if timer is None:
        return execute(sql, params, many, context)
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        timer.count += 1
        timer.seconds += time.perf_counter() - start


def principal(request) -> tuple[str, str | int | None]:
    """Who asked: (`api_key`, its prefix), (`user`, the member's id) or (`anonymous`,
    None). The request line's and the request's trace span's (core.tracing)."""
    user = getattr(request, "user", None)
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        return "api_key", api_key.prefix
    if user is not None and user.is_authenticated:
        return "user", user.pk
    return "anonymous", None


def request_route(request) -> str | None:
    """The URL pattern a request matched (`api/v1/tenants/<slug:tenant>/digests/`), None
    when none did: the request line's, the metrics' and the trace span's (core.tracing)."""
    match = getattr(request, "resolver_match", None)
    return match.route.removesuffix("$") if match else None


def request_tenant(request) -> str | None:
    """The tenant a request is for: the slug its URL names, None outside tenant URLs.
    The request line's and the request's trace span's (core.tracing)."""
    match = getattr(request, "resolver_match", None)
    return match.kwargs.get("tenant") if match else None


class RequestLogMiddleware:
    """Writes one line per request once its answer is ready (after RequestContext-
    Middleware has named the request, so the line carries its id), and counts the
    request in the metrics (core.metrics.observe_request) from the same measurements."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timer = _StatementTimer()
        token = _timer.set(timer)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            _timer.reset(token)
        seconds = time.perf_counter() - start
        match = getattr(request, "resolver_match", None)
        route = request_route(request)
        observe_request(
            request.method, route, response.status_code, seconds, timer.count, timer.seconds
        )
        if not REQUESTS.isEnabledFor(logging.INFO):  # LOG_LEVEL above INFO: no line
            return response
        duration_ms = round(seconds * 1000, 1)
        kind, who = principal(request)
        database_ms = round(timer.seconds * 1000, 1)
        REQUESTS.info(
            "%s %s %s %.1f ms (%d queries, %.1f ms)",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            timer.count,
            database_ms,
            extra={
                "method": request.method,
                "route": route,
                "view": match.view_name if match else None,
                "tenant": request_tenant(request),
                "principal_kind": kind,
                "principal_id": who,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "db_queries": timer.count,
                "db_ms": database_ms,
            },
        )
        return response


def log_job(task_name: str, task_id: str | None, state: str, seconds: float) -> None:
    """The line for one Celery task run (config.celery's task signals)."""
    duration_ms = round(seconds * 1000, 1)
    JOBS.info(
        "%s %s in %.1f ms",
        task_name,
        state,
        duration_ms,
        extra={"task": task_name, "task_id": task_id, "state": state, "duration_ms": duration_ms},
    )
