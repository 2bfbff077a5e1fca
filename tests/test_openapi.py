"""The OpenAPI document as a map of the product: every operation in one declared area,
named by a verb and what it acts on."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_exactly_one_declared_area(document):
    declared = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]
    misplaced = {
        label: operation.get("tags")
        for label, operation in operations(document)
        if len(operation.get("tags", [])) != 1 or operation["tags"][0] not in declared
    }
    assert not misplaced, (
        "give these an area: a pattern in core.schema._AREAS, a tag in "
        f"SPECTACULAR_SETTINGS['TAGS']: {misplaced}"
    )


def test_every_declared_area_has_operations(document):
    """An empty area would show in the reference's sidebar with nothing under it."""
    used = {operation["tags"][0] for _, operation in operations(document)}
    declared = [tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]]
    assert [name for name in declared if name not in used] == []
    assert [tag["name"] for tag in document["tags"]] == declared


def test_operation_ids_are_verb_first_and_unique(document):
    """The generated clients name their functions after these (listDigests is
    `list_digests` in Python): a verb, then what it acts on, one per operation."""
    ids = [operation["operationId"] for _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert {"listDigests", "createApiKey", "archiveDigest", "getDigestChanges"} <= set(ids)
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]*)+", i)] == []


def test_every_operation_has_a_summary(document):
    """Redoc's sidebar shows summaries: `List digests`, `Rotate webhook secret`."""
    missing = [label for label, operation in operations(document) if not operation.get("summary")]
    assert missing == []


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def examples(document: dict):
    """(label, example value, schema) of every request and response example."""
    for label, operation in operations(document):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(code, answer) for code, answer in operation["responses"].items()]
        for where, body in bodies:
            for media, content in body.get("content", {}).items():
                for name, example in content.get("examples", {}).items():
                    yield f"{label} {where} {media} {name}", example["value"], content["schema"]


def test_examples_match_their_schemas(document):
    """The examples are what clients copy: each is a body the API accepts or gives."""
    document = json.loads(OpenApiJsonRenderer().render(document))
    components = _as_json_schema(document["components"])
    found = list(examples(document))
    assert len(found) >= 5  # digests listed and created, an API key created
    for label, value, schema in found:
        validator = jsonschema.Draft7Validator(
            {**_as_json_schema(schema), "components": components},
            format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
        )
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]
        assert problems == [], label
