"""Digests made before the change log get their changes from the migration."""

from __future__ import annotations

import importlib

from django.db import connection

from digests.models import DigestChange, DigestChangeCounter
from tenants.context import platform_scope
from tests import factories

migration = importlib.import_module("digests.migrations.0005_change_log")


class _Editor:
    connection = connection


def test_the_backfill_numbers_existing_digests_per_tenant(world):
    made = [factories.digest(world.acme, title=f"Old {i}") for i in range(3)]
    with platform_scope():
        DigestChange.objects.unscoped().all().delete()
        DigestChangeCounter.objects.unscoped().all().delete()
    migration.backfill(None, _Editor())
    owner = world.client("owner")
    body = owner.get("/api/v1/tenants/acme/digests/changes/").json()
    assert [c["id"] for c in body["results"]] == [d.pk for d in made]
    assert [c["seq"] for c in body["results"]] == [1, 2, 3]
    # The counter continues after the backfilled numbers.
    later = factories.digest(world.acme, title="New", status="draft")
    after = owner.get("/api/v1/tenants/acme/digests/changes/", {"since": body["cursor"]}).json()
    assert [(c["id"], c["seq"]) for c in after["results"]] == [(later.pk, 4)]
    with platform_scope():
        globex = DigestChange.objects.unscoped().filter(tenant=world.globex)
        assert list(globex.values_list("seq", flat=True)) == [1]
