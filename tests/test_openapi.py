"""The OpenAPI document as a map of the product: every operation in one declared area,
named by a verb and what it acts on."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

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
