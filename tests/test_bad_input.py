"""Bad input: every case a 4xx problem document, and nothing stored."""

from __future__ import annotations

import json

import pytest

from digests.models import Digest
from tenants.context import tenant_context
from tests import factories

DIGESTS = "/api/v1/tenants/acme/digests/"
VALID = {
    "title": "A fine title",
    "publisher": "Radio",
    "published_on": "2025-01-02",
}


def count(world) -> int:
    with tenant_context(world.acme):
        return Digest.objects.count()


def assert_problem(response, status: int):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"]
    return body


def test_deeply_nested_json_is_a_400(world):
    before = count(world)
    nested = "[" * 100_000 + "]" * 100_000
    response = world.client("editor").generic(
        "POST", DIGESTS, nested, content_type="application/json"
    )
    assert_problem(response, 400)
    assert count(world) == before


def test_invalid_utf8_is_a_400(world):
    before = count(world)
    response = world.client("editor").generic(
        "POST", DIGESTS, b'{"title": "\xff\xfe"}', content_type="application/json"
    )
    assert_problem(response, 400)
    assert count(world) == before


@pytest.mark.parametrize("field", ["title", "summary", "publisher"])
def test_nul_bytes_are_refused(world, field):
    before = count(world)
    body = {**VALID, field: "before\x00after"}
    response = world.client("editor").post(DIGESTS, body, format="json")
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == field
    assert count(world) == before


def test_nul_bytes_in_an_import_are_a_failed_file_with_its_line(world):
    before = count(world)
    text = (
        "Digestly\n\nMar 1, 2025\n\nTitle\x00\n\nPub - Title\n\nSummary.\n\n"
        "Key Points:\n\n  • One.\n\nDetails:\n\n1. Part\n"
    )
    response = world.client("editor").generic(
        "POST", "/api/v1/tenants/acme/digests/import/", text.encode(), content_type="text/plain"
    )
    assert response.status_code == 200
    result = response.json()["files"][0]
    assert (result["status"], result["line"]) == ("failed", 5)
    assert count(world) == before


def test_a_huge_page_size_is_capped(world):
    for i in range(3):
        factories.digest(world.acme, title=f"D{i}")
    response = world.client("viewer").get(DIGESTS, {"page_size": 10**12})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    for garbage in ("lots", "0", "-5", "1.5"):
        problem = assert_problem(world.client("viewer").get(DIGESTS, {"page_size": garbage}), 400)
        assert problem["errors"][0]["field"] == "page_size"
    problem = assert_problem(world.client("viewer").get(DIGESTS, {"ordering": "title"}), 400)
    assert problem["errors"][0]["field"] == "ordering"


def test_a_garbage_cursor_is_a_400_problem_naming_it(world):
    response = world.client("viewer").get(DIGESTS, {"cursor": "not-a-cursor"})
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == "cursor"


def test_unknown_and_mass_assigned_fields_are_refused_and_nothing_stored(world):
    before = count(world)
    body = {
        **VALID,
        "tenant": world.globex.pk,
        "status": "published",
        "surprise": 1,
        "created_by": 1,
        "import_key": "x",
    }
    problem = assert_problem(world.client("editor").post(DIGESTS, body, format="json"), 400)
    assert {e["field"] for e in problem["errors"]} == {
        "tenant",
        "status",
        "surprise",
        "created_by",
        "import_key",
    }
    assert count(world) == before


def test_a_json_body_that_is_not_an_object_is_a_400(world):
    for raw in ("[]", "42", '"text"', "null"):
        response = world.client("editor").generic(
            "POST", DIGESTS, raw, content_type="application/json"
        )
        assert_problem(response, 400)


def test_wrong_content_type_is_a_415(world):
    response = world.client("editor").generic(
        "POST", DIGESTS, json.dumps(VALID), content_type="application/xml"
    )
    assert_problem(response, 415)


def test_an_oversized_body_is_a_413_and_nothing_stored(world, settings):
    before = count(world)
    body = {**VALID, "summary": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    assert_problem(world.client("editor").post(DIGESTS, body, format="json"), 413)
    assert count(world) == before


def test_options_is_a_405_problem_not_a_500(world):
    for path in (DIGESTS, "/api/v1/tenants/acme/api-keys/", "/api/v1/tenants/acme/members/"):
        response = world.client("admin").options(path)
        assert_problem(response, 405)


@pytest.mark.parametrize("offset", ["-17:00", "+23:59", "Z"])
def test_audit_times_at_any_offset_are_answered(world, offset):
    response = world.client("auditor").get(
        "/api/v1/tenants/acme/audit/events/", {"since": f"2025-01-01T00:00:00{offset}"}
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("api-keys/", {"name": "k", "role": "view\x00er"}),
        ("members/", {"email": "n@acme.test", "role": "view\x00er"}),
    ],
)
def test_a_role_with_a_nul_is_a_400(world, path, body):
    response = world.client("admin").post(f"/api/v1/tenants/acme/{path}", body, format="json")
    problem = assert_problem(response, 400)
    assert problem["errors"][0]["field"] == "role"


@pytest.mark.parametrize(
    "query",
    [
        "digests/?status=",
        "digests/?published_after=",
        "audit/events/?since=",
        "audit/events/?outcome=",
        "webhook-deliveries/?status=",
    ],
)
def test_an_empty_typed_filter_is_a_400_not_ignored(world, query):
    response = world.client("owner").get(f"/api/v1/tenants/acme/{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    name = query.split("?")[1].rstrip("=")
    assert response.json()["errors"][0]["field"] == name


def test_a_filter_value_outside_its_enum_lists_the_accepted_values(world):
    response = world.client("editor").get(f"{DIGESTS}?status=live")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "status"
    assert (
        error["message"] == '"live" is not a valid choice; use one of: draft, published, archived.'
    )
