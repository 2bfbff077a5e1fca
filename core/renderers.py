"""JSON rendering with orjson: several times faster than the standard library encoder on
the lists of nested dicts the digest endpoints return."""

from __future__ import annotations

import orjson
from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer


def _fallback(value):
    # Lazy translation strings and other str-like objects DRF may put in error bodies.
    return str(value)


def for_reading(accepted_media_type, renderer_context) -> bool:
    """Whether the JSON is for a person: a browser (its Accept names text/html, which no
    API client sends) or a client asking for `indent` as DRF's JSON renderer allows."""
    if accepted_media_type and "indent=" in accepted_media_type:
        return True
    request = (renderer_context or {}).get("request")
    return request is not None and "text/html" in request.META.get("HTTP_ACCEPT", "")


class ORJSONRenderer(BaseRenderer):
    """Compact JSON for programs; indented for a person reading it in a browser."""

    media_type = "application/json"
    format = "json"
    charset = None  # orjson writes UTF-8 bytes

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        option = orjson.OPT_NON_STR_KEYS
        if for_reading(accepted_media_type, renderer_context):
            option |= orjson.OPT_INDENT_2
        return orjson.dumps(data, default=_fallback, option=option)


class UnknownFormat(Http404):
    """A `format` (query parameter or suffix) that no renderer answers: a 404, as DRF
    makes it, whose problem says where files come from (core.problems)."""

    def __init__(self, requested: str):
        super().__init__(requested)
        self.requested = requested


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation; a `format` no renderer answers is an UnknownFormat, whose
    problem points to the export endpoints."""

    def filter_renderers(self, renderers, format):
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            raise UnknownFormat(format) from None
