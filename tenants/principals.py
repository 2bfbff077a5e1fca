"""Who acts inside a tenant, what their role lets them do, and what they may grant.

Every service takes a `Principal` as its actor (None for operator commands and seeds),
and every read that depends on the caller starts from one.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.exceptions import Forbidden
from core.internals import prefetched
from tenants import rbac
from tenants.models import ApiKey, Role, Tenant, User


@dataclass(frozen=True)
class Principal:
    """Who is acting inside a tenant: a member or an API key, with its role's permissions."""

    tenant: Tenant
    role: Role
    permissions: frozenset[str]
    user: User | None = None
    api_key: ApiKey | None = None

    def has(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_owner(self) -> bool:
        return self.user is not None and self.role.slug == rbac.OWNER

    @property
    def person_id(self) -> int | None:
        """The id of the person answerable for what this principal does: the member
        acting, or the accountable person of the key acting."""
        if self.user is not None:
            return self.user.pk
        return self.api_key.accountable_person_id if self.api_key is not None else None


def role_permissions(role: Role) -> frozenset[str]:
    """A role's permissions; uses `permissions` prefetched with their content types if present."""
    if role.preset:
        preset = rbac.PRESETS.get(role.slug)
        return preset.permissions if preset else frozenset()
    loaded = prefetched(role, "permissions")
    if loaded is not None:
        return frozenset(f"{p.content_type.app_label}.{p.codename}" for p in loaded)
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


def require_grantable(actor: Principal | None, role: Role) -> None:
    """Nobody hands out more than they hold; only owners make owners."""
    if actor is None:
        return  # operator commands and seeds
    if role.slug == rbac.OWNER and role.preset:
        if not actor.is_owner:
            raise Forbidden(
                "only an owner can grant or take away the owner role", code="owner_only"
            )
        return
    missing = role_permissions(role) - actor.permissions
    if missing:
        raise Forbidden(
            f"role {role.slug!r} holds permissions you do not have: {', '.join(sorted(missing))}",
            code="role_exceeds_yours",
        )
