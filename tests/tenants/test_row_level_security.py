"""PostgreSQL row-level security: the second wall, tested as the runtime role.

Superusers bypass RLS, so each test switches the connection to the application's
runtime role (NOSUPERUSER, NOBYPASSRLS, not the owner) for the rest of its transaction.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from tenants.context import no_tenant, platform_scope, tenant_context
from tenants.models import ApiKey, Membership, Role
from tests import factories

TENANT_TABLES = [Role, Membership, ApiKey]


@pytest.fixture
def runtime_role(world):
    factories.api_key(world.acme, "viewer", name="acme key")  # every table has acme rows
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_RUNTIME_ROLE}"')
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    assert (user, superuser, bypass) == (settings.DATABASE_RUNTIME_ROLE, False, False)
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_every_tenant_table_has_a_forced_policy(db):
    with connection.cursor() as cursor:
        for model in TENANT_TABLES:
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            assert cursor.fetchone() == (True, True), model._meta.db_table
            cursor.execute(
                "SELECT count(*) FROM pg_policies WHERE tablename = %s", [model._meta.db_table]
            )
            assert cursor.fetchone()[0] == 1


@pytest.mark.usefixtures("runtime_role")
def test_unscoped_query_inside_tenant_a_returns_only_a(world):
    with tenant_context(world.acme):
        for model in TENANT_TABLES:
            rows = list(model.objects.unscoped().all())
            assert rows, model.__name__
            assert {r.tenant_id for r in rows} == {world.acme.pk}, model.__name__


@pytest.mark.usefixtures("runtime_role")
def test_unscoped_query_inside_a_request_of_tenant_a_returns_only_a(world, monkeypatch):
    """Through the real request path: the base view, the execute wrapper, the policy."""
    seen = {}
    from tenants.api import RoleViewSet

    def spy(self, queryset):
        seen["tenants"] = set(Role.objects.unscoped().values_list("tenant_id", flat=True))
        return queryset

    monkeypatch.setattr(RoleViewSet, "narrow_queryset", spy)
    response = world.client("owner").get("/api/v1/tenants/acme/roles/")
    assert response.status_code == 200
    assert seen["tenants"] == {world.acme.pk}


@pytest.mark.usefixtures("runtime_role")
def test_no_tenant_means_no_rows(world):
    with no_tenant():
        for model in TENANT_TABLES:
            assert model.objects.unscoped().count() == 0, model.__name__


@pytest.mark.usefixtures("runtime_role")
def test_platform_scope_sees_every_tenant(world):
    with platform_scope():
        assert set(Role.objects.unscoped().values_list("tenant_id", flat=True)) == {
            world.acme.pk,
            world.globex.pk,
        }


@pytest.mark.usefixtures("runtime_role")
def test_writing_a_row_for_another_tenant_is_refused_by_the_database(world):
    with tenant_context(world.acme), connection.cursor() as cursor:
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "UPDATE tenants_role SET tenant_id = %s WHERE tenant_id = %s",
                [world.globex.pk, world.acme.pk],
            )
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO tenants_apikey (tenant_id, name, role_id, prefix, secret_hash, "
                "created_at) SELECT %s, 'x', id, 'zz', 'h', now() FROM tenants_role "
                "WHERE tenant_id = %s LIMIT 1",
                [world.globex.pk, world.acme.pk],
            )


@pytest.mark.usefixtures("runtime_role")
def test_the_api_works_as_the_runtime_role(world):
    client = world.client("owner")
    for path in ("members/", "roles/", "api-keys/"):
        response = client.get(f"/api/v1/tenants/acme/{path}")
        assert response.status_code == 200, path
        assert response.json()["results"], path
    created = client.post(
        "/api/v1/tenants/acme/api-keys/", {"name": "rls", "role": "viewer"}, format="json"
    )
    assert created.status_code == 201
    key_client = world.client("owner")
    key_client.logout()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.json()['secret']}")
    assert key_client.get("/api/v1/tenants/acme/permissions/").status_code == 200
