"""The SCIM tables behind row-level security, and provisioning working as the runtime
role (NOSUPERUSER, NOBYPASSRLS), which is how the application connects."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from scim.models import ScimGroup, ScimGroupMember, ScimToken, ScimUser
from tenants.context import tenant_context
from tests.scim.conftest import ScimClient, group_body, make_token, user_body

SCIM_TABLES = [ScimToken, ScimUser, ScimGroup, ScimGroupMember]


def test_every_scim_table_has_a_forced_policy(db):
    with connection.cursor() as cursor:
        for model in SCIM_TABLES:
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            assert cursor.fetchone() == (True, True), model._meta.db_table


@pytest.fixture
def runtime_role(world):
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_RUNTIME_ROLE}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_provisioning_works_as_the_runtime_role_and_sees_one_tenant(world, runtime_role):
    acme = ScimClient("acme", make_token(world.acme).secret)
    globex = ScimClient("globex", make_token(world.globex).secret)
    for client, email in ((acme, "rls@acme.example.com"), (globex, "rls@globex.example.com")):
        user = client.post("Users", user_body(email, externalId="same-id"))
        assert user.status_code == 201, user.content
        group = client.post("Groups", group_body("Everyone", user.json()["id"]))
        assert group.status_code == 201, group.content
        off = client.patch(
            f"Users/{user.json()['id']}", {"op": "replace", "value": {"active": False}}
        )
        assert off.status_code == 200, off.content

    found = acme.get("Users", filter='externalId eq "same-id"').json()
    assert [r["userName"] for r in found["Resources"]] == ["rls@acme.example.com"]
    with tenant_context(world.acme):
        # Past the ORM's filter, the database still shows acme's rows only.
        for model in SCIM_TABLES:
            assert set(model.objects.unscoped().values_list("tenant_id", flat=True)) == {
                world.acme.pk
            }, model.__name__
