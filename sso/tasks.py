"""Jobs the worker runs for SSO (`celery -A config worker`, docs/operations.md "Workers")."""

from __future__ import annotations

import time

from django.db.models import F
from social_django.models import Association

from config.celery import app


def purge_expired_nonces(now: int | None = None) -> int:
    """Delete the OpenID Connect nonces whose lifetime has passed (python-social-auth
    keeps them as `Association` rows, and a sign-in that is never completed leaves its
    own behind); how many."""
    now = int(time.time()) if now is None else now
    expired = Association.objects.alias(ends=F("issued") + F("lifetime")).filter(ends__lt=now)
    deleted, _ = expired.delete()
    return deleted


@app.task(name="sso.purge_expired_nonces", ignore_result=True)
def purge_expired_nonces_task() -> int:
    return purge_expired_nonces()
