"""Sign-ins, written to the chain of every tenant the person belongs to.

Django's authentication signals are the one place every password sign-in passes
through (the browser login and the admin alike); SSO sign-ins record through the same
function from the SSO pipeline.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.services import Target, record_for
from tenants.context import platform_scope
from tenants.models import Membership


def record_for_each_tenant(
    user, action: str, *, changes: dict | None = None, outcome: str = AuditEvent.Outcome.SUCCESS
) -> int:
    """Record what happened to `user` (a sign-in, a new password) in the chain of each
    tenant they belong to; how many events were written."""
    with platform_scope():
        tenants = [
            m.tenant
            for m in Membership.objects.unscoped().filter(user=user).select_related("tenant")
        ]
    for tenant in tenants:
        record_for(
            tenant,
            action,
            actor=user,
            target=Target(type="user", id=user.pk, display=user.email),
            changes=changes,
            outcome=outcome,
        )
    return len(tenants)


def record_sign_in(
    user, *, method: str, outcome: str, reason: str = "", factors: list[str] | None = None
) -> int:
    """Record a sign-in attempt of `user` in each of their tenants; how many were written.
    `factors`: how an identity provider says the person authenticated."""
    changes = {"method": method}
    if reason:
        changes["reason"] = reason
    if factors:
        changes["factors"] = factors
    action = "auth.sign_in" if outcome == AuditEvent.Outcome.SUCCESS else "auth.sign_in_failed"
    return record_for_each_tenant(user, action, changes=changes, outcome=outcome)


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    if getattr(user, "backend", "").startswith("sso.backends."):
        return  # SSO sign-ins are recorded by their pipeline (sso/pipeline.py)
    record_sign_in(user, method="password", outcome=AuditEvent.Outcome.SUCCESS)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    if getattr(request, "sso_password_refused", False):
        return  # sso.auth.PasswordBackend recorded why
    email = (credentials.get("username") or credentials.get("email") or "").strip()
    if not email:
        return
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:  # unknown addresses belong to no tenant's log
        return
    locked_until = getattr(request, "sign_in_locked_until", None)
    if getattr(request, "sign_in_refused_locked", False):
        outcome, reason = AuditEvent.Outcome.DENIED, "too many failed sign-ins"
    else:
        outcome, reason = AuditEvent.Outcome.FAILURE, "wrong password or inactive account"
    if locked_until is not None:
        reason += f"; password sign-in locked until {locked_until:%Y-%m-%dT%H:%M:%SZ}"
    record_sign_in(user, method="password", outcome=outcome, reason=reason)
