"""Rate limits per API key and per user, counted in the shared cache (Redis when set).

When the cache is unreachable the throttle fails open: a Redis outage must not take the
API down, and the limits protect capacity rather than guard access.
"""

from __future__ import annotations

import logging

from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class PrincipalRateThrottle(SimpleRateThrottle):
    scope = "principal"

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        # request.auth is what the authenticator vouched for besides the user: the API
        # key of a key's request, None for a session's.
        # A caller with no stored identity (no key id, no user id) is counted by address,
        # never in one bucket shared by all such callers.
        credential = getattr(request.auth, "pk", None)
        person = getattr(request.user, "pk", None)
        if credential is not None:
            ident = f"key:{credential}"
        elif person is not None and request.user.is_authenticated:
            ident = f"user:{person}"
        else:
            self.scope = "anon"
            self.rate = self.get_rate()
            self.num_requests, self.duration = self.parse_rate(self.rate)
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # the cache backend's connection errors vary by client
            logger.warning("throttle cache unavailable, allowing request: %s", exc)
            return True
