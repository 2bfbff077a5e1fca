"""SSO's tenant tables under PostgreSQL row-level security, and whole sign-ins run as the
application's runtime role (not owner, not BYPASSRLS), so every cross-tenant read on the
way (the connection by its public id, domains, discovery) goes through platform_scope()."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from sso.models import Connection, SamlAssertion, VerifiedDomain
from tenants.context import tenant_context
from tests.sso.conftest import oidc_sign_in
from tests.sso.test_saml_sign_in import ALICE, begin, post
from tests.tenants.test_row_level_security import runtime_role  # noqa: F401

TABLES = [Connection, VerifiedDomain, SamlAssertion]


def test_every_sso_tenant_table_has_a_forced_policy(db):
    with connection.cursor() as cursor:
        for model in TABLES:
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            assert cursor.fetchone() == (True, True), model._meta.db_table


@pytest.mark.usefixtures("runtime_role")
def test_inside_acme_only_acmes_connections_and_domains_exist(world, acme_oidc):
    with tenant_context(world.acme):
        for model in (Connection, VerifiedDomain):
            rows = list(model.objects.unscoped().all())
            assert rows, model.__name__
            assert {row.tenant_id for row in rows} == {world.acme.pk}, model.__name__


@pytest.mark.usefixtures("runtime_role")
def test_an_oidc_sign_in_with_provisioning_works_as_the_runtime_role(world, provider, acme_oidc):
    provider.next_user.update(sub="rls-user", email="rls.person@acme.test")
    browser = Client()
    done = oidc_sign_in(browser)
    assert done.status_code == 302, done.content
    assert browser.get("/api/v1/me").json()["email"] == "rls.person@acme.test"


@pytest.mark.usefixtures("runtime_role")
def test_discovery_and_the_admin_api_work_as_the_runtime_role(world, acme_oidc, api):
    found = api.post("/sso/discover", {"email": "a@acme.test"}, format="json")
    assert found.status_code == 200
    admin = world.client("admin")
    for path in ("connections/", "domains/", "settings/"):
        assert admin.get(f"/api/v1/tenants/acme/sso/{path}").status_code == 200, path


@pytest.mark.usefixtures("runtime_role")
def test_a_saml_sign_in_and_its_replay_check_work_as_the_runtime_role(world, idp, acme_saml):
    browser = Client()
    request = begin(browser, idp)
    response = idp.response(request, name_id="rls@acme.test", attributes=ALICE)
    assert post(browser, request, response).status_code == 302
    with tenant_context(world.acme):
        assert SamlAssertion.objects.count() == 1
