"""Remembering each user's sessions, so that removing a member ends them at once.

Django's session store cannot be searched by user; a row per sign-in (written on
`user_logged_in`, for passwords and SSO alike) names the sessions to delete.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from sso.models import UserSession


@receiver(user_logged_in)
def _remember_session(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None or getattr(user, "pk", None) is None:
        return
    if session.session_key is None:
        session.save()
    UserSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})


def end_sessions(user) -> int:
    """Delete every session `user` signed in with; how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)
