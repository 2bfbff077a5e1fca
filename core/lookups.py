"""A lookup Django lacks: membership in a list sent as one array."""

from __future__ import annotations

from django.db.models import Lookup


class AnyOf(Lookup):
    """`queryset.filter(AnyOf(F("pk"), ids))`: the column equals one of `ids`, sent as
    one array parameter (`= ANY(%s)`). `__in` sends a placeholder per id, which for the
    thousands of ids a report over a tenant collects costs the ORM, the driver and the
    server each; this is one value, and the statement's text stays the same whatever
    the list's length."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [list(value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
