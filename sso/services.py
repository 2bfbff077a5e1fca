"""Writes for SSO: connections, verified domains, enforcement, and the sign-in steps.

Like every service here: keyword-only, the tenant from the context, audit events in the
same transaction, `ServiceError`s for refusals (problem documents at the API).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import secrets

from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from social_django.models import UserSocialAuth

from audit import services as audit
from core.exceptions import Conflict, ServiceError
from sso.models import Connection, SamlAssertion, VerifiedDomain
from tenants import rbac
from tenants.context import current_tenant, platform_scope
from tenants.models import Membership, Role, Tenant
from tenants.principals import Principal, require_grantable
from tenants.signals import role_deleting

DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")

# Fields whose values are never written into the audit log, only that they changed.
_SECRET_FIELDS = {"client_secret"}


class SignInRefused(Exception):
    """A sign-in the platform refuses on purpose; `message` is shown to the person."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Connections --------------------------------------------------------------------------------


def fingerprint(certificate: str) -> str:
    """A certificate (base64 DER, as stored) by its SHA-256 fingerprint: what the audit
    log keeps, so a rotated certificate shows as a change."""
    try:
        der = base64.b64decode(certificate)
    except (ValueError, binascii.Error):
        der = certificate.encode()
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _snapshot(connection: Connection) -> dict:
    return {
        "name": connection.name,
        "enabled": connection.enabled,
        "default_role": connection.default_role.slug,
        "issuer": connection.issuer,
        "client_id": connection.client_id,
        "client_secret": "(set)" if connection.client_secret_encrypted else "",
        "scopes": connection.scopes,
        "idp_entity_id": connection.idp_entity_id,
        "idp_sso_url": connection.idp_sso_url,
        "idp_certificates": [fingerprint(c) for c in connection.idp_certificates or []],
        "idp_metadata_url": connection.idp_metadata_url,
        "mapping": connection.mapping,
        "group_roles": connection.group_roles,
    }


def _check_roles(
    actor: Principal | None, default_role: Role | None, group_roles: list[dict] | None
) -> list[dict]:
    """The roles a connection hands out: never owner, and none holding more than the
    person configuring it holds (signing in through the connection would otherwise be a
    way to grant oneself a stronger role)."""
    if default_role is not None and default_role.slug == rbac.OWNER:
        raise ServiceError("SSO cannot hand out the owner role", code="owner_by_sso")
    if default_role is not None:
        require_grantable(actor, default_role)
    checked = []
    known = {role.slug: role for role in Role.objects.all()}
    for index, entry in enumerate(group_roles or []):
        slug = entry["role"]
        if slug not in known:
            raise ServiceError(f"group_roles.{index}: no role {slug!r}", code="unknown_role")
        if slug == rbac.OWNER:
            raise ServiceError(
                f"group_roles.{index}: SSO cannot hand out the owner role", code="owner_by_sso"
            )
        require_grantable(actor, known[slug])
        checked.append({"group": entry["group"], "role": slug})
    return checked


@transaction.atomic
def connection_create(*, actor: Principal | None, protocol: str, **fields) -> Connection:
    tenant = current_tenant()
    secret = fields.pop("client_secret", "")
    fields["group_roles"] = _check_roles(
        actor, fields.get("default_role"), fields.get("group_roles")
    )
    if Connection.objects.filter(name=fields["name"]).exists():
        raise Conflict(f"a connection named {fields['name']!r} exists", code="connection_exists")
    connection = Connection(tenant=tenant, protocol=protocol, **fields)
    connection.client_secret = secret
    connection.save()
    audit.record(
        "sso.connection_created",
        actor=actor,
        target=audit.Target.of(connection, connection.name),
        changes=audit.diff({}, {"protocol": protocol, **_snapshot(connection)}),
    )
    return connection


@transaction.atomic
def connection_update(*, actor: Principal | None, connection: Connection, **fields) -> Connection:
    connection = (
        Connection.objects.select_for_update().select_related("default_role").get(pk=connection.pk)
    )
    before = _snapshot(connection)
    if "group_roles" in fields or "default_role" in fields:
        fields["group_roles"] = _check_roles(
            actor, fields.get("default_role"), fields.get("group_roles", connection.group_roles)
        )
    name = fields.get("name")
    if name and Connection.objects.filter(name=name).exclude(pk=connection.pk).exists():
        raise Conflict(f"a connection named {name!r} exists", code="connection_exists")
    if fields.get("enabled") is False and connection.enabled:
        _require_an_enabled_connection_left(connection)
    secret_changed = "client_secret" in fields
    if secret_changed:
        connection.client_secret = fields.pop("client_secret")
    for field, value in fields.items():
        setattr(connection, field, value)
    connection.save()
    changes = audit.diff(before, _snapshot(connection))
    if secret_changed:
        changes["client_secret"] = ["(set)" if before["client_secret"] else "", "(replaced)"]
    if changes:
        audit.record(
            "sso.connection_updated",
            actor=actor,
            target=audit.Target.of(connection, connection.name),
            changes=changes,
        )
    return connection


@transaction.atomic
def connection_refresh_metadata(
    *, actor: Principal | None, connection: Connection, url: str, **fields
) -> Connection:
    """Take what the provider's metadata at `url` names now (`idp_entity_id`,
    `idp_sso_url`, `idp_certificates`: fetched and checked by the caller). Recorded
    whether or not anything changed: the log says when the keys were last taken."""
    connection = (
        Connection.objects.select_for_update().select_related("default_role").get(pk=connection.pk)
    )
    if connection.idp_metadata_url != url:
        raise Conflict(
            "the connection's metadata URL changed meanwhile; fetch again",
            code="metadata_url_changed",
        )
    before = _snapshot(connection)
    for field in ("idp_entity_id", "idp_sso_url", "idp_certificates"):
        if field in fields:
            setattr(connection, field, fields[field])
    connection.save()
    audit.record(
        "sso.metadata_refreshed",
        actor=actor,
        target=audit.Target.of(connection, connection.name),
        changes={"url": [None, url], **audit.diff(before, _snapshot(connection))},
    )
    return connection


def role_slug_for_groups(connection: Connection, groups: set[str]) -> str:
    """The role a person in `groups` gets through `connection`: the first entry of its
    `group_roles` naming one of their groups (the mapping is in order of precedence), or
    its default role. Used at every SSO sign-in (sso/pipeline.py) and by SCIM (scim/)."""
    return next(
        (entry["role"] for entry in connection.group_roles or [] if entry["group"] in groups),
        connection.default_role.slug,
    )


def sign_in_role(connection: Connection, membership, groups: set[str]) -> tuple[str, str]:
    """The role a sign-in through `connection` leaves a person in `groups` with (their
    `membership` in its tenant, None for a new member), and why. The sign-in applies it
    (sso.pipeline.apply_roles); the test sign-in reports it (sso.trial)."""
    if membership is not None and membership.role.preset and membership.role.slug == rbac.OWNER:
        return membership.role.slug, "their role now: owners are never changed by a group"
    if membership is not None and not connection.group_roles:
        return membership.role.slug, "their role now: this connection maps no groups"
    for entry in connection.group_roles or []:
        if entry["group"] in groups:
            return entry["role"], f"group {entry['group']}"
    return connection.default_role.slug, "the connection's default role"


def connections_using_role(role: Role) -> list[str]:
    """Names of the current tenant's connections that give out `role`."""
    return [
        connection.name
        for connection in Connection.objects.all()
        if connection.default_role_id == role.pk
        or any(entry.get("role") == role.slug for entry in connection.group_roles or [])
    ]


@receiver(role_deleting)
def _keep_roles_connections_give_out(sender, role: Role, **kwargs) -> None:
    """A role that a connection gives out cannot be deleted (tenants.services.roles.role_delete)."""
    if connections_using_role(role):
        raise Conflict(
            "SSO connections hand out this role (default role or group mapping); change them first",
            code="role_in_use",
        )


def _require_an_enabled_connection_left(excluding: Connection) -> None:
    requires_sso = Tenant.objects.filter(pk=current_tenant().pk, require_sso=True).exists()
    if (
        requires_sso
        and not Connection.objects.filter(enabled=True).exclude(pk=excluding.pk).exists()
    ):
        raise Conflict(
            "the tenant requires SSO and this is its last enabled connection; turn the "
            "requirement off first",
            code="last_sso_connection",
        )


@transaction.atomic
def connection_delete(*, actor: Principal | None, connection: Connection) -> None:
    _require_an_enabled_connection_left(connection)
    audit.record(
        "sso.connection_deleted", actor=actor, target=audit.Target.of(connection, connection.name)
    )
    # Its identities go too: they mean nothing without the connection.
    UserSocialAuth.objects.filter(
        provider=connection.backend_name, uid__startswith=f"{connection.pk}:"
    ).delete()
    connection.delete()


# --- Verified domains ---------------------------------------------------------------------------


def normalize_domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ServiceError(f"{value!r} is not a domain name", code="invalid_domain") from None
    if not DOMAIN_RE.match(domain):
        raise ServiceError(f"{value!r} is not a domain name", code="invalid_domain")
    return domain


def _claimed_elsewhere(domain: str, tenant: Tenant) -> bool:
    with platform_scope():
        return (
            VerifiedDomain.objects.unscoped()
            .filter(domain=domain, verified_at__isnull=False)
            .exclude(tenant=tenant)
            .exists()
        )


@transaction.atomic
def domain_add(*, actor: Principal | None, domain: str) -> VerifiedDomain:
    tenant = current_tenant()
    domain = normalize_domain(domain)
    if VerifiedDomain.objects.filter(domain=domain).exists():
        raise Conflict(f"{domain} is already added", code="domain_exists")
    if _claimed_elsewhere(domain, tenant):
        raise Conflict(f"{domain} is verified by another tenant", code="domain_claimed")
    record = VerifiedDomain.objects.create(
        tenant=tenant, domain=domain, token=secrets.token_urlsafe(24)
    )
    audit.record("sso.domain_added", actor=actor, target=audit.Target.of(record, domain))
    return record


@transaction.atomic
def domain_verify(
    *, actor: Principal | None, record: VerifiedDomain, skip_dns: bool = False
) -> VerifiedDomain:
    """Mark the domain verified once its TXT record is found (or an operator vouches)."""
    from sso import dns

    tenant = current_tenant()
    record = VerifiedDomain.objects.select_for_update().get(pk=record.pk)
    if record.verified_at is not None:
        return record
    if _claimed_elsewhere(record.domain, tenant):
        raise Conflict(f"{record.domain} is verified by another tenant", code="domain_claimed")
    if not skip_dns:
        found = dns.txt_records(record.domain)
        if record.txt_record not in found:
            raise Conflict(
                f"no TXT record {record.txt_record!r} found on {record.domain}; DNS changes "
                "can take a while to be visible",
                code="domain_not_verified",
            )
    record.verified_at = timezone.now()
    try:
        with transaction.atomic():
            record.save(update_fields=["verified_at", "updated_at"])
    except IntegrityError:
        raise Conflict(
            f"{record.domain} is verified by another tenant", code="domain_claimed"
        ) from None
    audit.record(
        "sso.domain_verified",
        actor=actor,
        target=audit.Target.of(record, record.domain),
        changes={"method": [None, "operator" if skip_dns else "dns"]},
    )
    return record


@transaction.atomic
def domain_delete(*, actor: Principal | None, record: VerifiedDomain) -> None:
    audit.record("sso.domain_removed", actor=actor, target=audit.Target.of(record, record.domain))
    record.delete()


def domain_is_verified(tenant: Tenant, email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    with platform_scope():
        return (
            VerifiedDomain.objects.unscoped()
            .filter(tenant=tenant, domain=domain, verified_at__isnull=False)
            .exists()
        )


def discover(email: str) -> Connection | None:
    """The enabled connection of the tenant that verified the email's domain."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    with platform_scope():
        record = (
            VerifiedDomain.objects.unscoped()
            .filter(domain=domain, verified_at__isnull=False, tenant__status=Tenant.Status.ACTIVE)
            .select_related("tenant")
            .first()
        )
        if record is None:
            return None
        return (
            Connection.objects.unscoped()
            .filter(tenant=record.tenant, enabled=True)
            .select_related("tenant")
            .order_by("id")
            .first()
        )


# --- Enforcement --------------------------------------------------------------------------------

KEEP = object()  # settings_update: leave this setting as it is


@transaction.atomic
def settings_update(
    *,
    actor: Principal | None,
    require_sso: bool | None = None,
    break_glass: list[str] | None = None,
    require_mfa: bool | None = None,
    session_idle_minutes: int | object | None = KEEP,
    session_max_hours: int | object | None = KEEP,
) -> Tenant:
    """Change what is given; for the session lifetimes None means no limit, and KEEP
    (the default) leaves the value as it is."""
    tenant = Tenant.objects.select_for_update().get(pk=current_tenant().pk)
    changes = {}
    plain = {
        "require_mfa": KEEP if require_mfa is None else require_mfa,
        "session_idle_minutes": session_idle_minutes,
        "session_max_hours": session_max_hours,
    }
    for name, value in plain.items():
        if value is not KEEP and getattr(tenant, name) != value:
            changes[name] = [getattr(tenant, name), value]
            setattr(tenant, name, value)
            tenant.save(update_fields=[name])
    if break_glass is not None:
        wanted = {email.strip().lower() for email in break_glass}
        owners = {
            m.user.email.lower(): m
            for m in Membership.objects.select_related("user", "role").filter(
                role__slug=rbac.OWNER, role__preset=True
            )
        }
        unknown = sorted(wanted - set(owners))
        if unknown:
            raise ServiceError(
                f"break-glass accounts must be owners of this tenant: {', '.join(unknown)}",
                code="break_glass_not_owner",
            )
        before = sorted(email for email, m in owners.items() if m.break_glass)
        Membership.objects.filter(pk__in=[m.pk for m in owners.values()]).update(break_glass=False)
        Membership.objects.filter(pk__in=[owners[email].pk for email in wanted]).update(
            break_glass=True
        )
        if before != sorted(wanted):
            changes["break_glass"] = [before, sorted(wanted)]
    if require_sso is not None and require_sso != tenant.require_sso:
        if require_sso and not Connection.objects.filter(enabled=True).exists():
            raise Conflict(
                "add and enable an SSO connection before requiring SSO", code="no_sso_connection"
            )
        changes["require_sso"] = [tenant.require_sso, require_sso]
        tenant.require_sso = require_sso
        tenant.save(update_fields=["require_sso"])
        if require_sso:
            changes["password_sessions_ended"] = [None, _end_password_sessions()]
    if changes:
        audit.record(
            "sso.settings_changed",
            actor=actor,
            target=audit.Target(type="tenant", id=tenant.pk, display=tenant.slug),
            changes=changes,
        )
    return tenant


def _end_password_sessions() -> int:
    """Requiring SSO also ends the password sessions already open, except break-glass
    owners' (those who may still use a password elsewhere lose only what they opened with
    one; they sign in again through SSO)."""
    from sso.sessions import end_sessions

    ended = 0
    for membership in Membership.objects.select_related("user", "role"):
        if membership.is_break_glass_owner:
            continue
        ended += end_sessions(membership.user, password_only=True)
    return ended


def password_refused(user) -> bool:
    """Whether no tenant of `user` accepts a password: each requires SSO and they are not
    a break-glass owner there. A person who also belongs to a tenant without that rule
    signs in with their password for it; the tenants requiring SSO then refuse that
    session on every request (tenants.api_base), so one tenant's rule never locks them
    out of another."""
    with platform_scope():
        memberships = list(
            Membership.objects.unscoped().filter(user=user).select_related("role", "tenant")
        )
    return bool(memberships) and not any(
        not m.tenant.require_sso or m.is_break_glass_owner for m in memberships
    )


# --- SAML replay ----------------------------------------------------------------------------


def assertion_consume(
    *, connection: Connection, assertion_id: str | None, not_on_or_after: int | None
) -> None:
    """Accept a validated assertion id once; a second time it is a replay."""
    if not assertion_id:
        raise SignInRefused("saml_assertion_without_id", "The SAML assertion has no ID.")
    now = timezone.now()
    # Kept until the assertion expires, and at least a day when it names no expiry.
    expires = (
        dt.datetime.fromtimestamp(not_on_or_after, tz=dt.UTC)
        if not_on_or_after
        else now + dt.timedelta(days=1)
    )
    SamlAssertion.objects.filter(connection=connection, expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            SamlAssertion.objects.create(
                tenant=connection.tenant,
                connection=connection,
                assertion_id=assertion_id[:256],
                expires_at=max(expires, now + dt.timedelta(minutes=5)),
            )
    except IntegrityError:
        raise SignInRefused(
            "saml_replay", "This SAML assertion was already used. Please sign in again."
        ) from None
