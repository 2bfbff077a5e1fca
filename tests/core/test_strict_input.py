"""Request bodies take each field's JSON type only (core.serializers)."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from rest_framework import serializers

from core.serializers import RefusesUnknownFields, StrictInput


class Item(StrictInput):
    label = serializers.CharField()


class Body(StrictInput):
    name = serializers.CharField(required=False)
    count = serializers.IntegerField(required=False)
    flag = serializers.BooleanField(required=False)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)
    on = serializers.DateField(required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    labels = serializers.DictField(child=serializers.CharField(), required=False)
    items = Item(many=True, required=False)
    note = serializers.CharField(required=False, allow_null=True)


def errors(data) -> dict:
    body = Body(data=data)
    assert not body.is_valid()
    return body.errors


@pytest.mark.parametrize(
    "data",
    [
        {"name": 0},
        {"count": "12"},
        {"count": True},
        {"flag": "true"},
        {"flag": 1},
        {"kind": 1},
        {"on": 20260101},
    ],
)
def test_a_value_of_another_json_type_is_refused(data):
    (name,) = data
    assert errors(data)[name][0].code == "invalid"


def test_items_of_lists_maps_and_nested_bodies_are_checked():
    found = errors({"tags": ["x", 1], "labels": {"a": "x", "b": 2}, "items": [{"label": 3}]})
    assert set(found) == {"tags", "labels", "items"}
    assert set(found["tags"]) == {1}
    assert set(found["labels"]) == {"b"}


def test_other_problems_are_reported_with_the_wrong_types():
    assert set(errors({"name": 0, "kind": "c"})) == {"name", "kind"}


def test_right_types_and_null_pass():
    body = Body(
        data={"name": "x", "count": 3, "flag": False, "kind": "a", "on": "2026-01-01", "note": None}
    )
    assert body.is_valid(), body.errors


def test_form_bodies_are_left_to_drf():
    body = Body(data=QueryDict("count=3&flag=true"))
    assert body.is_valid(), body.errors
    assert body.validated_data == {"count": 3, "flag": True}


def test_unknown_fields_are_refused_by_name():
    class Closed(RefusesUnknownFields):
        name = serializers.CharField()

    closed = Closed(data={"name": "x", "status": "published"})
    assert not closed.is_valid()
    assert set(closed.errors) == {"status"}
