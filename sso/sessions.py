"""Remembering each user's sessions, so that removing a member ends them at once.

Django's session store cannot be searched by user; a row per sign-in (written on
`user_logged_in`, for passwords and SSO alike) names the sessions to delete.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from sso.models import UserSession
from tenants.authentication import SSO_TENANT_SESSION_KEY
from tenants.signals import member_removed


@receiver(user_logged_in)
def _remember_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None or getattr(user, "pk", None) is None:
        return
    if session.get(BACKEND_SESSION_KEY) in PASSWORD_BACKENDS:
        # A password sign-in is nobody's SSO session: a tenant binding left by an earlier
        # SSO sign-in in the same browser must not carry over.
        session.pop(SSO_TENANT_SESSION_KEY, None)
    if session.session_key is None:
        session.save()
    UserSession.objects.get_or_create(
        session_key=session.session_key,
        defaults={"user": user, "backend": session.get(BACKEND_SESSION_KEY, "")},
    )


PASSWORD_BACKENDS = ("sso.auth.PasswordBackend", "django.contrib.auth.backends.ModelBackend")


def end_sessions(user, *, password_only: bool = False) -> int:
    """Delete the sessions `user` signed in with (only those signed in with a password, if
    asked); how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = UserSession.objects.filter(user=user)
    if password_only:
        rows = rows.filter(backend__in=PASSWORD_BACKENDS)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


@receiver(member_removed)
def _end_removed_members_sessions(sender, user, **kwargs) -> None:
    end_sessions(user)
