"""The create_tenant operator command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership, Role, Tenant, User
from tests import factories


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_create_tenant_makes_the_preset_roles_and_the_owner(db):
    output = run("create_tenant", "initech", "--name", " Initech ", "--owner", "Boss@Initech.test")
    assert "Created tenant initech with owner Boss@Initech.test" in output

    tenant = Tenant.objects.get(slug="initech")
    assert tenant.name == "Initech"
    assert tenant.is_active
    with tenant_context(tenant):
        roles = list(Role.objects.all())
        [membership] = Membership.objects.select_related("user", "role")
    assert sorted(r.slug for r in roles) == sorted(rbac.PRESETS)
    assert len(roles) == 6
    assert all(r.preset for r in roles)
    assert membership.role.slug == rbac.OWNER
    assert membership.user.email == "boss@initech.test"
    assert membership.user.groups.filter(pk=membership.role.group_id).exists()

    # The owner can use the tenant straight away.
    client = APIClient()
    client.force_login(membership.user)
    response = client.get("/api/v1/tenants/initech/members/")
    assert response.status_code == 200, response.content
    assert [m["user"]["email"] for m in response.json()["results"]] == ["boss@initech.test"]


def test_create_tenant_without_owner_has_roles_and_no_members(db):
    output = run("create_tenant", "hooli", "--name", "Hooli")
    assert "Created tenant hooli." in output
    tenant = Tenant.objects.get(slug="hooli")
    with tenant_context(tenant):
        assert Role.objects.filter(preset=True).count() == len(rbac.PRESETS)
        assert not Membership.objects.exists()


def test_create_tenant_reuses_an_existing_user_as_owner(db):
    existing = factories.UserFactory(email="shared@example.test")
    run("create_tenant", "one", "--name", "One", "--owner", "SHARED@example.test")
    assert User.objects.filter(email__iexact="shared@example.test").count() == 1
    with tenant_context(Tenant.objects.get(slug="one")):
        assert Membership.objects.get().user == existing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Bad_Slug", "--name", "Bad"], "slug 'Bad_Slug'"),
        (["UPPER", "--name", "Bad"], "slug 'UPPER'"),
        (["trail-", "--name", "Bad"], "lowercase letters, digits and hyphens"),
        (["x" * 51, "--name", "Long"], "1 to 50"),
        (["blank", "--name", "   "], "--name must not be empty"),
        (["mail", "--name", "Mail", "--owner", "not-an-email"], "'not-an-email' is not an email"),
        (["mail", "--name", "Mail", "--owner", "a@b@c"], "--owner"),
    ],
)
def test_create_tenant_refuses_bad_input(db, args, message):
    with pytest.raises(CommandError) as raised:
        run("create_tenant", *args)
    assert message in str(raised.value)
    assert not Tenant.objects.exists()
    assert not User.objects.exists()


def test_create_tenant_refuses_a_duplicate_slug(db):
    run("create_tenant", "acme", "--name", "Acme", "--owner", "first@acme.test")
    with pytest.raises(CommandError) as raised:
        run("create_tenant", "acme", "--name", "Another Acme", "--owner", "second@acme.test")
    assert "a tenant with slug 'acme' already exists" in str(raised.value)

    assert Tenant.objects.get(slug="acme").name == "Acme"
    assert not User.objects.filter(email="second@acme.test").exists()
    with tenant_context(Tenant.objects.get(slug="acme")):
        assert Role.objects.count() == len(rbac.PRESETS)
        assert Membership.objects.get().user.email == "first@acme.test"


def test_create_tenant_refuses_a_too_long_name_with_a_clear_message(db):
    with pytest.raises(CommandError) as raised:
        run("create_tenant", "longname", "--name", "n" * 201)
    assert "name" in str(raised.value)
