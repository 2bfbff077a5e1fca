"""Request bodies as strict as the OpenAPI document says they are.

DRF converts what it can: `0` for a string field becomes "0", "true" or 1 for a boolean
becomes True, "12" for an integer becomes 12. The document gives each field one JSON
type, so a body that sends another is refused instead (`StrictInput`); and a body may
refuse fields it does not name (`RefusesUnknownFields`), which the document states.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework import serializers

_STRING_FIELDS = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.DurationField,
    serializers.UUIDField,
    serializers.SlugRelatedField,
)


def _wrong_type(field, value):
    """The message for a JSON value of the wrong type for `field`; None when it is of
    the right one, null (the field decides on that), or a nested body (its own
    serializer checks it). Lists and maps are checked item by item."""
    if value is None or isinstance(field, (serializers.BaseSerializer, serializers.JSONField)):
        return None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None  # the field's own "expected a list" applies
        found = {i: _wrong_type(field.child, item) for i, item in enumerate(value)}
        return {i: message for i, message in found.items() if message} or None
    if isinstance(field, serializers.DictField):
        if not isinstance(value, dict):
            return None
        found = {key: _wrong_type(field.child, item) for key, item in value.items()}
        return {key: message for key, message in found.items() if message} or None
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else ["Must be a boolean."]
    if isinstance(field, serializers.IntegerField):
        integer = isinstance(value, int) and not isinstance(value, bool)
        return None if integer else ["Must be an integer."]
    if isinstance(field, serializers.FloatField):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return None if number else ["Must be a number."]
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(choice, str) for choice in field.choices):
            return None if isinstance(value, str) else ["Must be a string."]
        return None
    if isinstance(field, _STRING_FIELDS):
        if not isinstance(value, str):
            return ["Must be a string."]
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            # As sent, before DRF trims white space: the OpenAPI document's maxLength is
            # about the value sent.
            return [f"Ensure this field has no more than {limit} characters."]
        return None
    return None


class StrictInput(serializers.Serializer):
    """A JSON body whose values have the types of their fields, and no others: see the
    module docstring. Form bodies (multipart) are all strings and are left to DRF."""

    def to_internal_value(self, data):
        wrong = {}
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            for name, field in self.fields.items():
                if name in data and not field.read_only:
                    message = _wrong_type(field, data[name])
                    if message:
                        wrong[name] = message
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Every field's problem at once: the type, where it is wrong, for that field.
            if wrong and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **wrong}) from None
            raise
        if wrong:
            raise serializers.ValidationError(wrong)
        return value


class RefusesUnknownFields(StrictInput):
    """A body with a field this serializer does not name is refused, field by field,
    rather than the field being ignored: a client that sets `status` through the wrong
    endpoint learns so. The OpenAPI document says `additionalProperties: false`
    (core.schema.AutoSchema), and adds `schema_extra` to the body's schema: the rules
    about the body as a whole that a subclass's `validate` enforces."""

    schema_extra: dict = {}

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be set here."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)
