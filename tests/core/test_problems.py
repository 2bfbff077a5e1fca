"""RFC 9457 problem documents for every error, the health probes, and throttling."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from core.throttling import PrincipalRateThrottle
from tests import factories
from tests.conftest import SENTINEL

PROBLEM = "application/problem+json"
MEMBERS = "/api/v1/tenants/acme/members/"
KEYS = "/api/v1/tenants/acme/api-keys/"


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= body.keys(), body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["type"] == f"/problems/{body['code']}"
    if code is not None:
        assert body["code"] == code
    return body


# --- Problem documents ------------------------------------------------------------------------


def test_unauthenticated_request_is_a_401_problem(world):
    response = APIClient().get(MEMBERS)
    body = assert_problem(response, 401, "not_authenticated")
    assert body["title"] == "Unauthorized"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        pytest.param({}, "not provided", id="none"),
        pytest.param({"HTTP_AUTHORIZATION": "Token dp_x_y"}, "'Token'", id="token-scheme"),
        pytest.param({"HTTP_AUTHORIZATION": "Basic YTpi"}, "'Basic'", id="basic-scheme"),
        pytest.param({"HTTP_X_API_KEY": "dp_x_y"}, "X-Api-Key", id="x-api-key"),
    ],
)
def test_a_401_says_how_to_send_a_key(world, headers, named):
    """A key in a form this API does not read is named, with the form it does read."""
    response = APIClient().get("/api/v1/me", **headers)
    body = assert_problem(response, 401, "not_authenticated")
    assert named in body["detail"]
    assert "'Authorization: Bearer <key>'" in body["detail"]


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("post", "/api/docs/", {}, 405),
        ("post", "/api/redoc/", {}, 405),
        ("get", "/api/docs/?format=pdf", {}, 404),
        ("get", "/api/schema/?format=pdf", {}, 404),
        ("post", "/api/schema/", {}, 405),
        ("get", "/api/docs/", {"HTTP_AUTHORIZATION": "Bearer dp_0123456789_wrong"}, 401),
        ("get", "/api/v1/me", {}, 401),
        ("get", "/api/v1/nowhere", {}, 404),
    ],
)
def test_a_browser_gets_every_problem_as_indented_json(db, method, path, headers, status):
    """The API docs render HTML and the schema YAML: their errors must still be the JSON
    their content type says, indented for the person reading them."""
    response = getattr(APIClient(), method)(path, HTTP_ACCEPT=BROWSER, **headers)
    body = assert_problem(response, status)
    assert response.content.startswith(b'{\n  "'), response.content[:80]
    assert body["status"] == status


def test_a_person_gets_a_page_for_an_unknown_address_outside_the_api(db):
    """Outside /api/ and /scim/ a browser is a person at the console: a page, not JSON;
    a program asking for JSON still gets the problem document."""
    page = APIClient().get("/nowhere", HTTP_ACCEPT=BROWSER)
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert b"There is no such page." in page.content
    assert_problem(APIClient().get("/nowhere", HTTP_ACCEPT="application/json"), 404)


def test_bad_api_key_is_a_401_problem(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer dp_0123456789_not-a-real-secret")
    response = client.get("/api/v1/me")
    assert_problem(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_missing_permission_is_a_403_problem(world):
    response = world.client("viewer").get(MEMBERS)
    body = assert_problem(response, 403, "permission_denied")
    assert body["title"] == "Forbidden"
    assert "viewer" in body["detail"]


def test_unknown_url_is_a_404_problem(world):
    body = assert_problem(world.client("owner").get("/api/v1/no-such-thing/"), 404, "not_found")
    assert body["title"] == "Not Found"
    assert_problem(APIClient().get("/nothing/here"), 404, "not_found")


def test_unknown_tenant_is_a_404_problem_like_a_foreign_one(world):
    client = world.client("owner")
    unknown = client.get("/api/v1/tenants/no-such-tenant/members/")
    foreign = client.get("/api/v1/tenants/globex/members/")
    assert_problem(unknown, 404, "not_found")
    assert_problem(foreign, 404, "not_found")
    assert unknown.json() == foreign.json()
    assert SENTINEL.encode() not in foreign.content


def test_unknown_object_is_a_404_problem(world):
    response = world.client("admin").get(f"{KEYS}999999/")
    assert_problem(response, 404, "not_found")


def test_method_not_allowed_on_a_drf_view_is_a_405_problem(world):
    response = world.client("owner").post("/api/v1/me", {}, format="json")
    body = assert_problem(response, 405, "method_not_allowed")
    assert body["title"] == "Method Not Allowed"


@pytest.mark.parametrize("url", [MEMBERS, KEYS, "/api/v1/tenants/acme/roles/"])
def test_put_on_a_list_endpoint_is_a_405_problem(world, url):
    response = world.client("owner").put(url, {}, format="json")
    assert_problem(response, 405, "method_not_allowed")


def test_put_on_an_api_key_is_a_405_problem(world):
    key = factories.api_key(world.acme, "viewer").api_key
    response = world.client("owner").put(f"{KEYS}{key.pk}/", {"name": "x"}, format="json")
    assert_problem(response, 405, "method_not_allowed")
    assert "PUT" not in response["Allow"]


def test_post_to_healthz_is_a_405_problem(world):
    response = APIClient().post("/healthz")
    body = assert_problem(response, 405, "method_not_allowed")
    assert set(body["allowed"]) == {"GET", "HEAD"}
    assert {m.strip() for m in response["Allow"].split(",")} == {"GET", "HEAD"}


def test_validation_error_is_a_400_problem_with_field_errors(world):
    response = world.client("admin").post(
        MEMBERS, {"email": "not-an-email", "role": "viewer"}, format="json"
    )
    body = assert_problem(response, 400, "validation_failed")
    assert body["title"] == "Bad Request"
    assert body["errors"], body
    for entry in body["errors"]:
        assert set(entry) == {"field", "message", "code"}
        assert isinstance(entry["message"], str) and entry["message"]
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("email", "invalid")]


def test_validation_error_lists_every_bad_field(world):
    response = world.client("admin").post(MEMBERS, {"role": "no-such-role"}, format="json")
    body = assert_problem(response, 400, "validation_failed")
    fields = {e["field"]: e["code"] for e in body["errors"]}
    assert fields == {"email": "required", "role": "does_not_exist"}


def test_malformed_json_is_a_400_problem(world):
    response = world.client("admin").post(
        MEMBERS, data="{not json", content_type="application/json"
    )
    assert_problem(response, 400, "parse_error")


def test_service_refusal_is_a_problem_with_its_own_code(world):
    response = world.client("admin").post(
        MEMBERS, {"email": "owner@acme.test", "role": "viewer"}, format="json"
    )
    assert_problem(response, 409, "already_member")


# --- Health probes ----------------------------------------------------------------------------


def test_healthz_answers_ok_without_authentication(db):
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_reports_the_database(db):
    response = APIClient().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


# --- Throttling -------------------------------------------------------------------------------


@pytest.fixture
def three_per_minute(monkeypatch):
    # DRF copies the rates onto the class at import time; patch the class, not settings.
    monkeypatch.setattr(
        PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "3/min", "anon": "3/min"}
    )


def test_fourth_request_in_a_minute_is_throttled(world, three_per_minute):
    client = world.client("owner")
    for _ in range(3):
        assert client.get(MEMBERS).status_code == 200
    response = client.get(MEMBERS)
    body = assert_problem(response, 429, "throttled")
    assert body["title"] == "Too Many Requests"
    assert 0 < int(response["Retry-After"]) <= 60


def test_throttle_counts_each_principal_separately(world, three_per_minute):
    owner = world.client("owner")
    for _ in range(4):
        owner.get(MEMBERS)
    assert owner.get(MEMBERS).status_code == 429

    assert world.client("admin").get(MEMBERS).status_code == 200

    key_client = APIClient()
    key_client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {factories.api_key(world.acme, 'auditor').token}"
    )
    for _ in range(3):
        assert key_client.get(KEYS).status_code == 200
    assert_problem(key_client.get(KEYS), 429, "throttled")


def test_a_caller_with_no_stored_identity_is_counted_by_address():
    """An authenticated caller without a key id or user id must not land in one bucket
    shared by every such caller."""
    from types import SimpleNamespace

    from rest_framework.test import APIRequestFactory

    throttle = PrincipalRateThrottle()
    keys = []
    for address in ("10.0.0.1", "10.0.0.2"):
        request = APIRequestFactory().get("/", REMOTE_ADDR=address)
        request.auth = SimpleNamespace(pk=None)
        request.user = SimpleNamespace(pk=None, is_authenticated=True)
        keys.append(throttle.get_cache_key(request, None))
    assert keys == ["throttle:anon:ip:10.0.0.1", "throttle:anon:ip:10.0.0.2"]


def test_throttle_fails_open_when_the_cache_is_down(world, three_per_minute, monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("cache is down")

    # An instance attribute shadows the backend's method; monkeypatch removes it afterwards.
    monkeypatch.setitem(caches["default"].__dict__, "get", unreachable)

    client = world.client("owner")
    with caplog.at_level(logging.WARNING, logger="core.throttling"):
        statuses = [client.get(MEMBERS).status_code for _ in range(6)]
    assert statuses == [200] * 6
    assert "throttle cache unavailable" in caplog.text
