"""JSON read from the database, decoded with orjson.

A list page decodes a hundred-odd JSON values (key points, topics, and the source facts
each digest query carries); the standard library's decoder was a tenth of the request.
orjson reads the same documents several times faster, with one difference that matters:
it reads an integer beyond 64 bits as a float, losing digits, where the standard decoder
keeps it whole. A value holding a run of 19 digits or more (any integer that might not fit,
and some that would) is decoded by the standard decoder, as is anything orjson refuses.
"""

from __future__ import annotations

import json
import re

import orjson
from django.db import models
from django.db.models.fields.json import KeyTransform
from psycopg.types.json import JsonLoader

_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def loads(value: str | bytes | memoryview):
    raw = value.encode() if isinstance(value, str) else bytes(value)
    if _LONG_NUMBER.search(raw) is None:
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


class OrjsonLoader(JsonLoader):
    def load(self, data):
        return loads(data)


def use_for_json_values(raw_connection) -> None:
    """Decode PostgreSQL `json` values (the facts a digest query aggregates) with orjson
    on this psycopg connection. `jsonb` is left to Django, which reads it as text and
    lets each field decode it."""
    raw_connection.adapters.register_loader("json", OrjsonLoader)


class JSONField(models.JSONField):
    """`models.JSONField`, decoding with orjson when no custom decoder is set."""

    def from_db_value(self, value, expression, connection):
        if (
            self.decoder is None
            and isinstance(value, str | bytes)
            and not isinstance(expression, KeyTransform)
        ):
            try:
                return loads(value)
            except json.JSONDecodeError:
                return value  # what models.JSONField does with text that is not JSON
        return super().from_db_value(value, expression, connection)
