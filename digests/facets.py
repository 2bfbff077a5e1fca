"""Facet counts of the digest list: how many of the caller's results carry each topic,
publisher and publication year.

Counted over every result the list's filters select for the caller (not only the
page), in one SQL statement whatever the facets asked: the filtered queryset is a
common table expression, and each facet a grouped query over it, joined by UNION ALL.
The counts are kept in the result cache until the tenant's rows change.

What is counted is what the caller is shown. The queryset is the list's own, so a
digest the caller may not read is not in it. Topics and publishers are read through
`digests.search.ShownColumns`, the text the filters match: a redacted word counts as its
mask (`[redacted] Radio`), topics a policy hides count as none, and a digest whose shown
text is being rewritten (a stale row) counts under no topic or publisher. Each value is
one the caller can filter by: a topic as `topic=`, a publisher as `publisher=` (which
ignores case, so publishers are grouped without it), a year as `published_after` and
`published_before`. A year is never changed by a policy.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from rest_framework import serializers

from digests.search import ShownColumns
from tenants.result_cache import cached_result

PARAMETER = "facets"
# The facets a list can count, in the order the answer gives them.
FACETS = ("topics", "publishers", "years")
# Values given per facet: the most frequent first.
FACET_SIZE = 20

# One grouped query per facet over `hits`, each giving (value as text, count). Constant
# SQL: the facet's name is chosen from FACETS, the limit is a parameter.
_GROUPED = {
    "topics": (
        # DISTINCT: a policy may mask two topics of one digest into the same text.
        "SELECT t.value, count(*) AS n FROM hits h CROSS JOIN LATERAL ("
        "SELECT DISTINCT value FROM jsonb_array_elements_text(CASE WHEN "
        "jsonb_typeof(h.facet_topics) = 'array' THEN h.facet_topics END)) t "
        "WHERE t.value <> '' GROUP BY t.value"
    ),
    "publishers": (
        "SELECT min(h.facet_publisher) AS value, count(*) AS n FROM hits h "
        "WHERE h.facet_publisher <> '' GROUP BY upper(h.facet_publisher)"
    ),
    "years": (
        "SELECT h.facet_year::text AS value, count(*) AS n FROM hits h "
        "WHERE h.facet_year IS NOT NULL GROUP BY h.facet_year"
    ),
}


def requested(params) -> list[str]:
    """The facets asked for in `params` (`facets=topics,years`, or the parameter
    repeated), each once, in FACETS order; a 400 naming the parameter for an empty or
    unknown name."""
    if PARAMETER not in params:
        return []
    names = [name.strip() for value in params.getlist(PARAMETER) for name in value.split(",")]
    unknown = sorted({name for name in names if name not in FACETS})
    if unknown or not names:
        shown = ", ".join(repr(name) for name in unknown)
        raise serializers.ValidationError(
            {
                PARAMETER: [
                    f"Not a facet: {shown}; use one or more of {', '.join(FACETS)}, "
                    "separated by commas."
                ]
            }
        )
    return [name for name in FACETS if name in names]


def counts(text: ShownColumns, queryset: QuerySet, names: list[str]) -> dict[str, list[dict]]:
    """{facet: [{"value", "count"}, ...]} for each of `names`, over every digest of
    `queryset` (the list's filtered queryset), the FACET_SIZE most frequent values of
    each, by count and then value. One query."""
    hits = text.annotate(queryset.order_by(), facet_publisher="publisher", facet_topics="topics")
    hits = hits.annotate(facet_year=ExtractYear("published_on")).values(
        "facet_publisher", "facet_topics", "facet_year"
    )
    sql, params = hits.query.sql_with_params()
    parts = [
        f"(SELECT %s::text, g.value, g.n FROM ({_GROUPED[name]}) g "  # noqa: S608 (constant SQL)
        "ORDER BY g.n DESC, g.value LIMIT %s)"
        for name in names
    ]
    arguments = (*params, *[x for name in names for x in (name, FACET_SIZE)])
    statement = f"WITH hits AS ({sql}) " + " UNION ALL ".join(parts)

    def count() -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {name: [] for name in names}
        with connection.cursor() as cursor:
            cursor.execute(statement, arguments)
            for name, value, n in cursor.fetchall():
                found[name].append({"value": int(value) if name == "years" else value, "count": n})
        return found

    # The statement and its arguments decide the counts whole (the reader's visibility and
    # text are in them), so they are the key (tenants/result_cache.py).
    return cached_result("facets", [statement, arguments], count)
