"""JSON read from the database, decoded with orjson.

A list page decodes a hundred-odd JSON values (key points, topics, and the source facts
each digest query carries); the standard library's decoder was a tenth of the request.
orjson reads the same documents several times faster. PostgreSQL's `jsonb` and `json`
cannot hold what orjson refuses (NaN, for one) except integers beyond 64 bits, and those
fall back to the standard decoder.
"""

from __future__ import annotations

import json

import orjson
from django.db import models
from django.db.models.fields.json import KeyTransform
from psycopg.types.json import JsonLoader


def loads(value: str | bytes | memoryview):
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(bytes(value) if isinstance(value, memoryview) else value)


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
