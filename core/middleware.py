"""Request-level guards: body size, content security policy, an unreachable database;
and the release of a rendered answer."""

import functools
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections

from core.problems import problem_response

logger = logging.getLogger(__name__)

EVIDENCE_UPLOAD_SUFFIX = "/evidence/upload/"


class RequestSizeLimitMiddleware:
    """413 for bodies over MAX_REQUEST_BYTES, decided from Content-Length before reading.

    Refusing before the body is read costs nothing, gives every endpoint (not only those
    that parse a body) the same answer, and never opens the request's transaction.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # Evidence uploads: the file's own limit, plus room for the multipart envelope.
        self.evidence_limit = settings.MAX_EVIDENCE_BYTES + 64 * 1024

    def __call__(self, request):
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return problem_response(400, "bad_content_length", "Content-Length is not a number.")
        if length < 0:
            return problem_response(400, "bad_content_length", "Content-Length is negative.")
        limit = self.limit
        if request.path.endswith(EVIDENCE_UPLOAD_SUFFIX) and limit is not None:
            limit = max(limit, self.evidence_limit)
        if limit is not None and length > limit:
            return problem_response(
                413,
                "request_too_large",
                f"The request body is {length} bytes; the limit is {limit}.",
            )
        return self.get_response(request)


def _policy(style_src: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src {style_src}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "worker-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


# No inline script runs anywhere, and no inline style in the pages this project writes
# (the console, sign-in): they take their styles from files of this origin.
CONTENT_SECURITY_POLICY = _policy("'self'")
# Swagger UI, Redoc and Django's admin set some styles inline.
INLINE_STYLES_POLICY = _policy("'self' 'unsafe-inline'")


def allows_inline_styles(view):
    """Mark a view whose pages set styles inline (the API documentation's)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.inline_styles = True
        return response

    return wrapped


class ContentSecurityPolicyMiddleware:
    """A Content-Security-Policy on every HTML page: scripts only from this origin, so an
    injected script cannot run; inline styles only for the pages of libraries that need
    them (`allows_inline_styles`, and Django's admin)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            match = getattr(request, "resolver_match", None)
            relaxed = getattr(response, "inline_styles", False) or (
                match is not None and match.app_name == "admin"
            )
            response.setdefault(
                "Content-Security-Policy",
                INLINE_STYLES_POLICY if relaxed else CONTENT_SECURITY_POLICY,
            )
        return response


class DatabaseUnavailableMiddleware:
    """503 `database_unavailable` (with Retry-After) when the database cannot be reached,
    instead of a 500: the request may succeed if retried, and monitoring tells an outage
    from a bug. The connection is dropped so the next request connects afresh, which is
    how the service recovers by itself when the database returns."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", exception)
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        response = problem_response(
            503, "database_unavailable", "The database is not reachable. Retry shortly."
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


class ReleaseAnswerMiddleware:
    """Lets a rendered DRF answer, and the page it was made from, be freed as soon as the
    server has sent it.

    DRF's Response puts itself into its renderer context while rendering, and its view
    (in a cycle with its request) keeps it as `view.response`, and keeps its paginator,
    which keeps the page of instances. So the answer and the page, a list request's
    thousands of objects, would be freed only when the garbage collector walked them all
    (its cost is in docs/performance.md). Once the answer is rendered (the
    browsable API writes its pagination links while rendering), none of these is read
    again (tests/core/test_request_garbage.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if context is not None and getattr(response, "is_rendered", False):
            context.pop("response", None)
            view = context.get("view")
            if getattr(view, "response", None) is response:
                view.response = None
            paginator = getattr(view, "paginator", None)
            if getattr(paginator, "page", None) is not None:
                paginator.page = []
        return response
