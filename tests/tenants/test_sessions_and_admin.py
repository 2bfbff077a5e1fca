"""Browsers: Django sessions with CSRF; operators: the Django admin across tenants."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import SENTINEL

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def _signed_in_browser(user) -> APIClient:
    browser = APIClient(enforce_csrf_checks=True)
    login_page = browser.get("/api/auth/login/")
    assert login_page.status_code == 200
    token = login_page.cookies["csrftoken"].value
    response = browser.post(
        "/api/auth/login/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        format="multipart",
    )
    assert response.status_code == 302, response.content
    return browser


def test_a_browser_session_reads_without_a_token_but_writes_only_with_one(world):
    browser = _signed_in_browser(world.members["admin"])
    assert browser.get("/api/v1/tenants/acme/roles/").status_code == 200

    body = {"name": "Session role", "permissions": []}
    refused = browser.post("/api/v1/tenants/acme/roles/", body, format="json")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert "CSRF" in refused.json()["detail"]

    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/tenants/acme/roles/", body, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201


def test_a_wrong_password_does_not_sign_in(world):
    browser = Client(enforce_csrf_checks=False)
    response = browser.post(
        "/api/auth/login/", {"username": world.members["admin"].email, "password": "nope"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert browser.get("/api/v1/me").status_code == 401


def test_operators_see_every_tenant_in_the_admin(world, django_user_model):
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client = Client()
    client.force_login(operator)
    roles = client.get("/admin/tenants/role/?q=sentinel")
    assert roles.status_code == 200
    assert b"sentinel-role" in roles.content
    tenants = client.get("/admin/tenants/tenant/")
    assert SENTINEL.encode() in tenants.content
    keys = client.get("/admin/tenants/apikey/")
    assert keys.status_code == 200
    assert SENTINEL.encode() in keys.content


def test_tenant_members_are_not_operators(world):
    client = Client()
    client.force_login(world.members["owner"])
    response = client.get("/admin/tenants/role/")
    assert response.status_code == 302  # to the admin login: staff only
