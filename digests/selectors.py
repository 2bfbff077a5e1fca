"""Reads: which digests a principal may see, and ranked text search."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import NotSupportedError, connection
from django.db.models import BooleanField, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from config.compiled_reads import Kept
from digests.models import Digest, DigestGroupObjectPermission, DigestUserObjectPermission
from tenants.services import Principal

SEARCH_CONFIG = "english"


def visible_digests(principal: Principal, queryset: QuerySet[Digest] | None = None) -> QuerySet:
    """The digests `principal` may see, in one SQL query.

    - without `view_unpublished_digest`, only published ones;
    - a restricted digest only with a grant on it (to the person, or to their role's
      group), unless the principal manages access.
    """
    qs = Digest.objects.all() if queryset is None else queryset
    if not principal.has("digests.view_unpublished_digest"):
        qs = qs.filter(status=Digest.Status.PUBLISHED)
    if not principal.has("digests.manage_access_digest"):
        # ContentType's own cache answers without a query (and is reset when tests
        # rebuild the permission tables).
        view = {
            "permission__codename": "view_digest",
            "permission__content_type_id": ContentType.objects.get_for_model(Digest).pk,
        }
        granted = Q(restricted=False) | Q(
            pk__in=DigestGroupObjectPermission.objects.filter(
                group_id=principal.role.group_id, **view
            ).values("content_object_id")
        )
        if principal.user is not None:
            granted |= Q(
                pk__in=DigestUserObjectPermission.objects.filter(
                    user_id=principal.user.pk, **view
                ).values("content_object_id")
            )
        qs = qs.filter(granted)
    return qs


def readable_condition(
    principal: Principal,
    rule_set,
    queryset: QuerySet[Digest] | None = None,
    *,
    include_license: bool = True,
) -> QuerySet:
    """The digests `principal` may read: `visible_digests`, less what the enforce-mode
    hiding rules of `rule_set` (theirs, `policies.selectors.rule_set_for`) remove. The one
    definition: the list and detail (`readable_digests`, compiled from it), the text
    gate of licensing, reports and audit, the importer and the slug clash all ask it.

    Built by the ORM, so it nests in another query (`pk__in=...values("pk")`), which
    `readable_digests`' compiled SQL cannot. `include_license=False` leaves the license
    gates out: what the caller would read were every source licensed (the detail's 451)."""
    queryset = visible_digests(principal, queryset)
    hidden = rule_set.hidden_condition(include_license=include_license)
    return queryset if hidden is None else queryset.exclude(hidden)


def as_shown(rule_set, digests: list[Digest]) -> list[tuple[dict, dict]]:
    """Each of `digests` (readable by the caller, as whole rows) as the detail shows it
    to the caller whose rules `rule_set` are: (its dict, sources included, with the
    policies applied; the decision). What a caller is told of a digest is read here, by
    the engine itself (policies.engine.apply_many), never by a rule written again."""
    from digests.api import digests_to_dicts  # the API module imports this one
    from policies import engine

    many = digests_to_dicts(digests, detail=True)
    decisions = engine.apply_many(rule_set, digests, many)
    return list(zip(many, decisions, strict=True))


def seen_whole(decision: dict) -> bool:
    """Whether a decision of `as_shown` left the digest as stored: no enforced finding
    (redaction, hidden field or section, slug shown as `digest-<id>`)."""
    return not any(finding["enforced"] for finding in decision["findings"])


# --- What a reader may see, compiled once per shape -----------------------------------------
#
# Visibility and the content policies in force make the longest condition in the
# product, and the ORM used to rebuild and recompile it on every read (about a third of
# a detail request's time in the benchmark). For a given caller it changes only when
# what it depends on changes, so its SQL is compiled once and reused, keyed by all of it:
# the tenant, the role's group, the person, the two permissions visibility reads, the
# rules that apply (with their parameters) and the day (license gates read today's terms).


class DigestTableSQL(RawSQL):
    """SQL compiled ahead that names the digests table `"digests_digest"`, as the ORM does
    in a query of its own. Nested in another query (`pk__in=...`, `Exists(...)`) Django
    renames the inner tables but cannot rename inside this text, and the condition would
    silently apply to the outer row: that raises instead."""

    def relabeled_clone(self, change_map):
        if Digest._meta.db_table in change_map:
            raise NotSupportedError(
                "a readable_digests queryset cannot be nested in another query; "
                "filter with visible_digests() there"
            )
        return super().relabeled_clone(change_map)


# (WHERE fragment, params, monitor hits) per reader_shape
_compiled = Kept()


def reader_shape(principal: Principal, rule_set) -> tuple:
    """Everything `readable_digests` depends on, as a key (also the detail endpoint's
    compiled read key, digests.api)."""
    from licensing.selectors import today

    return (
        connection.vendor,
        principal.tenant.pk,
        principal.role.group_id,
        principal.user.pk if principal.user is not None else None,
        principal.has("digests.view_unpublished_digest"),
        principal.has("digests.manage_access_digest"),
        ContentType.objects.get_for_model(Digest).pk,
        rule_set.version,
        tuple([rule.shape for rule in rule_set.rules]),
        today(),
    )


def _readable_through_orm(principal: Principal, rule_set, queryset: QuerySet) -> QuerySet:
    """What `readable_digests` means, built by the ORM: the source of the compiled SQL."""
    queryset = readable_condition(principal, rule_set, queryset)
    return rule_set.annotate_hits(queryset, rule_set.monitored_hiding)


def _compile(principal: Principal, rule_set) -> tuple[str | None, tuple, tuple] | None:
    """(WHERE fragment or None for "everything", its params, monitor-hit annotations as
    (name, sql, params)); None when the condition cannot stand alone (an empty set)."""
    query = _readable_through_orm(principal, rule_set, Digest._base_manager.all()).query
    compiler = query.get_compiler(connection=connection)
    try:
        where_sql, where_params = compiler.compile(query.where)
    except FullResultSet:
        where_sql, where_params = None, ()
    except EmptyResultSet:
        return None
    hits = []
    for name, expression in query.annotations.items():
        try:
            sql, params = compiler.compile(expression)
        except FullResultSet:  # as the ORM selects such a condition: a constant
            sql, params = "1 = 1", ()
        except EmptyResultSet:
            sql, params = "1 = 0", ()
        hits.append((name, sql, tuple(params)))
    return where_sql, tuple(where_params), tuple(hits)


def readable_digests(principal: Principal, rule_set, queryset: QuerySet[Digest]) -> QuerySet:
    """`visible_digests`, less what enforce-mode rules hide, with monitor-mode hits
    annotated (`RuleSet.annotate_hits`): the same SQL, compiled once per shape."""
    key = reader_shape(principal, rule_set)
    found = _compiled.get(key)
    if found is None:
        found = _compile(principal, rule_set)
        if found is None:  # not cacheable as a fragment: build it the long way
            return _readable_through_orm(principal, rule_set, queryset)
        # Not across midnight: license gates read the day.
        _compiled.keep(key, found, lambda: reader_shape(principal, rule_set) == key)
    # The SQL is the ORM's own compilation, values kept apart as parameters.
    where_sql, where_params, hits = found
    if where_sql is not None:
        queryset = queryset.filter(
            DigestTableSQL(where_sql, where_params, output_field=BooleanField())
        )
    if hits:
        queryset = queryset.annotate(
            **{
                name: DigestTableSQL(sql, params, output_field=BooleanField())
                for name, sql, params in hits
            }
        )
    return queryset


def search(queryset: QuerySet[Digest], q: str) -> QuerySet[Digest]:
    """Rank by relevance: title weighs most, then summary, then key points and sections.

    PostgreSQL uses the trigger-maintained `search_vector` and its GIN index; SQLite
    (the zero-setup default) falls back to substring matching, newest first.
    """
    q = " ".join(q.split())[:200]
    if not q:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    terms = q.split()
    condition = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term) | Q(summary__icontains=term) | Q(search_text__icontains=term)
        )
    return queryset.filter(condition)
