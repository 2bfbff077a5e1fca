"""Requiring SSO: passwords refused to members except break-glass owners; and removing a
member ends their sessions and the API keys they made, at once."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tenants.context import tenant_context
from tests import factories
from tests.sso.conftest import oidc_sign_in

SETTINGS = "/api/v1/tenants/acme/sso/settings/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def password_login(user) -> Client:
    browser = Client()
    browser.post("/api/auth/login/", {"username": user.email, "password": PASSWORD})
    return browser


def signed_in(browser) -> bool:
    return browser.get("/api/v1/me").status_code == 200


def require_sso(world, **extra) -> dict:
    factories.sso_connection(world.acme, name="Acme IdP")
    response = world.client("owner").patch(SETTINGS, {"require_sso": True, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_sso_cannot_be_required_without_an_enabled_connection(world):
    response = world.client("owner").patch(SETTINGS, {"require_sso": True}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "no_sso_connection"


def test_members_cannot_use_passwords_once_sso_is_required(world):
    assert signed_in(password_login(world.members["editor"]))
    body = require_sso(world)
    assert body == {
        "require_sso": True,
        "break_glass": [],
        "require_mfa": False,
        "session_idle_minutes": None,
        "session_max_hours": None,
    }

    browser = password_login(world.members["editor"])
    assert not signed_in(browser)
    assert authenticate(username=world.members["editor"].email, password=PASSWORD) is None
    assert not signed_in(password_login(world.members["owner"]))  # not break-glass
    with tenant_context(world.acme):
        refused = AuditEvent.objects.filter(action="auth.sign_in_failed").last()
    assert refused.changes["reason"] == "the tenant requires single sign-on"
    assert refused.outcome == AuditEvent.Outcome.DENIED


def test_requiring_sso_ends_the_password_sessions_already_open(world, provider, acme_oidc):
    editor_browser = password_login(world.members["editor"])
    owner = world.members["owner"]
    owner_browser = password_login(owner)
    provider.next_user.update(sub="viewer-sub", email=world.members["viewer"].email)
    sso_browser = Client()
    oidc_sign_in(sso_browser)
    assert signed_in(editor_browser) and signed_in(owner_browser) and signed_in(sso_browser)

    response = world.client("owner").patch(
        SETTINGS, {"require_sso": True, "break_glass": [owner.email]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert not signed_in(editor_browser)
    assert signed_in(owner_browser)  # break-glass
    assert signed_in(sso_browser)  # signed in through SSO
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="sso.settings_changed")
    assert event.changes["require_sso"] == [False, True]
    assert event.changes["password_sessions_ended"][1] >= 1


def test_a_break_glass_owner_keeps_the_password(world):
    owner = world.members["owner"]
    body = require_sso(world, break_glass=[owner.email])
    assert body["break_glass"] == [owner.email]
    assert signed_in(password_login(owner))


def test_only_owners_can_be_break_glass(world):
    factories.sso_connection(world.acme, name="Acme IdP")
    response = world.client("owner").patch(
        SETTINGS, {"break_glass": [world.members["admin"].email]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "break_glass_not_owner"


def test_people_of_other_tenants_keep_their_passwords(world):
    require_sso(world)
    assert signed_in(password_login(world.globex_owner))


def test_sso_still_signs_members_in_when_passwords_are_refused(world, provider, acme_oidc):
    world.client("owner").patch(SETTINGS, {"require_sso": True}, format="json")
    editor = world.members["editor"]
    provider.next_user.update(sub="editor-sub", email=editor.email)
    browser = Client()
    oidc_sign_in(browser)
    assert signed_in(browser)


def test_removing_a_member_ends_their_sessions_and_their_api_keys_at_once(world):
    admin_user = world.members["admin"]
    browser = password_login(admin_user)
    assert signed_in(browser)
    with tenant_context(world.acme):
        from tenants.models import Membership, Role
        from tenants.principals import Principal, role_permissions
        from tenants.services.keys import api_key_create

        actor = Principal(
            tenant=world.acme,
            role=Role.objects.get(slug="admin"),
            permissions=role_permissions(Role.objects.get(slug="admin")),
            user=admin_user,
        )
        made = api_key_create(actor=actor, name="admin's key", role=Role.objects.get(slug="admin"))
        membership = Membership.objects.get(user=admin_user)
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {made.token}")
    assert key_client.get("/api/v1/tenants/acme/members/").status_code == 200
    # A key made with the admin's key answers to the admin too.
    second = key_client.post(
        "/api/v1/tenants/acme/api-keys/", {"name": "made by a key", "role": "viewer"}
    )
    assert second.status_code == 201, second.content
    second_client = APIClient()
    second_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['secret']}")
    assert second_client.get("/api/v1/tenants/acme/digests/").status_code == 200

    removed = world.client("owner").delete(f"/api/v1/tenants/acme/members/{membership.pk}/")
    assert removed.status_code == 204
    assert not signed_in(browser)
    assert key_client.get("/api/v1/tenants/acme/members/").status_code == 401
    assert second_client.get("/api/v1/tenants/acme/digests/").status_code == 401
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="api_key.revoked").count() == 2
