"""Passwords: locked out after too many wrong ones, refused where a tenant requires SSO.

Every password sign-in (the sign-in page, the browsable API's, the admin) goes through
Django's ModelBackend; this subclass adds two rules:
- too many wrong passwords for one account, or from one address, and sign-in is refused
  for a while without the password being checked (accounts.lockout);
- a person who belongs to a tenant requiring SSO signs in through that tenant's
  provider, unless they are an owner marked as break-glass there (the way back in when
  the provider is broken).
What happened is left on the request (`sign_in_locked_until`, `sign_in_refused_locked`,
`sso_password_refused`) for the sign-in form's message and the audit log.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.lockout import SignInAttempt
from audit.models import AuditEvent
from audit.signals import record_sign_in


class PasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        from sso.services import password_refused

        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        attempt = SignInAttempt.of(username, request)
        with transaction.atomic():
            attempt.serialise()
            locked_until = attempt.locked_until()
            if locked_until is not None:
                _leave(request, sign_in_locked_until=locked_until, sign_in_refused_locked=True)
                # Stops Django trying other backends; it then sends user_login_failed.
                raise PermissionDenied
            user = super().authenticate(request, username=username, password=password, **kwargs)
            if user is None:
                _leave(request, sign_in_locked_until=attempt.failed())
                return None
            attempt.succeeded()
        if not password_refused(user):
            return user
        _leave(request, sso_password_refused=True)
        record_sign_in(
            user,
            method="password",
            outcome=AuditEvent.Outcome.DENIED,
            reason="the tenant requires single sign-on",
        )
        return None


def _leave(request, **facts) -> None:
    if request is not None:
        for name, value in facts.items():
            setattr(request, name, value)
