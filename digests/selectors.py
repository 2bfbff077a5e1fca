"""Reads: which digests a principal may see, and ranked text search."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet

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
