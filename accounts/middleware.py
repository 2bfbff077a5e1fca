"""Keeps each signed-in session's last use (sso.models.UserSession.last_seen_at) to the
minute, for the list of a person's sessions. Runs inside SessionMiddleware, after the
view: the session's own note of it is saved with the response, unless the request
ended that session."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib.auth import SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import MFA_PENDING_SESSION_KEY
from core.problems import problem_response
from sso.models import UserSession
from tenants.authentication import SESSION_SEEN_AT_SESSION_KEY

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
        if now - session.get(SESSION_SEEN_AT_SESSION_KEY, 0) >= RESOLUTION_SECONDS:
            session[SESSION_SEEN_AT_SESSION_KEY] = now
            UserSession.objects.filter(session_key=session.session_key).update(
                last_seen_at=timezone.now()
            )
        if session.modified and not session.exists(session.session_key):
            # The request ended its own session (requiring SSO ends the password sessions,
            # the requester's among them): what it noted goes with it, rather than
            # SessionMiddleware refusing to bring the session back.
            session.modified = False
        return response


class PendingSecondFactorMiddleware:
    """A session whose password was right but whose second factor is still to come
    reaches only the code page and sign-out: every other page redirects there, and the
    API answers 401. Whatever signed the session in (this project's sign-in page, the
    admin's), no other path treats it as signed in."""

    ALLOWED = ("/accounts/login/", "/accounts/logout/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is None
            or session.session_key is None
            or not session.get(MFA_PENDING_SESSION_KEY)
            or request.path.startswith(self.ALLOWED)
        ):
            return self.get_response(request)
        verify = reverse("accounts:mfa_verify")
        if request.path.startswith("/api/"):
            return problem_response(
                401,
                "mfa_pending",
                f"Enter the code from your authenticator at {verify} to finish signing in.",
                request=request,
            )
        return redirect(f"{verify}?{urlencode({'next': request.get_full_path()})}")
