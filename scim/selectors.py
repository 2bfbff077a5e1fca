"""Reads for SCIM: the tenant's SCIM Users (members, and people the provider
deactivated) and Groups, filtered as the protocol's `eq` filters ask, and the token a
request presents."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from scim.models import TOKEN_PREFIX, ScimGroup, ScimGroupMember, ScimToken, ScimUser
from tenants.models import Membership, User
from tenants.services.keys import hash_secret


def scim_token_for(secret: str) -> ScimToken | None:
    """The current tenant's unrevoked token for `secret`, or None. Only the tenant the URL
    names is searched, so another tenant's token is unknown here. Hashes are compared in
    constant time."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    presented = hash_secret(secret)
    match = None
    for candidate in ScimToken.objects.filter(prefix=parts[1], revoked_at__isnull=True):
        if hmac.compare_digest(candidate.secret_hash, presented):
            match = candidate
    return match


def scim_people() -> QuerySet[User]:
    """Everyone who is a SCIM User of the current tenant: its members, and the people its
    provider created or deactivated (who keep a `ScimUser` row)."""
    return User.objects.filter(
        Q(Exists(Membership.objects.filter(user=OuterRef("pk"))))
        | Q(Exists(ScimUser.objects.filter(user=OuterRef("pk"))))
    ).order_by("pk")


def scim_person(pk: str) -> User | None:
    if not str(pk).isdigit():
        return None
    return scim_people().filter(pk=int(pk)).first()


def scim_people_where(attribute: str, value: str) -> QuerySet[User]:
    """`attribute eq value` for a supported, lower-cased attribute name."""
    people = scim_people()
    if attribute == "username":
        return people.filter(email__iexact=value)
    if attribute == "externalid":  # caseExact (RFC 7643 3.1)
        return people.filter(
            Exists(ScimUser.objects.filter(user=OuterRef("pk"), external_id=value))
        )
    raise ValueError(attribute)


def scim_groups() -> QuerySet[ScimGroup]:
    return ScimGroup.objects.order_by("pk")


def scim_group(pk: str) -> ScimGroup | None:
    if not str(pk).isdigit():
        return None
    return scim_groups().filter(pk=int(pk)).first()


def scim_groups_where(attribute: str, value: str) -> QuerySet[ScimGroup]:
    if attribute == "displayname":
        return scim_groups().filter(display_name__iexact=value)
    if attribute == "externalid":
        return scim_groups().filter(external_id=value)
    raise ValueError(attribute)


@dataclass(frozen=True)
class PersonView:
    """A person with what the SCIM User resource shows of them in this tenant."""

    person: User
    membership: Membership | None
    scim_user: ScimUser | None
    groups: list[tuple[int, str]]  # (group id, display name)


def person_views(people: list[User]) -> list[PersonView]:
    """The page's people with their membership, provider record and groups (three
    queries, whatever the page size)."""
    ids = [p.pk for p in people]
    memberships = {
        m.user_id: m for m in Membership.objects.filter(user_id__in=ids).select_related("role")
    }
    records = {r.user_id: r for r in ScimUser.objects.filter(user_id__in=ids)}
    groups: dict[int, list[tuple[int, str]]] = {}
    for user_id, group_id, name in (
        ScimGroupMember.objects.filter(user_id__in=ids)
        .order_by("group_id")
        .values_list("user_id", "group_id", "group__display_name")
    ):
        groups.setdefault(user_id, []).append((group_id, name))
    return [
        PersonView(p, memberships.get(p.pk), records.get(p.pk), groups.get(p.pk, []))
        for p in people
    ]


def group_members(groups: list[ScimGroup]) -> dict[int, list[tuple[int, str]]]:
    """Each group's members as (user id, email), in one query."""
    found: dict[int, list[tuple[int, str]]] = {g.pk: [] for g in groups}
    for group_id, user_id, email in (
        ScimGroupMember.objects.filter(group__in=groups)
        .order_by("user_id")
        .values_list("group_id", "user_id", "user__email")
    ):
        found[group_id].append((user_id, email))
    return found
