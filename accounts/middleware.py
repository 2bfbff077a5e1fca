"""Keeps each signed-in session's last use (sso.models.UserSession.last_seen_at) to the
minute, for the list of a person's sessions. Runs inside SessionMiddleware, after the
view: the session's own note of it is saved with the response, unless the request
ended that session."""

from __future__ import annotations

import time

from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from sso.models import UserSession

SEEN_AT_SESSION_KEY = "_seen_at"
RESOLUTION_SECONDS = 60


class SessionActivityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # No session cookie: nothing is read (API keys never reach the session store).
        if session is None or session.session_key is None or SESSION_KEY not in session:
            return response
        now = int(time.time())
        if now - session.get(SEEN_AT_SESSION_KEY, 0) >= RESOLUTION_SECONDS:
            session[SEEN_AT_SESSION_KEY] = now
            UserSession.objects.filter(session_key=session.session_key).update(
                last_seen_at=timezone.now()
            )
        if session.modified and not session.exists(session.session_key):
            # The request ended its own session (requiring SSO ends the password sessions,
            # the requester's among them): what it noted goes with it, rather than
            # SessionMiddleware refusing to bring the session back.
            session.modified = False
        return response
