"""JSON read from the database, decoded with orjson.

A list page decodes a hundred-odd JSON values (key points, topics, and the source facts
each digest query carries); the standard library's decoder was a tenth of the request.
orjson reads the same documents several times faster, with one difference that matters:
it reads an integer beyond 64 bits as a float, losing digits, where the standard decoder
keeps it whole. So such an integer is never stored: `JSONField` refuses it on the way in,
and the `json` values the digest queries write are built from those fields and integer
columns. Looking for long numbers on every read instead cost a third of a list request.
Anything orjson refuses goes to the standard decoder.
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


_INT64 = range(-(2**63), 2**63)


def _beyond_64_bits(value) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value not in _INT64
    if isinstance(value, dict):
        return any(_beyond_64_bits(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_beyond_64_bits(item) for item in value)
    return False


class OrjsonLoader(JsonLoader):
    def load(self, data):
        return loads(data)


def use_for_json_values(raw_connection) -> None:
    """Decode PostgreSQL `json` values (the facts a digest query aggregates) with orjson
    on this psycopg connection. `jsonb` is left to Django, which reads it as text and
    lets each field decode it."""
    raw_connection.adapters.register_loader("json", OrjsonLoader)


class JSONField(models.JSONField):
    """`models.JSONField`, decoding with orjson when no custom decoder is set, and
    refusing integers beyond 64 bits, which orjson would read back as floats."""

    def get_prep_value(self, value):
        if _beyond_64_bits(value):
            raise ValueError(f"{self.name} holds an integer beyond 64 bits; it cannot be stored")
        return super().get_prep_value(value)

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
