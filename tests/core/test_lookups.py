"""core.lookups.AnyOf: the rows of `__in`, with the list sent as one parameter."""

from __future__ import annotations

import pytest
from django.db.models import F

from core.lookups import AnyOf
from licensing.models import Source
from tenants.context import tenant_context
from tests import factories


@pytest.mark.django_db
def test_any_of_finds_the_rows_in_finds_with_one_parameter(world):
    ids = [factories.source(world.acme, f"Episode {n}").pk for n in range(5)]
    with tenant_context(world.acme):
        for wanted in ([], ids[:1], ids[1:4], [*ids, 10**12]):
            found = Source.objects.filter(AnyOf(F("pk"), wanted))
            assert set(found.values_list("pk", flat=True)) == set(
                Source.objects.filter(pk__in=wanted).values_list("pk", flat=True)
            )
        sql, params = Source.objects.filter(AnyOf(F("pk"), ids)).query.sql_with_params()
        assert '"licensing_source"."id" = ANY(%s)' in sql
        assert list(ids) in [list(p) if isinstance(p, list) else p for p in params]
