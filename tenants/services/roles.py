"""Roles: the preset ones every tenant has, and custom ones made, changed and deleted.

A role is a set of permission codenames with a Django group of its members, so that
object permissions can be granted to it (docs/architecture.md, "Roles and
django-guardian"). Nobody puts into a role a permission they do not hold.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from audit import services as audit
from core.exceptions import Conflict, Forbidden, ServiceError
from tenants import rbac
from tenants.context import current_tenant, tenant_context
from tenants.models import ApiKey, Role, Tenant, slug_from
from tenants.principals import Principal, require_grantable, role_permissions
from tenants.services.keys import revoke_keys_beyond_their_people
from tenants.signals import role_deleting


def _permission_objects(codenames: list[str]) -> list[Permission]:
    unknown = sorted(set(codenames) - rbac.CATALOGUE_CODENAMES)
    if unknown:
        raise ServiceError(f"unknown permissions: {', '.join(unknown)}", code="unknown_permission")
    wanted = {tuple(c.split(".", 1)) for c in codenames}
    found = [
        p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in=[c for _, c in wanted]
        )
        if (p.content_type.app_label, p.codename) in wanted
    ]
    if len(found) != len(wanted):
        raise ServiceError("the permission catalogue is not migrated", code="catalogue_missing")
    return found


def _group_name(tenant: Tenant, slug: str) -> str:
    return f"tenant:{tenant.pk}:role:{slug}"


def ensure_preset_roles(*, tenant: Tenant) -> dict[str, Role]:
    """Create any missing preset role for `tenant`; idempotent."""
    with tenant_context(tenant):
        existing = {r.slug: r for r in Role.objects.filter(preset=True)}
        for preset in rbac.PRESETS.values():
            if preset.slug in existing:
                continue
            group, _ = Group.objects.get_or_create(name=_group_name(tenant, preset.slug))
            existing[preset.slug] = Role.objects.create(
                tenant=tenant,
                slug=preset.slug,
                name=preset.name,
                description=preset.description,
                preset=True,
                group=group,
            )
        return existing


@transaction.atomic
def role_create(
    *,
    actor: Principal | None,
    name: str,
    permissions: list[str],
    slug: str | None = None,
    description: str = "",
) -> Role:
    tenant = current_tenant()
    slug = slug or slug_from(name)
    if not slug:
        raise ServiceError("a role needs a name with letters or digits", code="invalid_slug")
    if slug in rbac.PRESETS:
        raise Conflict(f"{slug!r} is a preset role", code="role_exists")
    if Role.objects.filter(slug=slug).exists():
        raise Conflict(f"a role with slug {slug!r} already exists", code="role_exists")
    perms = _permission_objects(permissions)
    if actor is not None:
        _require_subset(actor, {f"{p.content_type.app_label}.{p.codename}" for p in perms})
    group, _ = Group.objects.get_or_create(name=_group_name(tenant, slug))
    role = Role(tenant=tenant, slug=slug, name=name, description=description, group=group)
    role.full_clean(exclude=["group", "tenant"])
    role.save()
    role.permissions.set(perms)
    audit.record(
        "role.created",
        actor=actor,
        target=audit.Target.of(role, role.slug),
        changes=audit.diff({}, {"name": name, "permissions": sorted(role_permissions(role))}),
    )
    return role


def _require_subset(actor: Principal, wanted: set[str]) -> None:
    missing = wanted - actor.permissions
    if missing:
        raise Forbidden(
            f"you cannot put permissions you do not hold into a role: {', '.join(sorted(missing))}",
            code="role_exceeds_yours",
        )


@transaction.atomic
def role_update(
    *,
    actor: Principal | None,
    role: Role,
    name: str | None = None,
    description: str | None = None,
    permissions: list[str] | None = None,
) -> Role:
    if role.preset:
        raise Conflict("preset roles cannot be changed; create a custom role", code="preset_role")
    role = Role.objects.select_for_update().get(pk=role.pk)
    if actor is not None:
        # Editing a role is granting its permissions to everyone who holds it.
        require_grantable(actor, role)
    before = {
        "name": role.name,
        "description": role.description,
        "permissions": sorted(role_permissions(role)),
    }
    if name is not None:
        role.name = name
    if description is not None:
        role.description = description
    role.save()
    if permissions is not None:
        perms = _permission_objects(permissions)
        if actor is not None:
            _require_subset(actor, {f"{p.content_type.app_label}.{p.codename}" for p in perms})
        role.permissions.set(perms)
    after = {
        "name": role.name,
        "description": role.description,
        "permissions": sorted(role_permissions(Role.objects.get(pk=role.pk))),
    }
    changes = audit.diff(before, after)
    if changes:
        audit.record(
            "role.updated", actor=actor, target=audit.Target.of(role, role.slug), changes=changes
        )
    if "permissions" in changes:
        # The keys holding this role, and the keys of the people holding it, are held
        # against their people's roles again.
        revoke_keys_beyond_their_people(
            actor=actor,
            keys=ApiKey.objects.filter(
                Q(role=role) | Q(accountable_person__memberships__role=role)
            ),
        )
    return role


@transaction.atomic
def role_delete(*, actor: Principal | None, role: Role) -> None:
    if role.preset:
        raise Conflict("preset roles cannot be deleted", code="preset_role")
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.memberships.exists() or role.api_keys.filter(revoked_at__isnull=True).exists():
        raise Conflict(
            "the role is still held by members or API keys; reassign them first",
            code="role_in_use",
        )
    role_deleting.send(sender=Role, role=role)  # sso refuses a role its connections give out
    group = role.group
    audit.record("role.deleted", actor=actor, target=audit.Target.of(role, role.slug))
    ApiKey.objects.filter(role=role).delete()  # revoked keys only, see check above
    role.delete()
    group.delete()
