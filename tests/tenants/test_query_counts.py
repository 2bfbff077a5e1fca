"""Every list endpoint makes the same number of queries for one row and for a full page."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import rbac
from tenants.context import tenant_context
from tests import factories
from tests.endpoints import tenant_endpoints

PAGE = settings.API_PAGE_SIZE


def _fill(world, path: str, rows: int, start: int = 0):
    """Add `rows` rows to acme's collection behind `path`, numbered from `start`."""
    if path == "members":
        viewer = factories.role(world.acme, rbac.VIEWER)
        for i in range(start, start + rows):
            factories.membership(world.acme, viewer, email=f"bulk{i}@acme.test")
    elif path == "roles":
        for i in range(start, start + rows):
            factories.custom_role(
                world.acme,
                slug=f"bulk-{i}",
                permissions=["tenants.view_role", "tenants.view_apikey"],
            )
    elif path == "api-keys":
        for i in range(start, start + rows):
            factories.api_key(world.acme, rbac.VIEWER, name=f"bulk {i}")
    elif path == "audit/events":
        from audit import services as audit

        with tenant_context(world.acme):
            audit.record_many([audit.Entry(f"test.event_{i}") for i in range(rows)])
    elif path == "policies":
        for i in range(start, start + rows):
            factories.policy(world.acme, name=f"Bulk policy {i}", publish=True)
    elif path == "policies/insight":
        policy = factories.policy(world.acme, name=f"Watched {start}", publish=True)
        for i in range(start, start + rows):
            factories.policy_insight(world.acme, policy, f"rule-{i}", count=i + 1)
    elif path == "digests":
        for i in range(start, start + rows):
            factories.digest(world.acme, title=f"Bulk digest {i}")
    elif path == "licensing/rights-holders":
        for i in range(start, start + rows):
            factories.rights_holder(world.acme, name=f"Bulk holder {i}")
    elif path == "licensing/sources":
        # Every source covered by licenses of its own, its feed's and its holder's.
        holder = factories.rights_holder(world.acme, name=f"Bulk holder {start}")
        feed = factories.source(world.acme, f"Bulk feed {start}", kind="feed")
        factories.license(world.acme, rights_holder=holder, decision="approved")
        factories.license(world.acme, source=feed, decision="approved")
        for i in range(start, start + rows):
            made = factories.source(
                world.acme, f"Bulk source {i}", rights_holder=holder, parent=feed
            )
            factories.license(world.acme, source=made, decision="approved")
    elif path == "licensing/licenses":
        for i in range(start, start + rows):
            factories.license(
                world.acme,
                source=factories.source(world.acme, f"Licensed {i}"),
                decision="approved" if i % 2 else None,
            )
    elif path == "sso/connections":
        for i in range(start, start + rows):
            factories.sso_connection(world.acme, name=f"Bulk connection {i}")
    elif path == "sso/domains":
        for i in range(start, start + rows):
            factories.sso_domain(world.acme, f"bulk{i}.acme.test", verified=i % 2 == 0)
    elif path == "audit/sinks":
        from audit import sinks

        # More than a tenant may make, to fill a page.
        with mock.patch.object(sinks, "MAX_SINKS_PER_TENANT", start + rows + 1):
            for i in range(start, start + rows):
                factories.audit_sink(world.acme, name=f"Bulk sink {i}")
    elif path == "invitations":
        for i in range(start, start + rows):
            factories.invitation(world.acme, rbac.VIEWER, f"bulk-invitee-{i}@acme.test")
    elif path == "webhooks":
        for i in range(start, start + rows):
            factories.webhook(world.acme, url=f"http://127.0.0.1:9/bulk-{i}")
    elif path == "webhook-deliveries":
        endpoint = factories.webhook(world.acme, url=f"http://127.0.0.1:9/deliveries-{start}")
        for i in range(start, start + rows):
            factories.webhook_delivery(world.acme, endpoint, object_id=i)
    elif path == "scim-tokens":
        for i in range(start, start + rows):
            factories.scim_token(world.acme, name=f"Bulk token {i}")
    else:
        raise AssertionError(f"add a way to fill {path} to the query-count test")


LISTS = sorted(
    {
        e.route.split("<slug:tenant>/", 1)[1].rstrip("/")
        for e in tenant_endpoints()
        if e.action == "list"
    }
    - {"permissions"}
)


def _count(client, url) -> tuple[int, int]:
    # Warm the process-wide caches (content types, policies in force) first: they are
    # filled once per process, not per request.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("path", LISTS)
def test_list_queries_do_not_grow_with_the_page(world, path):
    client = world.client("owner")
    url = f"/api/v1/tenants/acme/{path}/?page_size={PAGE}"
    # One row first: a fresh tenant holding a single row of this kind.
    _fill(world, path, 1)
    small_queries, small_rows = _count(client, url)
    _fill(world, path, PAGE, start=1)
    full_queries, full_rows = _count(client, url)
    assert full_rows == PAGE
    assert small_rows < full_rows
    assert full_queries == small_queries, f"{path}: {small_queries} vs {full_queries} queries"
    assert full_queries <= 8


def test_permission_catalogue_needs_no_query_beyond_authentication(world):
    client = world.client("viewer")
    # The first request after signing in also notes the session's use (once a minute).
    assert client.get("/api/v1/tenants/acme/permissions/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/tenants/acme/permissions/").status_code == 200
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    # session, user, then membership with its tenant and role in one query
    assert len(statements) == 3, statements
