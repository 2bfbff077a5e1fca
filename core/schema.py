"""OpenAPI generation shared by every app: areas, operation ids and problem responses.

`AutoSchema` derives each operation's tag (its area of the product), operation id and
summary from its path, so that a new endpoint is placed and named like the others
without saying so on the view. `add_problem_responses` documents the error side, which
is uniform (RFC 9457 problem documents from core.problems), once instead of on every
view.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers

from core.serializers import RefusesUnknownFields, StrictInput

# An operation's area from its path below /api/v1/ (tenant routes without their
# `tenants/{tenant}/` prefix): the first pattern that matches. An unknown path falls back
# to drf-spectacular's tag, which is not declared (SPECTACULAR_SETTINGS["TAGS"]), and
# tests/test_openapi.py says so.
_AREAS = [
    (r"me($|/sessions/)", "Account"),
    (r"(members|invitations|roles|permissions)/", "Members and roles"),
    (r"api-keys/", "API keys"),
    (
        r"digests/(changes|export|import)/$|digests/\{id\}/export/$|archive/$|deletion/$",
        "Sync and exports",
    ),
    (r"digests/\{id\}/sources/", "Licensing"),
    (r"digests/", "Digests"),
    (r"policies/insight/", "Policy insight"),
    (r"policies/", "Policies"),
    (r"licensing/reports/", "Compliance reports"),
    (r"licensing/", "Licensing"),
    (r"audit/", "Audit"),
    (r"webhooks/|webhook-deliveries/", "Webhooks"),
    (r"/?sso/|scim-tokens/", "SSO"),
]

# Path segments that name what an operation does rather than what it acts on:
# `POST digests/{id}/archive/` is archiveDigest. Hyphenated ones put the rest after the
# object: `rotate-secret` on a webhook is rotateWebhookSecret.
_ACTION_SEGMENTS = {
    "archive",
    "discover",
    "end-others",
    "end-sessions",
    "export",
    "import",
    "publish",
    "redeliver",
    "refresh-metadata",
    "resend",
    "reset-mfa",
    "review",
    "rollback",
    "rotate-secret",
    "simulate",
    "upload",
    "verify",
}
# Segments that only group others: `licensing/licenses/` is about licenses.
_NAMESPACES = {"licensing"}
# Docstrings of request bodies' base classes, which describe no body in particular.
_BASE_DOCS = {get_doc(RefusesUnknownFields), get_doc(StrictInput)}
_METHOD_VERBS = {"post": "create", "put": "replace", "patch": "update", "delete": "delete"}
_SUMMARY_WORDS = {"api": "API", "sso": "SSO", "scim": "SCIM"}


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _non_blank_text(field) -> bool:
    """A free-text field that refuses blank text after trimming it; not one whose own
    pattern or format already rules that out (slugs, emails, URLs)."""
    return (
        isinstance(field, serializers.CharField)
        and not isinstance(field, serializers.EmailField | serializers.IPAddressField)
        and field.trim_whitespace
        and not field.allow_blank
        and not any(isinstance(v, RegexValidator) for v in field.validators)
    )


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema with tags by area and verb-first operation ids."""

    def _route(self) -> str:
        """The path below /api/v1/, and below a tenant's prefix for tenant routes."""
        path = re.sub(r"^/api/v1/", "", self.path)
        return re.sub(r"^tenants/\{tenant\}/", "", path)

    def get_tags(self) -> list[str]:
        route = self._route()
        for pattern, tag in _AREAS:
            if re.match(pattern, route):
                return [tag]
        return super().get_tags()

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        kind = serializer if isinstance(serializer, type) else type(serializer)
        if direction == "request" and issubclass(kind, RefusesUnknownFields):
            schema["additionalProperties"] = False
            schema.update(kind.schema_extra)
        if schema.get("description") in _BASE_DOCS:
            del schema["description"]  # a base class's, not the body's
        return schema

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "request" and _non_blank_text(field):
            # DRF trims the text first: only spaces is as blank as nothing.
            meta["pattern"] = r"\S"
        return meta

    def _verb_and_object(self) -> tuple[str, list[str]]:
        """What the operation does and the words naming what it acts on: `GET
        digests/{id}/access/` is ("get", ["digest", "access"]); `GET digests/` ("list",
        ["digests"]); `GET licensing/reports/expiring/` ("get", ["expiring", "report"])."""
        segments = [s for s in self._route().split("/") if s]
        segments = [s for s in segments if s not in _NAMESPACES]
        verb = None
        rest: list[str] = []
        if segments and segments[-1] in _ACTION_SEGMENTS:
            verb, *rest = segments.pop().split("-")
        words: list[str] = []
        for index, segment in enumerate(segments):
            if segment.startswith("{"):
                continue
            last = index == len(segments) - 1
            if segment == "reports" and not last:
                continue  # `reports/expiring/` is the expiring report
            name = segment.split("-")
            # One object, or a word before another: getDigest, listDigestChanges.
            if not last or (verb is None and self.method == "POST"):
                name[-1] = _singular(name[-1])
            words += name
        if "reports" in segments[:-1]:
            words.append("report")
        if verb is None:
            method = self.method.lower()
            if method == "get":
                verb = "list" if self._is_list_view() else "get"
            else:
                verb = _METHOD_VERBS[method]
        return verb, words + rest

    def get_operation_id(self) -> str:
        verb, words = self._verb_and_object()
        return verb + "".join(word.capitalize() for word in words)

    def get_summary(self) -> str | None:
        verb, words = self._verb_and_object()
        return " ".join([verb.capitalize(), *(_SUMMARY_WORDS.get(w, w) for w in words)])


PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable, machine-readable reason."},
        "errors": {
            "type": "array",
            "description": "Validation problems only: one entry per invalid field.",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "Invalid request (problem document; `errors` lists invalid fields).",
    "401": "Not authenticated, or the API key is invalid, expired or revoked.",
    "403": "Authenticated but not allowed (missing permission, suspended tenant).",
    "404": "Not found, or not visible to you: other tenants' objects answer exactly the same.",
    "409": "Conflicts with the current state (for example the last owner).",
    "412": "If-Match did not match the current ETag.",
    "413": "The request body is over the size limit.",
    "415": "The body, or a file uploaded in it, is of a type this operation does not accept.",
    "429": "Too many requests; see Retry-After.",
}

IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag from a previous read; the write is refused with 412 if it changed.",
}


def _problem_response(code: str) -> dict:
    return {
        "description": _DESCRIPTIONS[code],
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for path, operations in result.get("paths", {}).items():
        tenant_path = "{tenant}" in path
        # A person's own things (their sessions): refused to API keys, 404 for another's.
        person_path = path.startswith("/api/v1/me/")
        detail_path = "{id}" in path
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = ["401", "429"]
            if tenant_path:
                codes += ["403", "404"]
            elif person_path:
                codes += ["403", "404"] if detail_path else ["403"]
            if method in {"post", "put", "patch"}:
                codes += ["400", "413"]
            elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.append("400")  # an invalid filter, cursor or export format
            if tenant_path and method in {"post", "patch", "delete"}:
                codes.append("409")
            if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                codes.append("415")
            if tenant_path and detail_path and method in {"put", "patch", "delete"}:
                codes.append("412")
                params = operation.setdefault("parameters", [])
                if not any(p.get("name") == "If-Match" for p in params):
                    params.append(IF_MATCH)
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, _problem_response(code))
    return result


def require_bodies_that_need_a_field(result, generator, request, public):
    """Mark a request body required where its schema cannot be met by no body at all: it
    asks for at least one property (`minProperties`, a `required` list) or character (a
    text body's `minLength`), or it is a `oneOf` whose every variant does.
    drf-spectacular marks a body required only from its serializer's required fields, so
    it misses these (a "one of two fields" body, a union of serializers, a raw schema)."""
    schemas = result.get("components", {}).get("schemas", {})

    def needs_something(schema: dict) -> bool:
        if "$ref" in schema:
            return needs_something(schemas.get(schema["$ref"].rpartition("/")[2], {}))
        if "oneOf" in schema:
            return all(needs_something(variant) for variant in schema["oneOf"])
        return (
            schema.get("minProperties", 0) >= 1
            or bool(schema.get("required"))
            or schema.get("minLength", 0) >= 1
        )

    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and any(
                needs_something(media.get("schema", {}))
                for media in body.get("content", {}).values()
            ):
                body["required"] = True
    return result
