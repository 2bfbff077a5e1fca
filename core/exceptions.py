"""What services raise to refuse an operation; core.problems answers each as a problem
document with its status and code."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused operation. `code` is stable; `status` is the HTTP status it maps to."""

    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "permission_denied"
