"""Cursors a client altered are a 400 naming `cursor`, on every cursor-paginated list.

The lists are found by walking the URLconf (tests/endpoints.py): every GET endpoint
whose paginator is the project's cursor paginator and whose answer is a page. A new list
joins without anyone writing a line.
"""

from __future__ import annotations

import base64

import pytest
from django.db.models import CharField, TextField
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.pagination import CursorPagination
from tests import factories
from tests.endpoints import tenant_endpoints
from tests.tenants.test_permission_matrix import own_target


def encoded(text: bytes) -> str:
    return base64.b64encode(text).decode("ascii")


# Refused whatever field the list orders by.
NEVER_A_CURSOR = {
    "not base64": "garbage",
    "not ascii inside": encoded(b"p=\xff\xfe"),
    "negative offset": encoded(b"o=-1"),
    "direction not a number": encoded(b"r=x"),
    "NUL in the position": encoded(b"p=%00"),
    # Every list orders by numbers and dates (test_no_list_orders_by_text).
    "not a number or a date": encoded(b"p=x"),
}


def paginator_of(endpoint):
    handler = getattr(endpoint.view_class, endpoint.action)
    chosen = getattr(handler, "kwargs", {}).get("pagination_class", endpoint.view_class)
    if chosen is endpoint.view_class:
        chosen = endpoint.view_class.pagination_class
    return chosen


def cursor_lists(world):
    """(endpoint, url) of every GET endpoint that answers with a cursor page."""
    client = world.client("owner")
    targets = {}
    found = []
    for endpoint in tenant_endpoints():
        paginator = paginator_of(endpoint)
        if endpoint.method != "get" or paginator is None:
            continue
        if not issubclass(paginator, CursorPagination):
            continue
        pk = None
        if endpoint.is_detail:
            if endpoint.model not in targets:
                targets[endpoint.model] = own_target(world, endpoint.model)
            pk = targets[endpoint.model].pk
        url = endpoint.url("acme", pk)
        response = client.get(url)
        if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
            continue
        body = response.json()
        if isinstance(body, dict) and {"results", "next", "previous"} <= set(body):
            found.append((endpoint, url))
    return found


def assert_names_the_cursor(response, where: str) -> None:
    assert response.status_code == 400, (where, response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json", where
    body = response.json()
    assert body["code"] == "validation_failed", (where, body)
    assert [e["field"] for e in body["errors"]] == ["cursor"], (where, body)


def test_the_walk_finds_the_lists(world):
    found = {endpoint.view_class.__name__ for endpoint, _ in cursor_lists(world)}
    assert {
        "DigestViewSet",
        "AuditEventViewSet",
        "PolicyViewSet",
        "MemberViewSet",
        "ApiKeyViewSet",
        "RightsHolderViewSet",
        "SourceViewSet",
        "LicenseViewSet",
        "WebhookViewSet",
        "WebhookDeliveryViewSet",
    } <= found


def test_every_list_refuses_a_cursor_it_never_gave_out(world):
    client = world.client("owner")
    for endpoint, url in cursor_lists(world):
        for name, cursor in NEVER_A_CURSOR.items():
            assert_names_the_cursor(client.get(url, {"cursor": cursor}), f"{endpoint}: {name}")


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="by-date"),
        pytest.param({"ordering": "published_on"}, id="oldest-first"),
        pytest.param({"q": "energy"}, id="search-by-relevance"),
    ],
)
@pytest.mark.parametrize("position", [b"p=x", b"p=2025-13-45", b"r=1&p=", b"p=%00"], ids=repr)
def test_a_digest_position_of_the_wrong_kind_is_a_400(world, params, position):
    factories.digest(world.acme, title="Energy today", summary="About energy.")
    response = world.client("viewer").get(
        "/api/v1/tenants/acme/digests/", {**params, "cursor": encoded(position)}
    )
    assert_names_the_cursor(response, str(params))


@pytest.mark.parametrize("position", [b"p=x", b"p=1.5", b"p=", b"p=%00"], ids=repr)
def test_an_id_position_of_the_wrong_kind_is_a_400(world, position):
    response = world.client("auditor").get(
        "/api/v1/tenants/acme/audit/events/", {"cursor": encoded(position)}
    )
    assert_names_the_cursor(response, "audit events")


def test_a_huge_id_position_is_a_page_not_an_error(world):
    response = world.client("auditor").get(
        "/api/v1/tenants/acme/audit/events/", {"cursor": encoded(b"p=" + b"9" * 40)}
    )
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert_names_the_cursor(response, "audit events")


def test_the_cursors_a_list_gives_out_still_work(world):
    for i in range(5):
        factories.digest(world.acme, title=f"Paged {i}")
    client = world.client("viewer")
    seen = []
    response = client.get("/api/v1/tenants/acme/digests/", {"page_size": 2})
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        seen.extend(d["id"] for d in page["results"])
        if not page["next"]:
            break
        response = client.get(page["next"])
    assert len(seen) == len(set(seen)) >= 5
    back = client.get(page["previous"])
    assert back.status_code == 200, back.content


def test_no_list_orders_by_text(world):
    """A cursor carries the value of the row it stops at in the list's first ordering
    field (`p=...`, base64 only): ordered by text (a rights holder's name, say), it would
    carry text the row shows as withheld. Every cursor list orders by numbers and dates.
    """
    factory = APIRequestFactory()
    for endpoint, url in cursor_lists(world):
        view = endpoint.view_class()
        view.request, view.action, view.kwargs = Request(factory.get(url)), endpoint.action, {}
        ordering = paginator_of(endpoint)().get_ordering(view.request, None, view)
        field = endpoint.model._meta.get_field(ordering[0].lstrip("-"))
        assert not isinstance(field, CharField | TextField), (
            f"{endpoint} orders its cursor by {field.name}, a text field"
        )
