"""API keys: made, installed and revoked, and held to the person who answers for them.

A key holds a role and answers to an accountable person, a member whose role holds
every permission of the key's; a key that comes to hold more than its person (removed,
or given a smaller role) is revoked. How a request's key is found and checked is
tenants.authentication.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, Forbidden, ServiceError
from tenants import rbac
from tenants.context import current_tenant, platform_scope
from tenants.models import ApiKey, Membership, Role, User
from tenants.principals import Principal, require_grantable, role_permissions

KEY_PREFIX = "dp"  # every key reads dp_<prefix>_<secret>
PREFIX_CHARS = 10


def hash_secret(token: str) -> str:
    # Keys carry 240 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    token: str  # shown once, never stored


@transaction.atomic
def api_key_create(
    *,
    actor: Principal | None,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
    accountable_person: User | None = None,
) -> NewApiKey:
    """A new key holding `role`. It answers to the member who makes it, or to the person
    of the key that makes it; an operator (`actor` None) names `accountable_person`."""
    tenant = current_tenant()
    if role.slug == rbac.OWNER:
        raise ServiceError("API keys cannot hold the owner role", code="owner_key")
    require_grantable(actor, role)
    person = _require_accountable(_accountable_person(actor, accountable_person), role)
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError("expires_at must be in the future", code="expired_on_creation")
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    token = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(30)}"
    api_key = ApiKey.objects.create(
        tenant=tenant,
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=hash_secret(token),
        created_by=actor.user if actor else None,
        accountable_person=person,
        expires_at=expires_at,
    )
    audit.record(
        "api_key.created",
        actor=actor,
        target=audit.Target.of(api_key, f"{prefix} ({name})"),
        changes=audit.diff(
            {},
            {"role": role.slug, "expires_at": expires_at, "accountable_person": person.email},
        ),
    )
    return NewApiKey(api_key=api_key, token=token)


@transaction.atomic
def api_key_install(
    *, name: str, role: Role, token: str, accountable_person: User
) -> tuple[ApiKey, bool]:
    """Store a key whose secret is already known (the demo seeds); idempotent. It answers
    to `accountable_person`, a member whose role holds the key's."""
    tenant = current_tenant()
    try:
        _, prefix, _ = token.split("_", 2)
    except ValueError:
        raise ServiceError("a key reads dp_<prefix>_<secret>", code="bad_key") from None
    existing = ApiKey.objects.filter(prefix=prefix).first()
    if existing is not None:
        return existing, False
    with platform_scope():
        elsewhere = ApiKey.objects.unscoped().filter(prefix=prefix).exists()
    if elsewhere:
        raise Conflict("this key is installed in another tenant", code="key_elsewhere")
    person = _require_accountable(accountable_person, role)
    return ApiKey.objects.create(
        tenant=tenant,
        name=name,
        role=role,
        prefix=prefix,
        secret_hash=hash_secret(token),
        accountable_person=person,
    ), True


@transaction.atomic
def api_key_revoke(
    *, actor: Principal | None, api_key: ApiKey, reason: str | None = None
) -> ApiKey:
    """Revoke `api_key` (once). `reason` says, in the audit event, why a key was revoked
    as a consequence of another change (its person removed or given a smaller role)."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.revoked_by = actor.user if actor else None
        api_key.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "api_key.revoked",
            actor=actor,
            target=audit.Target.of(api_key, f"{api_key.prefix} ({api_key.name})"),
            changes={"reason": [None, reason]} if reason else None,
        )
    return api_key


# Why a key was revoked when its person changed, as its audit event says.
PERSON_LEFT = "accountable_person_left"
EXCEEDS_PERSON = "role_exceeds_accountable_person"


def _why_beyond(api_key: ApiKey, member_roles: dict[int, Role]) -> str | None:
    """Why `api_key` may no longer work for its person (None if it may): the person is
    no longer a member, or the key's role holds a permission the person's lacks."""
    person_role = member_roles.get(api_key.accountable_person_id)
    if person_role is None:
        return PERSON_LEFT
    if not role_permissions(api_key.role) <= role_permissions(person_role):
        return EXCEEDS_PERSON
    return None


def revoke_keys_beyond_their_people(*, actor: Principal | None, keys) -> list[ApiKey]:
    """Revoke those of `keys` (a queryset of the current tenant's) that hold more than
    their accountable person now does, through `api_key_revoke` as any revocation; the
    ones revoked. Called after every change to who is a member or what a role holds."""
    active = list(keys.filter(revoked_at__isnull=True).select_related("role").distinct())
    if not active:
        return []
    member_roles = {
        m.user_id: m.role
        for m in Membership.objects.select_related("role").filter(
            user_id__in={k.accountable_person_id for k in active}
        )
    }
    revoked = []
    for api_key in active:
        reason = _why_beyond(api_key, member_roles)
        if reason is not None:
            revoked.append(api_key_revoke(actor=actor, api_key=api_key, reason=reason))
    return revoked


def _require_accountable(person: User | None, role: Role) -> User:
    """`person` may answer for a key holding `role`: a member of the current tenant whose
    role holds every permission of the key's.

    Called in the key's transaction, it locks the person's membership and the custom
    roles involved (theirs, the key's) until the key is stored, FOR NO KEY UPDATE: a
    removal or a new role for the person (member_remove, member_change_role) and a
    change to either role (role_update) lock those rows FOR UPDATE, so they either wait
    for the key and then revoke it if it exceeds the person, or go first and this check
    sees what they left. The membership is locked first, and no preset role at all
    (presets never change; member_change_role locks them): those services lock
    memberships before roles, so the two never wait for each other in a circle."""
    if person is None:
        raise ServiceError(
            "a key needs an accountable person: name a member of the tenant",
            code="accountable_person_required",
        )
    membership = (
        Membership.objects.select_for_update(no_key=True, of=("self",)).filter(user=person).first()
    )
    if membership is None:
        raise ServiceError(
            f"{person.email} is not a member of this tenant and cannot answer for a key",
            code="accountable_person_not_member",
        )
    custom = {
        r.pk: r
        for r in Role.objects.select_for_update(no_key=True)
        .filter(pk__in=[membership.role_id, role.pk], preset=False)
        .order_by("pk")
    }
    person_role = custom.get(membership.role_id) or Role.objects.get(pk=membership.role_id)
    role = custom.get(role.pk, role)
    missing = role_permissions(role) - role_permissions(person_role)
    if missing:
        raise Forbidden(
            f"role {role.slug!r} holds permissions the accountable person does not have: "
            f"{', '.join(sorted(missing))}",
            code="role_exceeds_accountable_person",
        )
    return person


def _accountable_person(actor: Principal | None, named: User | None) -> User | None:
    """Who answers for a key `actor` makes: the member making it; for a key made with a
    key, that key's person; for an operator (no actor), the person they name."""
    if actor is None:
        return named
    if named is not None:
        raise ServiceError(
            "a key made through the API answers to whoever makes it; it cannot name another person",
            code="accountable_person_fixed",
        )
    if actor.user is not None:
        return actor.user
    if actor.api_key is not None and actor.api_key.accountable_person_id is not None:
        return User.objects.get(pk=actor.api_key.accountable_person_id)
    return None
