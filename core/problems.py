"""RFC 9457 problem details for every error the service returns.

A problem is `application/problem+json` with `type`, `title`, `status`, `detail` and a
stable `code` clients can branch on; validation problems add `errors`, one entry per
field. DRF exceptions go through `exception_handler`; Django's own 400/403/404/500 pages
through the `handler*` views in config.urls; anything else that leaves as a non-problem
error (a 405 from a plain Django view, say) is rewritten by `ProblemDetailsMiddleware`.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import Http404, HttpResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status as drf_status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import ServiceError
from core.renderers import ORJSONRenderer, UnknownFormat, for_reading

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_body(status: int, code: str, detail: str, **extra) -> dict:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    body.update(extra)
    return body


def problem_response(status: int, code: str, detail: str, *, request=None, **extra) -> HttpResponse:
    """A problem document; indented when `request` comes from a browser."""
    indent = 2 if request is not None and for_reading(None, {"request": request}) else None
    response = HttpResponse(
        json.dumps(problem_body(status, code, detail, **extra), indent=indent),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )
    return response


def _flatten_errors(detail, path: str = "") -> list[dict]:
    """DRF's nested error dict/list into [{field, message, code}] with dotted paths."""
    errors: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            child = key if not path else f"{path}.{key}"
            if key == "non_field_errors":
                child = path or None
            errors.extend(_flatten_errors(value, child))
    elif isinstance(detail, list):
        if all(isinstance(item, drf_exceptions.ErrorDetail | str) for item in detail):
            for item in detail:
                errors.append(
                    {
                        "field": path or None,
                        "message": str(item),
                        "code": getattr(item, "code", "invalid"),
                    }
                )
        else:
            for index, item in enumerate(detail):
                errors.extend(_flatten_errors(item, f"{path}.{index}" if path else str(index)))
    else:
        errors.append(
            {
                "field": path or None,
                "message": str(detail),
                "code": getattr(detail, "code", "invalid"),
            }
        )
    return errors


# Each status HTTP names, with its standard description.
_DESCRIPTIONS = {status.value: status.description for status in HTTPStatus}

_DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}


def unknown_format_detail(requested: str) -> str:
    return (
        f"There is no format={requested[:40]!r} here: every answer is JSON, and `format` "
        "only chooses the response's media type. Files come from the export endpoints, "
        "which name theirs with `export_format`: digests/export/ and digests/{id}/export/ "
        "(json, markdown, csv), audit/events/export/ (csv, jsonl) and the compliance "
        "reports (csv)."
    )


def exception_handler(exc, context):
    """DRF exception handler: every error as a problem document. The API's handler
    (REST_FRAMEWORK EXCEPTION_HANDLER) is tenants.problems.exception_handler, which adds
    the answers that need tenancy and then calls this one."""
    request = context.get("request")
    if request is not None:
        # A problem is JSON whatever the view renders otherwise: the API docs' HTML page
        # or the schema's YAML would carry this content type over another body.
        request.accepted_renderer = ORJSONRenderer()
        request.accepted_media_type = ORJSONRenderer.media_type

    headers: dict[str, str] = {}
    if isinstance(exc, ServiceError):
        set_rollback()
        body = problem_body(exc.status, exc.code, exc.detail)
        return Response(body, status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            problem_body(413, "request_too_large", "The request body is larger than allowed."),
            status=413,
            content_type=PROBLEM_CONTENT_TYPE,
        )
    if isinstance(exc, UnknownFormat):
        exc = drf_exceptions.NotFound(unknown_format_detail(exc.requested), code="unknown_format")
    elif isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = drf_exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    if not isinstance(exc, drf_exceptions.APIException):
        return None  # Django's handler500 answers, with a problem body too

    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    status = exc.status_code
    extra = {}
    if isinstance(exc, drf_exceptions.ValidationError):
        code = "validation_failed"
        detail = "The request has invalid fields."
        extra["errors"] = _flatten_errors(exc.detail)
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = getattr(exc.detail, "code", None) or exc.default_code
        if code in {"error", "invalid"}:
            code = _DEFAULT_CODES.get(status, "error")
    if status == drf_status.HTTP_401_UNAUTHORIZED and not headers.get("WWW-Authenticate"):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    set_rollback()
    return Response(
        problem_body(status, code, detail, **extra),
        status=status,
        headers=headers,
        content_type=PROBLEM_CONTENT_TYPE,
    )


# --- Django-level handlers (config.urls handler400/403/404/500) --------------------------------


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return problem_response(
            413, "request_too_large", "The request body is larger than allowed.", request=request
        )
    return problem_response(
        400, "bad_request", "The request could not be understood.", request=request
    )


def permission_denied(request, exception=None):
    return problem_response(
        403, "permission_denied", "You do not have permission to do this.", request=request
    )


def page_not_found(request, exception=None):
    return problem_response(404, "not_found", "Not found.", request=request)


def server_error(request):
    return problem_response(
        500, "server_error", "The server could not complete the request.", request=request
    )


def csrf_failure(request, reason=""):
    return problem_response(
        403, "csrf_failed", f"CSRF verification failed: {reason}", request=request
    )


class ProblemDetailsMiddleware:
    """Rewrite any error response that is not already a problem document.

    The operators' admin keeps its HTML pages.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
            and not request.path.startswith("/admin/")
            and not getattr(response, "streaming", False)
            # pages meant for a person in a browser (the SSO refusal page)
            and not getattr(response, "problem_exempt", False)
        ):
            status = response.status_code
            code = _DEFAULT_CODES.get(status, "error")
            detail = _DESCRIPTIONS.get(status, "")
            extra = {}
            if status == 405 and response.has_header("Allow"):
                extra["allowed"] = [m.strip() for m in response["Allow"].split(",")]
            rewritten = problem_response(status, code, detail or "Error.", request=request, **extra)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if response.has_header(header):
                    rewritten[header] = response[header]
            return rewritten
        return response
