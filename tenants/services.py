"""Writes for tenants, roles, memberships and API keys.

Services take the tenant from the current context (never from a request body), run in a
transaction and raise `core.exceptions.ServiceError`s that the API turns into problem
documents.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict, Forbidden, ServiceError
from tenants import key_cache, rbac
from tenants.context import current_tenant, in_platform_scope, platform_scope, tenant_context
from tenants.db import security_generation
from tenants.models import ApiKey, Membership, Role, Tenant, User, slug_from
from tenants.signals import member_removed, role_deleting

# --- Principals -------------------------------------------------------------------------------


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
    prefetched = getattr(role, "_prefetched_objects_cache", {}).get("permissions")
    if prefetched is not None:
        return frozenset(f"{p.content_type.app_label}.{p.codename}" for p in prefetched)
    return frozenset(
        f"{app_label}.{codename}"
        for app_label, codename in role.permissions.values_list(
            "content_type__app_label", "codename"
        )
    )


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


# --- Tenants and roles ------------------------------------------------------------------------


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
def tenant_create(*, slug: str, name: str, owner_email: str | None = None) -> Tenant:
    with platform_scope():
        if Tenant.objects.filter(slug=slug).exists():
            raise Conflict(f"a tenant with slug {slug!r} already exists", code="tenant_exists")
        tenant = Tenant(slug=slug, name=name)
        try:
            tenant.full_clean()
        except ValidationError as exc:
            raise ServiceError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()),
                code="invalid_tenant",
            ) from None
        tenant.save()
        roles = ensure_preset_roles(tenant=tenant)
        with tenant_context(tenant):
            audit.record("tenant.created", target=audit.Target.of(tenant, tenant.name))
            if owner_email:
                user = user_get_or_create(email=owner_email)
                membership = membership_add(tenant=tenant, user=user, role=roles[rbac.OWNER])
                audit.record(
                    "member.added",
                    target=audit.Target.of(membership, user.email),
                    changes={"role": [None, rbac.OWNER]},
                )
    return tenant


def user_get_or_create(*, email: str, full_name: str = "") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name)
    return user


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
        _revoke_keys_beyond_their_people(
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


# --- Memberships ------------------------------------------------------------------------------


def membership_add(*, tenant: Tenant, user: User, role: Role, invited_by: User | None = None):
    membership = Membership.objects.create(
        tenant=tenant, user=user, role=role, invited_by=invited_by
    )
    user.groups.add(role.group)
    return membership


@transaction.atomic
def member_invite(*, actor: Principal | None, email: str, role: Role) -> Membership:
    tenant = current_tenant()
    require_grantable(actor, role)
    user = user_get_or_create(email=email)
    if Membership.objects.filter(user=user).exists():
        raise Conflict(f"{user.email} is already a member", code="already_member")
    try:
        with transaction.atomic():
            membership = membership_add(
                tenant=tenant, user=user, role=role, invited_by=actor.user if actor else None
            )
    except IntegrityError:
        raise Conflict(f"{user.email} is already a member", code="already_member") from None
    audit.record(
        "member.invited",
        actor=actor,
        target=audit.Target.of(membership, user.email),
        changes={"role": [None, role.slug]},
    )
    return membership


def _lock_owners() -> list[int]:
    """Lock every owner membership so two concurrent demotions cannot both pass."""
    return list(
        Membership.objects.select_for_update()
        .filter(role__slug=rbac.OWNER, role__preset=True)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def member_change_role(
    *, actor: Principal | None, membership: Membership, role: Role
) -> Membership:
    owners = _lock_owners()
    membership = Membership.objects.select_for_update().select_related("role").get(pk=membership.pk)
    if membership.role_id == role.pk:
        return membership
    require_grantable(actor, membership.role)  # taking a role away is as strong as giving it
    require_grantable(actor, role)
    if membership.pk in owners and len(owners) == 1:
        raise Conflict(
            "the last owner cannot be demoted; make someone else owner first", code="last_owner"
        )
    old_group = membership.role.group
    audit.record(
        "member.role_changed",
        actor=actor,
        target=audit.Target.of(membership, membership.user.email),
        changes={"role": [membership.role.slug, role.slug]},
    )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    membership.user.groups.remove(old_group)
    membership.user.groups.add(role.group)
    _revoke_keys_beyond_their_people(
        actor=actor, keys=ApiKey.objects.filter(accountable_person=membership.user)
    )
    return membership


@transaction.atomic
def member_remove(*, actor: Principal | None, membership: Membership) -> None:
    owners = _lock_owners()
    membership = Membership.objects.select_for_update().select_related("role").get(pk=membership.pk)
    if not (actor and actor.user and actor.user.pk == membership.user_id):
        require_grantable(actor, membership.role)
    if membership.pk in owners and len(owners) == 1:
        raise Conflict(
            "the last owner cannot be removed; make someone else owner first", code="last_owner"
        )
    audit.record(
        "member.removed",
        actor=actor,
        target=audit.Target.of(membership, membership.user.email),
        changes={"role": [membership.role.slug, None]},
    )
    membership.user.groups.remove(membership.role.group)
    membership.delete()
    _end_access(actor=actor, user=membership.user)


def _end_access(*, actor: Principal | None, user: User) -> None:
    """A removed member loses access at once: their grants on this tenant's digests are
    withdrawn and every session they signed in with is deleted (receivers of
    `member_removed` in digests and sso), and every API key they are accountable for in
    this tenant is revoked (those made with their keys included)."""
    member_removed.send(sender=Membership, user=user)
    _revoke_keys_beyond_their_people(
        actor=actor, keys=ApiKey.objects.filter(accountable_person=user)
    )


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


def _revoke_keys_beyond_their_people(*, actor: Principal | None, keys) -> list[ApiKey]:
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


# --- API keys ---------------------------------------------------------------------------------

KEY_PREFIX = "dp"  # every key reads dp_<prefix>_<secret>
PREFIX_CHARS = 10
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash_secret(token: str) -> str:
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
        secret_hash=_hash_secret(token),
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
        secret_hash=_hash_secret(token),
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


# Every API request looks its key up with its tenant and role. Through the ORM, compiling
# that query cost nearly nine tenths of the lookup (about 0.9 of 1.1 ms of CPU), so it is
# written once from the models' own columns and read back with `Model.from_db`, as the
# ORM's select_related would; a test compares the two field by field. Where a column
# needs a converter on the way out, the ORM reads it.
_KEY_MODELS = ((ApiKey, "k"), (Tenant, "t"), (Role, "r"))


def _needs_converters(model) -> bool:
    table = model._meta.db_table
    return any(
        f.get_db_converters(connection) or connection.ops.get_db_converters(f.get_col(table))
        for f in model._meta.concrete_fields
    )


@functools.cache
def _key_lookup_sql(in_tenant: bool) -> tuple[str, list[tuple[list[str], int, int]]] | None:
    """The statement (by prefix, and by tenant when `in_tenant`) and each model's slice of
    its columns; None to use the ORM."""
    if any(_needs_converters(model) for model, _ in _KEY_MODELS):
        return None
    quote = connection.ops.quote_name
    columns: list[str] = []
    parts = []
    for model, alias in _KEY_MODELS:
        fields = model._meta.concrete_fields
        start = len(columns)
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        parts.append(([f.attname for f in fields], start, len(columns)))
    # Identifiers from the models only, quoted; the prefix and the tenant are parameters.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(ApiKey._meta.db_table)} k "  # noqa: S608
        f"JOIN {quote(Tenant._meta.db_table)} t ON t.id = k.tenant_id "
        f"JOIN {quote(Role._meta.db_table)} r ON r.id = k.role_id "
        # A key works only while its person may: a deactivated user's keys are not found.
        f"JOIN {quote(User._meta.db_table)} u ON u.id = k.accountable_person_id AND u.is_active "
        "WHERE k.prefix = %s" + (" AND k.tenant_id = %s" if in_tenant else "") + " ORDER BY k.id"
    )
    return sql, parts


def keys_with_prefix(prefix: str) -> list[ApiKey]:
    """Every key with this prefix in the current scope whose accountable person is an
    active user (a deactivated person's keys stop working with them), its tenant and role
    loaded: every tenant's in platform scope (a read across tenants, like `.unscoped()`),
    the current tenant's own in `tenant_context`."""
    # current_tenant() raises with no tenant, as the managers do.
    tenant_id = None if in_platform_scope() else current_tenant().pk
    lookup = _key_lookup_sql(tenant_id is not None)
    if lookup is None:
        keys = (
            ApiKey.objects.unscoped()
            .select_related("tenant", "role")
            .filter(prefix=prefix, accountable_person__is_active=True)
        )
        if tenant_id is not None:
            keys = keys.filter(tenant_id=tenant_id)
        return list(keys)
    sql, ((key_names, k0, k1), (tenant_names, t0, t1), (role_names, r0, r1)) = lookup
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix] if tenant_id is None else [prefix, tenant_id])
        rows = cursor.fetchall()
    keys = []
    for row in rows:
        key = ApiKey.from_db(connection.alias, key_names, row[k0:k1])
        key.tenant = Tenant.from_db(connection.alias, tenant_names, row[t0:t1])
        key.role = Role.from_db(connection.alias, role_names, row[r0:r1])
        keys.append(key)
    return keys


def api_key_authenticate(token: str) -> ApiKey | None:
    """The active key for `token`, or None. Compares hashes in constant time."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    prefix = parts[1]
    presented = _hash_secret(token)
    now = timezone.now()
    cache = key_cache.listener()
    if cache is not None:
        remembered = cache.recall(presented)
        if remembered is not None and remembered.status_at(now) == "active":
            # Served from memory only while this request's own transaction reads the
            # tenant's security generation the key was read with: any change to the key,
            # its role, its tenant or the policies in force committed since has moved it
            # on (tenants.models.Tenant.security_generation), on whichever process it was
            # made, notified or not. The read travels with the transaction's BEGIN.
            with tenant_context(remembered.tenant):
                current = security_generation(remembered.tenant_id)
            if current == remembered.tenant.security_generation:
                return remembered
            cache.forget(remembered.tenant_id)
        # Taken before the lookup: a change notified during it keeps its result out.
        generation = cache.generation()
    with platform_scope():
        match = _matching(keys_with_prefix(prefix), presented)
    if match is None or match.status_at(now) != "active":
        return None
    if cache is not None:
        cache.remember(match, generation)
    return match


def _matching(candidates: list[ApiKey], presented: str) -> ApiKey | None:
    match = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.secret_hash, presented):
            match = candidate
    return match


def api_key_use_is_stale(api_key: ApiKey) -> bool:
    """Whether the recorded last use is older than LAST_USED_RESOLUTION."""
    last = api_key.last_used_at
    return last is None or timezone.now() - last > LAST_USED_RESOLUTION


def api_key_record_use(api_key: ApiKey) -> None:
    """Note that `api_key` was used, at most once per LAST_USED_RESOLUTION.

    Called after the response, outside the request's transaction, so that a refused or
    failed request (whose transaction is rolled back) still leaves its trace.
    """
    if not api_key_use_is_stale(api_key):
        return
    now = timezone.now()
    with platform_scope():
        this_key = ApiKey.objects.unscoped().filter(pk=api_key.pk)
        # Only if nobody (another process remembering the key too) recorded it lately.
        written = this_key.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        if not written:
            now = this_key.values_list("last_used_at", flat=True).first() or now
    api_key.last_used_at = now
    cache = key_cache.listener()
    if cache is not None:
        cache.note_use(api_key)
