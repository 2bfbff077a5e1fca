"""Writes for SCIM provisioning: tokens made and revoked; users and groups created,
replaced and deleted as the tenant's identity provider asks.

What each change does to memberships (docs/sso.md, "SCIM provisioning"):

- An active user is a member. Creating or reactivating one adds the membership with the
  role the groups give (`role_for`); deactivating or deleting one removes it through
  `tenants.services.members.member_remove`, which ends their sessions and revokes the
  API keys they answer for, and never removes the last owner.
- A group's display name is looked up in the SSO mapping (`Connection.group_roles`, the
  first enabled connection's; `sso.services.role_slug_for_groups`, as at sign-in), so a
  change of groups gives each active member the role their groups now map to.
- SCIM never grants the owner role, and never changes an owner's role: owners are made
  and unmade by hand, as with SSO group claims.

Each service records a `scim.*` audit event with the token as the actor; the member
services it calls record their own `member.*` events. Every write is idempotent: a
repeated request finds nothing to change and records nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, Forbidden, ServiceError
from scim.models import TOKEN_PREFIX, ScimGroup, ScimGroupMember, ScimToken, ScimUser
from scim.selectors import scim_people
from sso.models import Connection
from sso.services import role_slug_for_groups
from tenants import rbac
from tenants.context import current_tenant
from tenants.models import Membership, Role, Tenant, User
from tenants.principals import Principal
from tenants.services.keys import hash_secret
from tenants.services.members import (
    member_change_role,
    member_remove,
    membership_add,
    user_get_or_create,
)

PREFIX_CHARS = 10


@dataclass(frozen=True)
class ScimActor:
    """Who acts in a SCIM request: the tenant's token. `request.user` in the SCIM views,
    and the actor audit events name (audit.services records it as a `scim_token`)."""

    tenant: Tenant
    scim_token: ScimToken
    is_authenticated = True
    is_anonymous = False
    pk = None

    def __str__(self) -> str:
        return f"scim-token:{self.scim_token.prefix}"


# --- Tokens -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewScimToken:
    scim_token: ScimToken
    secret: str  # shown once, never stored


@transaction.atomic
def scim_token_create(*, actor: Principal | None, name: str) -> NewScimToken:
    """A new token for the current tenant; the old ones keep working until revoked, so a
    provider can be moved to the new one first (rotation)."""
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(30)}"
    token = ScimToken.objects.create(
        tenant=current_tenant(),
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        created_by=actor.user if actor else None,
    )
    audit.record(
        "scim.token_created",
        actor=actor,
        target=audit.Target.of(token),
        changes={"name": [None, name]},
    )
    return NewScimToken(scim_token=token, secret=secret)


@transaction.atomic
def scim_token_revoke(*, actor: Principal | None, scim_token: ScimToken) -> ScimToken:
    """Revoke `scim_token` (once); it stops working at once."""
    token = ScimToken.objects.select_for_update().get(pk=scim_token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor.user if actor else None
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.record("scim.token_revoked", actor=actor, target=audit.Target.of(token))
    return token


@transaction.atomic
def scim_token_record_use(*, scim_token: ScimToken) -> None:
    """Note the token's use, at most once a minute (shows whether a rotated-out token is
    still in use before it is revoked)."""
    now = timezone.now()
    last = scim_token.last_used_at
    if last is None or (now - last).total_seconds() > 60:
        ScimToken.objects.filter(pk=scim_token.pk).update(last_used_at=now)


# --- Roles ------------------------------------------------------------------------------------


def _viewer() -> Role:
    return Role.objects.get(slug=rbac.VIEWER, preset=True)


def _is_owner_role(role: Role) -> bool:
    return role.preset and role.slug == rbac.OWNER


def role_for(person: User) -> Role:
    """The role `person`'s SCIM groups give in the current tenant: the first enabled SSO
    connection's mapping, as at sign-in; with no connection, the viewer role. Never the
    owner role: a mapping that names it (or names a role that no longer exists) gives
    the viewer role instead."""
    connection = (
        Connection.objects.filter(enabled=True)
        .select_related("default_role")
        .order_by("pk")
        .first()
    )
    if connection is None:
        return _viewer()
    groups = set(
        ScimGroupMember.objects.filter(user=person).values_list("group__display_name", flat=True)
    )
    role = Role.objects.filter(slug=role_slug_for_groups(connection, groups)).first()
    if role is None or _is_owner_role(role):
        return _viewer()
    return role


def _sync_role(*, actor: ScimActor, person: User) -> None:
    """Give an active, non-owner member the role their groups map to now."""
    membership = Membership.objects.select_related("role").filter(user=person).first()
    if membership is None or _is_owner_role(membership.role):
        return
    role = role_for(person)
    if role.pk == membership.role_id:
        return
    audit.record(
        "scim.role_changed",
        actor=actor,
        target=audit.Target(type="user", id=person.pk, display=person.email),
        changes={"role": [membership.role.slug, role.slug]},
    )
    member_change_role(actor=None, membership=membership, role=role)


def _activate(*, actor: ScimActor, person: User) -> bool:
    """Make `person` a member with the role their groups give; False if they were one."""
    if Membership.objects.filter(user=person).exists():
        return False
    role = role_for(person)
    membership_add(tenant=current_tenant(), user=person, role=role)
    audit.record(
        "scim.user_activated",
        actor=actor,
        target=audit.Target(type="user", id=person.pk, display=person.email),
        changes={"role": [None, role.slug]},
    )
    return True


def _deactivate(*, actor: ScimActor, person: User) -> bool:
    """Remove `person`'s membership as removing a member does (sessions ended, API keys
    revoked; never the last owner); False if they were not a member."""
    membership = Membership.objects.select_related("role").filter(user=person).first()
    if membership is None:
        return False
    member_remove(actor=None, membership=membership)  # raises Conflict for the last owner
    audit.record(
        "scim.user_deactivated",
        actor=actor,
        target=audit.Target(type="user", id=person.pk, display=person.email),
        changes={"role": [membership.role.slug, None]},
    )
    return True


# --- Users ------------------------------------------------------------------------------------


@dataclass
class UserData:
    """What a SCIM User resource sets, as plain values (scim.resources reads it)."""

    user_name: str
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    emails: list[dict] = field(default_factory=list)
    enterprise: dict = field(default_factory=dict)
    active: bool = True

    def stored(self) -> dict:
        return {
            "external_id": self.external_id,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "display_name": self.display_name,
            "emails": self.emails,
            "enterprise": self.enterprise,
        }


def normalize_user_name(user_name: str) -> str:
    """A userName as the email it stands for; refuses anything that is not one."""
    email = User.objects.normalize_email((user_name or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(
            f"userName must be an email address, not {user_name!r}", code="invalidValue"
        ) from None
    return email


def is_provisioned(person: User) -> bool:
    """Whether `person` is a SCIM User of the current tenant: a member, or deactivated."""
    return scim_people().filter(pk=person.pk).exists()


@transaction.atomic
def scim_user_create(*, actor: ScimActor, data: UserData) -> User:
    """A new SCIM User: the person (made if new), and, when active, their membership."""
    email = normalize_user_name(data.user_name)
    person = User.objects.filter(email__iexact=email).first()
    if person is not None and is_provisioned(person):
        raise Conflict(f"a user with userName {email!r} already exists", code="uniqueness")
    if person is not None and (person.is_staff or person.is_superuser):
        raise Forbidden("operator accounts cannot be provisioned", code="operator_account")
    if person is None:
        full_name = data.display_name or f"{data.given_name} {data.family_name}".strip()
        person = user_get_or_create(email=email, full_name=full_name)
    if not data.emails:
        data.emails = [{"value": email, "type": "work", "primary": True}]
    ScimUser.objects.create(tenant=current_tenant(), user=person, **data.stored())
    audit.record(
        "scim.user_created",
        actor=actor,
        target=audit.Target(type="user", id=person.pk, display=email),
        changes=audit.diff({}, {"external_id": data.external_id, "active": data.active}),
    )
    if data.active:
        _activate(actor=actor, person=person)
    return person


@transaction.atomic
def scim_user_update(*, actor: ScimActor, person: User, data: UserData) -> User:
    """Replace what the provider says about `person` (PUT, and PATCH once applied):
    `active` adds or removes the membership. userName, the person's email, is shared
    with every tenant they belong to, so it cannot change here."""
    if normalize_user_name(data.user_name) != person.email.lower():
        raise ServiceError(
            "userName is the person's email address and cannot be changed",
            code="mutability",
        )
    scim_user = ScimUser.objects.select_for_update().filter(user=person).first()
    if scim_user is None:  # a member the provider had not provisioned
        scim_user = ScimUser(tenant=current_tenant(), user=person)
    before = {name: getattr(scim_user, name) for name in data.stored()}
    changes = audit.diff(before, data.stored())
    if changes or scim_user.pk is None:
        for name, value in data.stored().items():
            setattr(scim_user, name, value)
        scim_user.save()
    if changes:
        audit.record(
            "scim.user_updated",
            actor=actor,
            target=audit.Target(type="user", id=person.pk, display=person.email),
            changes=changes,
        )
    if data.active:
        _activate(actor=actor, person=person)
    else:
        _deactivate(actor=actor, person=person)
    return person


@transaction.atomic
def scim_user_delete(*, actor: ScimActor, person: User) -> None:
    """Forget `person` in this tenant: the membership (as deactivating does), their
    groups here and what the provider said about them. The person stays a person."""
    _deactivate(actor=actor, person=person)
    ScimGroupMember.objects.filter(user=person).delete()
    ScimUser.objects.filter(user=person).delete()
    audit.record(
        "scim.user_deleted",
        actor=actor,
        target=audit.Target(type="user", id=person.pk, display=person.email),
    )


# --- Groups -----------------------------------------------------------------------------------


def _members(member_ids: list[str]) -> set[User]:
    """The SCIM Users of the current tenant that `member_ids` name; refuses any other."""
    wanted = set()
    for value in member_ids:
        if not str(value).isdigit():
            raise ServiceError(f"no user with id {value!r}", code="invalidValue")
        wanted.add(int(value))
    people = set(scim_people().filter(pk__in=wanted))
    missing = wanted - {p.pk for p in people}
    if missing:
        raise ServiceError(
            f"no user with id {', '.join(str(i) for i in sorted(missing))}", code="invalidValue"
        )
    return people


def _check_display_name(display_name: str, *, excluding: ScimGroup | None = None) -> str:
    name = (display_name or "").strip()
    if not name:
        raise ServiceError("displayName is required", code="invalidValue")
    taken = ScimGroup.objects.filter(display_name__iexact=name)
    if excluding is not None:
        taken = taken.exclude(pk=excluding.pk)
    if taken.exists():
        raise Conflict(f"a group named {name!r} already exists", code="uniqueness")
    return name


@transaction.atomic
def scim_group_create(
    *, actor: ScimActor, display_name: str, external_id: str = "", member_ids: list[str]
) -> ScimGroup:
    """A new group and its members; each member gets the role their groups now map to."""
    name = _check_display_name(display_name)
    people = _members(member_ids)
    group = ScimGroup.objects.create(
        tenant=current_tenant(), display_name=name, external_id=external_id
    )
    ScimGroupMember.objects.bulk_create(
        [ScimGroupMember(tenant=group.tenant, group=group, user=p) for p in people]
    )
    audit.record(
        "scim.group_created",
        actor=actor,
        target=audit.Target.of(group),
        changes={"members": [None, sorted(p.email for p in people)]},
    )
    for person in sorted(people, key=lambda p: p.pk):
        _sync_role(actor=actor, person=person)
    return group


@transaction.atomic
def scim_group_update(
    *,
    actor: ScimActor,
    group: ScimGroup,
    display_name: str,
    external_id: str = "",
    member_ids: list[str],
) -> ScimGroup:
    """Replace a group's name and members (PUT, and PATCH once applied); everyone who
    joined or left, or all members when it is renamed, gets the role now mapped."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    name = _check_display_name(display_name, excluding=group)
    people = _members(member_ids)
    current = {m.user for m in ScimGroupMember.objects.filter(group=group).select_related("user")}
    added, removed = people - current, current - people
    before = {"display_name": group.display_name, "external_id": group.external_id}
    after = {"display_name": name, "external_id": external_id}
    changes = audit.diff(before, after)
    if changes or added or removed:
        group.display_name, group.external_id = name, external_id
        group.save(update_fields=["display_name", "external_id", "updated_at"])
    ScimGroupMember.objects.filter(group=group, user__in=removed).delete()
    ScimGroupMember.objects.bulk_create(
        [ScimGroupMember(tenant=group.tenant, group=group, user=p) for p in added]
    )
    if added:
        changes["members_added"] = [None, sorted(p.email for p in added)]
    if removed:
        changes["members_removed"] = [sorted(p.email for p in removed), None]
    if not changes:
        return group
    audit.record("scim.group_updated", actor=actor, target=audit.Target.of(group), changes=changes)
    affected = (current | people) if "display_name" in changes else (added | removed)
    for person in sorted(affected, key=lambda p: p.pk):
        _sync_role(actor=actor, person=person)
    return group


@transaction.atomic
def scim_group_delete(*, actor: ScimActor, group: ScimGroup) -> None:
    """Delete a group; its members get the role their remaining groups map to."""
    group = ScimGroup.objects.select_for_update().get(pk=group.pk)
    people = [m.user for m in ScimGroupMember.objects.filter(group=group).select_related("user")]
    audit.record(
        "scim.group_deleted",
        actor=actor,
        target=audit.Target.of(group),
        changes={"members": [sorted(p.email for p in people), None]},
    )
    group.delete()
    for person in sorted(people, key=lambda p: p.pk):
        _sync_role(actor=actor, person=person)
