"""The API's exception handler (REST_FRAMEWORK EXCEPTION_HANDLER): core.problems'
handler, with the two answers that need tenancy.

- `TenantNotSet`, tenant data reached with no tenant current, is a bug: logged, rolled
  back and answered as any server error.
- A 401 with DRF's default detail says instead what in the request's credentials was not
  understood, and how to send an API key (tenants.authentication).
"""

from __future__ import annotations

import logging

from rest_framework import exceptions
from rest_framework.exceptions import ErrorDetail

from core import problems
from tenants.authentication import missing_credentials_detail
from tenants.context import TenantNotSet

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, TenantNotSet):
        # A code path reached tenant data without a tenant: fail closed, loudly in the logs.
        logger.error("tenant scope missing", exc_info=exc)
        exc = exceptions.APIException(
            "The server could not complete the request.", code="server_error"
        )
    elif (
        isinstance(exc, exceptions.NotAuthenticated)
        and exc.detail == exceptions.NotAuthenticated.default_detail
        and context.get("request") is not None
    ):
        # The same exception, so what DRF set on it (the WWW-Authenticate header, or the
        # 403 it becomes without one) stays.
        exc.detail = ErrorDetail(
            missing_credentials_detail(context["request"]), code=exc.detail.code
        )
    return problems.exception_handler(exc, context)
