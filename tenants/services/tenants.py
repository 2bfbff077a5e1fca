"""Creating a tenant: the tenant, its preset roles and, when named, its first owner, who
is sent an invitation to set their password (or to sign in through SSO)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from audit import services as audit
from core.exceptions import Conflict, ServiceError
from tenants import rbac
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant
from tenants.services.invitations import InvitationLink, invitation_create
from tenants.services.members import membership_add, user_get_or_create
from tenants.services.roles import ensure_preset_roles


@dataclass(frozen=True)
class NewTenant:
    tenant: Tenant
    owner_invitation: InvitationLink | None  # its link is shown to the operator once


@transaction.atomic
def tenant_create(
    *, slug: str, name: str, owner_email: str | None = None, site: str | None = None
) -> NewTenant:
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
        link = None
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
                link = invitation_create(actor=None, user=user, role=roles[rbac.OWNER], site=site)
    return NewTenant(tenant, link)
