"""Django's database sessions, with the person's session list kept in step when a
session's key changes.

Django gives a session a new key on sign-in, on a password change
(`update_session_auth_hash`) and wherever `cycle_key()` is called (the two-factor step).
`sso.models.UserSession` names sessions by key, so a key changed behind its back would
leave a session nobody can list or end. Doing it here, in the one place every key change
goes through, means no caller has to remember.
"""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from sso.models import UserSession


class SessionStore(DatabaseSessionStore):
    def cycle_key(self):
        old = self.session_key
        super().cycle_key()
        if old and old != self.session_key:
            UserSession.objects.filter(session_key=old).update(session_key=self.session_key)
