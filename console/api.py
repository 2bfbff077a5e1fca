"""The console reads and writes through the API's own views, in process.

A console page never queries a model or calls a service itself: it asks the view that
serves the same thing at `/api/v1/...`, with the person's session. Authentication, the
tenant and membership checks, the permission map, content policies, services, audit and
problem documents are therefore the API's, and the console cannot decide anything
differently from it. A page's permission, shown or hidden in the navigation, is read off
the view it calls (`Endpoint.permission`), never written a second time.

Invariants:
- an inner request carries only the session: never an `Authorization` header or a
  conditional header the browser sent to the console page;
- an unsafe inner call is made only while serving a POST, which Django's CSRF middleware
  has already checked (the console's views are never CSRF-exempt); the inner request is
  then told not to check again, since its JSON body has no form token;
- each call runs in its own savepoint, so a refused write leaves the page's transaction
  usable for showing why.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.urls import NoReverseMatch, resolve, reverse

SAFE_METHODS = frozenset({"GET", "HEAD"})
# What the browser sent that must not reach the API: credentials other than the session,
# and validators meant for the console's page, not for the API's answer.
_DROPPED_HEADERS = (
    "HTTP_AUTHORIZATION",
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_ACCEPT_ENCODING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
)


class UnsafeCallOnRead(RuntimeError):
    """A page served for GET tried to write through the API: a bug in the page."""


@dataclass(frozen=True)
class Endpoint:
    """One API operation the console uses: a URL name of the API and an HTTP method."""

    name: str
    method: str = "get"

    def path(self, tenant: str | None = None, **kwargs) -> str:
        if tenant is not None:
            kwargs["tenant"] = tenant
        return reverse(self.name, kwargs=kwargs)

    @cached_property
    def view(self):
        """(view class, action) the API routes this operation to."""
        for sample in ({"tenant": "t"}, {"tenant": "t", "pk": 1}, {}):
            try:
                path = reverse(self.name, kwargs=sample)
            except NoReverseMatch:
                continue
            callback = resolve(path).func
            cls = getattr(callback, "cls", None)
            actions = getattr(callback, "actions", None) or {}
            return cls, actions.get(self.method, self.method)
        raise NoReverseMatch(f"no API route is named {self.name!r}")

    @cached_property
    def permission(self) -> str | None:
        """The permission the API's view asks for this operation (None: any member)."""
        cls, action = self.view
        permission_map = getattr(cls, "permission_map", None)
        if permission_map is None:
            return None
        return permission_map[action]


@dataclass
class Answer:
    """What the API answered: its status and its data (a problem document on error)."""

    status: int
    data: Any
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def detail(self) -> str:
        if isinstance(self.data, dict):
            return str(self.data.get("detail", ""))
        return ""

    @property
    def code(self) -> str:
        return self.data.get("code", "") if isinstance(self.data, dict) else ""

    def field_errors(self) -> dict[str, list[str]]:
        """A validation problem's messages by field (`errors` of the problem document)."""
        found: dict[str, list[str]] = {}
        if isinstance(self.data, dict):
            for error in self.data.get("errors") or []:
                found.setdefault(error.get("field") or "form", []).append(error.get("message", ""))
        return found

    def cursor(self, which: str) -> str | None:
        """The `cursor` of a list's `next` or `previous` link."""
        link = self.data.get(which) if isinstance(self.data, dict) else None
        if not link:
            return None
        return (parse_qs(urlsplit(link).query).get("cursor") or [None])[0]


def multipart(fields: dict, files: dict) -> tuple[str, bytes]:
    """(content type, body) of a multipart/form-data request carrying `fields` (text)
    and `files` (Django uploaded files)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, upload in files.items():
        filename = upload.name.replace('"', "").replace("\r", "").replace("\n", "")
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        upload.seek(0)
        parts.append(head.encode() + upload.read() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def call(
    request,
    endpoint: Endpoint,
    *,
    tenant: str | None = None,
    query: dict | None = None,
    data: Any = None,
    files: dict | None = None,
    **kwargs,
) -> Answer:
    """Ask the API's view for `endpoint` as the person behind `request` (a console page's
    request) would, and return its answer. `data` is sent as JSON, or with `files`
    (uploaded files by field name) as multipart/form-data."""
    method = endpoint.method.upper()
    if method not in SAFE_METHODS and not (
        request.method == "POST" and getattr(request, "csrf_processing_done", False)
    ):
        raise UnsafeCallOnRead(
            f"{endpoint.name} ({method}) called while serving a {request.method} that "
            "Django's CSRF check did not pass"
        )
    path = endpoint.path(tenant, **kwargs)
    match = resolve(path)
    if files is not None:
        content_type, body = multipart(data or {}, files)
    else:
        content_type, body = "application/json", b"" if data is None else json.dumps(data).encode()
    environ = {key: value for key, value in request.META.items() if key not in _DROPPED_HEADERS}
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": urlencode(
                {k: v for k, v in (query or {}).items() if v not in (None, "")}, doseq=True
            ),
            "HTTP_ACCEPT": "application/json",
            "wsgi.input": BytesIO(body),
        }
    )
    if data is not None or files is not None:
        environ["CONTENT_TYPE"] = content_type
        environ["CONTENT_LENGTH"] = str(len(body))
    inner = WSGIRequest(environ)
    inner.user = request.user
    inner.session = request.session
    if method not in SAFE_METHODS:
        # The console's own POST passed the CSRF check before its view ran.
        inner._dont_enforce_csrf_checks = True
    with transaction.atomic():
        response = match.func(inner, *match.args, **match.kwargs)
    return Answer(
        status=response.status_code,
        data=getattr(response, "data", None),
        headers={key: value for key, value in response.items()},
    )
