"""How long audit events are kept: owners set it through the API, the operator's
`audit_purge` (run as the database owner) applies it.

The retention in force for a tenant is the operator's `AuditChain.retention_days` when
set, else the owners' `AuditRetention` as of now. Shortening waits
AUDIT_RETENTION_SHORTENING_DELAY_DAYS before it holds (the trail of a hijacked owner
account survives long enough to be read), and no retention may be shorter than
AUDIT_MIN_RETENTION_DAYS.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import services as audit
from audit.models import AuditChain, AuditRetention
from core.exceptions import ServiceError
from tenants.context import current_tenant
from tenants.principals import Principal


def owners_retention() -> AuditRetention | None:
    return AuditRetention.objects.first()


def in_force(now: dt.datetime | None = None) -> int | None:
    """The current tenant's retention in days now (None: keep everything)."""
    chain = AuditChain.objects.first()
    if chain is not None and chain.retention_days:
        return chain.retention_days
    setting = owners_retention()
    return setting.days_at(now or timezone.now()) if setting else None


def _shorter(new: int | None, old: int | None) -> bool:
    return new is not None and (old is None or new < old)


@transaction.atomic
def retention_set(*, actor: Principal | None, days: int | None) -> AuditRetention:
    if days is not None and days < settings.AUDIT_MIN_RETENTION_DAYS:
        raise ServiceError(
            f"audit events are kept at least {settings.AUDIT_MIN_RETENTION_DAYS} days",
            code="retention_too_short",
        )
    now = timezone.now()
    tenant = current_tenant()
    setting = AuditRetention.objects.select_for_update().filter(tenant=tenant).first()
    holding = setting.days_at(now) if setting else None
    effective_at = now
    if _shorter(days, holding):
        effective_at = now + dt.timedelta(days=settings.AUDIT_RETENTION_SHORTENING_DELAY_DAYS)
    fields = {
        "days": days,
        "previous_days": holding,
        "effective_at": effective_at,
        "set_by": str(actor.user or actor.api_key) if actor else "operator",
    }
    if setting is None:
        setting = AuditRetention.objects.create(tenant=tenant, **fields)
    else:
        for name, value in fields.items():
            setattr(setting, name, value)
        setting.save()
    audit.record(
        "audit.retention_changed",
        actor=actor,
        target=audit.Target(type="audit_retention", id=tenant.pk, display=tenant.slug),
        changes={"days": [holding, days], "effective_at": [None, effective_at.isoformat()]},
    )
    return setting
