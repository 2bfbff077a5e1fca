"""Browsers: Django sessions with CSRF; operators: the Django admin across tenants."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from tests import factories
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


def test_a_password_sign_in_lands_in_the_console_in_the_callers_tenant(world):
    client = Client()
    response = client.post(
        "/api/auth/login/", {"username": "viewer@acme.test", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get(response["Location"])
    assert home.status_code == 302 and home["Location"] == "/t/acme/"
    assert client.get(home["Location"]).status_code == 200


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


def test_the_admin_shows_roles_by_their_names(world, django_user_model):
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    factories.api_key(world.acme, "viewer", name="Widget key")
    client = Client()
    client.force_login(operator)
    for page in ("membership", "apikey"):
        response = client.get(f"/admin/tenants/{page}/")
        assert response.status_code == 200
        text = response.content.decode()
        assert 'class="field-role nowrap">Viewer</td>' in text, page
        assert f"{world.acme.pk}:viewer" not in text


def test_the_admin_names_memberships_and_finds_them_by_role(world, django_user_model):
    from tenants.models import Membership

    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client = Client()
    client.force_login(operator)
    night = factories.custom_role(world.acme, slug="night-desk", name="Night desk")
    factories.membership(world.acme, night, email="owl@acme.test")
    found = client.get("/admin/tenants/membership/?q=night")
    assert found.status_code == 200
    assert b"owl@acme.test" in found.content and b"viewer@acme.test" not in found.content
    membership = Membership.objects.unscoped().get(user=world.members["auditor"])
    assert str(membership) == "auditor@acme.test in acme as Auditor"
    page = client.get(f"/admin/tenants/membership/{membership.pk}/change/")
    assert "auditor@acme.test in acme as Auditor" in page.content.decode()


def test_tenant_members_are_not_operators(world):
    client = Client()
    client.force_login(world.members["owner"])
    response = client.get("/admin/tenants/role/")
    assert response.status_code == 302  # to the admin login: staff only


# --- The admin shows who holds what, and changes none of it ----------------------------------


def _operator(django_user_model) -> Client:
    operator = django_user_model.objects.create_superuser(email="ops@platform.test", password="x")
    client = Client()
    client.force_login(operator)
    return client


def _refused_everything_but_reading(client: Client, model: str, pk: int, change: dict) -> None:
    url = f"/admin/tenants/{model}/{pk}/"
    assert client.get(f"{url}change/").status_code == 200  # shown, read-only
    assert client.post(f"{url}change/", change).status_code == 403
    assert client.get(f"{url}delete/").status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/tenants/{model}/add/").status_code == 403
    listed = client.post(
        f"/admin/tenants/{model}/", {"action": "delete_selected", "_selected_action": [pk]}
    )
    assert listed.status_code in (200, 302)  # no such action: nothing happens


def test_the_admin_neither_changes_a_members_role_nor_removes_them(world, django_user_model):
    """Roles change and members leave through the services, which revoke the person's
    keys, end their sessions and write the audit log; the admin would do none of it."""
    from tenants.context import platform_scope
    from tenants.models import Membership, Role

    with platform_scope():
        membership = Membership.objects.unscoped().get(user=world.members["viewer"])
        owner_role = Role.objects.unscoped().get(tenant=world.acme, slug="owner")
    _refused_everything_but_reading(
        _operator(django_user_model),
        "membership",
        membership.pk,
        {"tenant": world.acme.pk, "user": world.members["viewer"].pk, "role": owner_role.pk},
    )
    with platform_scope():
        after = Membership.objects.unscoped().get(pk=membership.pk)
    assert (after.role_id, after.user_id) == (membership.role_id, membership.user_id)


def test_the_admin_changes_no_keys_role_person_or_revocation(world, django_user_model):
    from tenants.context import platform_scope
    from tenants.models import ApiKey, Role
    from tests import factories

    made = factories.api_key(world.acme, "viewer", accountable_person=world.members["viewer"])
    with platform_scope():
        ApiKey.objects.unscoped().filter(pk=made.api_key.pk).update(
            revoked_at="2026-01-01T00:00:00Z"
        )
        admin_role = Role.objects.unscoped().get(tenant=world.acme, slug="admin")
    _refused_everything_but_reading(
        _operator(django_user_model),
        "apikey",
        made.api_key.pk,
        {
            "tenant": world.acme.pk,
            "name": "renamed",
            "role": admin_role.pk,
            "accountable_person": world.members["editor"].pk,
            "revoked_at_0": "",  # un-revoking
            "revoked_at_1": "",
        },
    )
    with platform_scope():
        after = ApiKey.objects.unscoped().get(pk=made.api_key.pk)
    assert after.role_id == made.api_key.role_id
    assert after.accountable_person_id == world.members["viewer"].pk
    assert after.revoked_at is not None


def test_the_admin_changes_nothing_a_role_holds(world, django_user_model):
    from django.contrib.auth.models import Permission

    from tenants.context import platform_scope
    from tenants.models import Role
    from tenants.principals import role_permissions
    from tests import factories

    role = factories.custom_role(world.acme, slug="reader", permissions=["digests.view_digest"])
    _refused_everything_but_reading(
        _operator(django_user_model),
        "role",
        role.pk,
        {
            "tenant": world.acme.pk,
            "slug": "reader",
            "name": "reader",
            "permissions": list(Permission.objects.values_list("pk", flat=True)),
        },
    )
    with platform_scope():
        assert role_permissions(Role.objects.unscoped().get(pk=role.pk)) == {"digests.view_digest"}


def test_the_admin_neither_deletes_people_nor_adds_or_deletes_tenants(world, django_user_model):
    """Deleting a person would cascade through every tenant's memberships and keys past
    the services; a tenant is made by create_tenant and its trail is append-only."""
    client = _operator(django_user_model)
    viewer = world.members["viewer"]
    assert client.get(f"/admin/tenants/user/{viewer.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/tenants/user/{viewer.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert django_user_model.objects.filter(pk=viewer.pk).exists()
    assert client.get("/admin/tenants/tenant/add/").status_code == 403
    tenant_url = f"/admin/tenants/tenant/{world.acme.pk}/"
    assert client.post(f"{tenant_url}delete/", {"post": "yes"}).status_code == 403
    suspended = client.post(
        f"{tenant_url}change/", {"name": "Acme Media", "status": "suspended", "require_sso": "on"}
    )
    assert suspended.status_code == 302, suspended.content[:500]
    world.acme.refresh_from_db()
    assert world.acme.status == "suspended"
    assert world.acme.require_sso is False  # the tenant's own setting, not the operators'
