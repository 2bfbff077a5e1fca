"""Passwords, refused to members of tenants that require SSO.

Every password sign-in (the API's session login, the admin) goes through Django's
ModelBackend; this subclass adds one rule: a person who belongs to a tenant requiring
SSO signs in through that tenant's provider, unless they are an owner marked as
break-glass there (the way back in when the provider is broken).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from audit.models import AuditEvent
from audit.signals import record_sign_in


class PasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        from sso.services import password_refused

        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not password_refused(user):
            return user
        if request is not None:
            request.sso_password_refused = True
        record_sign_in(
            user,
            method="password",
            outcome=AuditEvent.Outcome.DENIED,
            reason="the tenant requires single sign-on",
        )
        return None
