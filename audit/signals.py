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


def record_sign_in(user, *, method: str, outcome: str, reason: str = "") -> int:
    """Record a sign-in attempt of `user` in each of their tenants; how many were written."""
    with platform_scope():
        tenants = [
            m.tenant
            for m in Membership.objects.unscoped().filter(user=user).select_related("tenant")
        ]
    changes = {"method": method}
    if reason:
        changes["reason"] = reason
    for tenant in tenants:
        record_for(
            tenant,
            "auth.sign_in" if outcome == AuditEvent.Outcome.SUCCESS else "auth.sign_in_failed",
            actor=user,
            target=Target(type="user", id=user.pk, display=user.email),
            changes=changes,
            outcome=outcome,
        )
    return len(tenants)


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
    if user is not None:  # unknown addresses belong to no tenant's log
        record_sign_in(
            user,
            method="password",
            outcome=AuditEvent.Outcome.FAILURE,
            reason="wrong password or inactive account",
        )
