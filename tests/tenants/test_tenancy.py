"""The tenant context and the fail-closed managers."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection, transaction
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from tenants.api_base import TenantScopedViewSet
from tenants.context import (
    TenantNotSet,
    current_tenant,
    current_tenant_id,
    no_tenant,
    platform_scope,
    tenant_context,
)
from tenants.models import Membership, Role
from tests import factories


def test_manager_raises_without_a_tenant(world):
    with no_tenant():
        with pytest.raises(TenantNotSet):
            list(Role.objects.all())
        with pytest.raises(TenantNotSet):
            Membership.objects.filter(user=world.members["owner"]).exists()
        with pytest.raises(TenantNotSet):
            current_tenant()


def test_platform_scope_alone_does_not_open_the_scoped_manager(world):
    with platform_scope(), pytest.raises(TenantNotSet):
        Role.objects.count()


def test_manager_returns_only_the_current_tenants_rows(world):
    with tenant_context(world.acme):
        slugs = set(Role.objects.values_list("slug", flat=True))
        assert "sentinel-role" not in slugs
        assert {"owner", "viewer"} <= slugs
        assert {r.tenant_id for r in Role.objects.all()} == {world.acme.pk}
    with tenant_context(world.globex):
        assert Role.objects.filter(slug="sentinel-role").exists()


def test_unscoped_is_the_explicit_door(world):
    with platform_scope():
        tenants = set(Role.objects.unscoped().values_list("tenant_id", flat=True))
    assert tenants == {world.acme.pk, world.globex.pk}


def test_contexts_nest_and_reset(world):
    assert current_tenant_id() is None
    with tenant_context(world.acme):
        with tenant_context(world.globex):
            assert current_tenant() == world.globex
        assert current_tenant() == world.acme
    assert current_tenant_id() is None


def test_context_is_reset_after_a_request_even_when_it_fails(world):
    client = world.client("viewer")
    assert client.get("/api/v1/tenants/acme/members/").status_code == 403
    assert client.get("/api/v1/tenants/acme/permissions/").status_code == 200
    assert current_tenant_id() is None


def test_saving_into_another_tenant_from_inside_a_tenant_is_refused(world):
    with tenant_context(world.acme):
        role = Role.objects.get(slug="viewer")
    with tenant_context(world.globex), pytest.raises(TenantNotSet):
        role.name = "moved"
        role.save()


def test_new_rows_take_the_current_tenant(world):
    role = factories.custom_role(world.acme, slug="auto", permissions=[])
    assert role.tenant_id == world.acme.pk


def test_subclasses_cannot_replace_the_security_methods():
    with pytest.raises(TypeError, match="get_queryset"):

        class Sneaky(TenantScopedViewSet):
            model = Role

            def get_queryset(self):
                return Role.objects.unscoped()

    with pytest.raises(TypeError, match="initial"):

        class Sneakier(TenantScopedViewSet):
            model = Role

            def initial(self, request, *args, **kwargs):
                pass


def test_suspended_tenant_answers_403_with_a_problem(world):
    world.acme.status = "suspended"
    world.acme.save()
    response = world.client("owner").get("/api/v1/tenants/acme/members/")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "tenant_suspended"
    assert "suspended" in body["detail"]
    # Outsiders still learn nothing about the tenant.
    outsider = world.client(user=world.globex_owner)
    assert outsider.get("/api/v1/tenants/acme/members/").status_code == 404


class _RolesWithoutATenant(APIView):
    """A view with the bug the managers guard against: it reads tenant data but never
    makes a tenant current."""

    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return Response({"roles": Role.objects.count()})


def test_tenant_data_reached_without_a_tenant_is_a_logged_500(world, caplog):
    request = APIRequestFactory().get("/roles-without-a-tenant")
    with (
        no_tenant(),
        caplog.at_level(logging.ERROR, logger="tenants.problems"),
        transaction.atomic(),  # the request's transaction (ATOMIC_REQUESTS)
    ):
        response = _RolesWithoutATenant.as_view()(request)
        assert connection.needs_rollback
    response.render()
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content) == {
        "type": "/problems/server_error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server could not complete the request.",
        "code": "server_error",
    }
    [logged] = [r for r in caplog.records if r.name == "tenants.problems"]
    assert logged.levelno == logging.ERROR
    assert logged.getMessage() == "tenant scope missing"
    assert isinstance(logged.exc_info[1], TenantNotSet)
