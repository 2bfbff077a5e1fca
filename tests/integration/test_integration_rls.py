"""The new tenant tables (change log, webhooks) behind row-level security, used as the
application's runtime role."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

from digests.models import DigestChange, DigestChangeCounter
from tenants.context import tenant_context
from tenants.scoping import TenantOwnedModel
from tests import factories
from tests.tenants.test_row_level_security import runtime_role  # noqa: F401 (fixture)
from webhooks.models import WebhookDelivery, WebhookEndpoint

NEW_TABLES = [DigestChange, DigestChangeCounter, WebhookEndpoint, WebhookDelivery]


def test_every_tenant_owned_table_has_a_forced_policy(db):
    models = [m for m in apps.get_models() if issubclass(m, TenantOwnedModel)]
    assert set(NEW_TABLES) <= set(models)
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            assert cursor.fetchone() == (True, True), model._meta.db_table


@pytest.mark.usefixtures("runtime_role")
def test_writes_and_feeds_work_as_the_runtime_role_and_see_one_tenant(world):
    factories.webhook(world.acme, url="http://127.0.0.1:9/rls", events=["digest.updated"])
    editor = world.client("editor")
    made = editor.post(
        "/api/v1/tenants/acme/digests/",
        {"title": "Under RLS", "publisher": "P", "published_on": "2025-01-01"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert (
        editor.patch(
            f"/api/v1/tenants/acme/digests/{made.json()['id']}/", {"title": "Edited"}, format="json"
        ).status_code
        == 200
    )
    feed = editor.get("/api/v1/tenants/acme/digests/changes/").json()
    assert [c["digest"]["title"] for c in feed["results"]] == ["Edited"]
    with tenant_context(world.acme):
        for model in NEW_TABLES:
            tenants = set(model.objects.unscoped().values_list("tenant_id", flat=True))
            assert tenants == {world.acme.pk}, model.__name__
