"""Per-request facts that outlive the view: request id, client address, user agent, and
work to run after the response, outside the request's transaction.

`after_response(fn)` queues `fn`; the middleware runs each queued function in
its own short transaction once the view's transaction is over, so what it writes
survives a refused or failed request (an API key's last use, a denied attempt in the
audit log).
"""

from __future__ import annotations

import contextvars
import ipaddress
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class RequestMeta:
    request_id: str
    ip: str | None
    user_agent: str


_meta: contextvars.ContextVar[RequestMeta | None] = contextvars.ContextVar(
    "digest_platform_request_meta", default=None
)
# The work `after_response` queued during the request RequestContextMiddleware serves.
_after: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "digest_platform_after_response", default=None
)


def current_request_meta() -> RequestMeta | None:
    return _meta.get()


def _address(value: str | None) -> str | None:
    """A canonical IP address, or None for anything else (ports and brackets dropped)."""
    if not value:
        return None
    value = value.strip()
    if value.startswith("["):  # [v6]:port
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return _address(hops[-min(proxies, len(hops))])
    return _address(request.META.get("REMOTE_ADDR"))


def after_response(fn: Callable[[], None]) -> None:
    """Run `fn` after the current request's response, in its own transaction, with this
    request's context (outside RequestContextMiddleware, as in a test calling a view's
    parts directly, the work is not done)."""
    queue = _after.get()
    if queue is not None:
        queue.append((contextvars.copy_context(), fn))


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # for what is logged after this middleware
        meta = RequestMeta(
            request_id=request_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
        )
        token = _meta.set(meta)
        queue: list = []
        queued = _after.set(queue)
        try:
            response = self.get_response(request)
            for context, fn in queue:
                try:
                    with transaction.atomic():
                        context.run(fn)
                except DatabaseError:
                    # Bookkeeping (a key's last use, a denial's audit event) is lost when
                    # the database goes away; the answer already given stands.
                    logger.warning("after-response work skipped", exc_info=True)
        finally:
            _after.reset(queued)
            _meta.reset(token)
        response["X-Request-ID"] = request_id
        return response
