"""Remembering each user's sessions, so that removing a member ends them at once, an
admin can end a member's, and a person can list and end their own.

Django's session store cannot be searched by user; a row per sign-in (written on
`user_logged_in`, for passwords and SSO alike) names the sessions to delete. The session
itself notes when it signed in, which the tenants' lifetimes are measured from
(tenants.api_base).
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from core.request_context import client_ip
from sso.models import UserSession
from tenants.authentication import (
    SIGNED_IN_AT_SESSION_KEY,
    SSO_TENANT_SESSION_KEY,
    TENANT_SEEN_AT_SESSION_KEY,
)
from tenants.context import platform_scope
from tenants.models import Membership
from tenants.signals import member_removed, member_sessions_ending


@receiver(user_logged_in)
def _remember_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None or getattr(user, "pk", None) is None:
        return
    if session.get(BACKEND_SESSION_KEY) in PASSWORD_BACKENDS:
        # A password sign-in is nobody's SSO session: a tenant binding left by an earlier
        # SSO sign-in in the same browser must not carry over.
        session.pop(SSO_TENANT_SESSION_KEY, None)
    session[SIGNED_IN_AT_SESSION_KEY] = int(time.time())
    session.pop(TENANT_SEEN_AT_SESSION_KEY, None)
    if session.session_key is None:
        session.save()
    UserSession.objects.get_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "backend": session.get(BACKEND_SESSION_KEY, ""),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "address": client_ip(request),
            "last_seen_at": timezone.now(),
        },
    )


PASSWORD_BACKENDS = ("sso.auth.PasswordBackend", "django.contrib.auth.backends.ModelBackend")


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def end_sessions(user, *, password_only: bool = False, keep: str | None = None) -> int:
    """Delete the sessions `user` signed in with (only those signed in with a password, if
    asked; all but the session `keep`, if given); how many."""
    store = _store()
    rows = UserSession.objects.filter(user=user)
    if password_only:
        rows = rows.filter(backend__in=PASSWORD_BACKENDS)
    if keep is not None:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def live_sessions(user) -> list[UserSession]:
    """`user`'s sessions that still exist, newest first; rows of sessions that ended by
    themselves (expired, or signed out) are dropped on the way."""
    store = _store()
    rows = list(UserSession.objects.filter(user=user).order_by("-created_at", "-id"))
    ended = [row.pk for row in rows if not store().exists(row.session_key)]
    UserSession.objects.filter(pk__in=ended).delete()
    return [row for row in rows if row.pk not in ended]


def end_session(row: UserSession) -> None:
    _store()(session_key=row.session_key).delete()
    row.delete()


@receiver(member_removed)
def _end_removed_members_sessions(sender, user, **kwargs) -> None:
    """The removed member's sessions end, unless they still belong to another tenant:
    without the membership they cannot act in this one anyway, and one tenant must not
    sign a person out of the others."""
    with platform_scope():
        elsewhere = Membership.objects.unscoped().filter(user=user).exists()
    if not elsewhere:
        end_sessions(user)


@receiver(member_sessions_ending)
def _end_members_sessions(sender, user, **kwargs) -> int:
    return end_sessions(user)
