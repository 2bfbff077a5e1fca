"""How a SCIM request is authenticated and throttled: `Authorization: Bearer scim_...`,
a token of the tenant the URL names (scim.views makes that tenant current first)."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from core.throttling import PrincipalRateThrottle
from scim.models import ScimToken
from scim.selectors import scim_token_for
from scim.services import ScimActor
from tenants.context import current_tenant


class ScimTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'."
            )
        token = scim_token_for(header[1].decode("ascii", "replace"))
        if token is None:
            raise exceptions.AuthenticationFailed(
                "The SCIM token is invalid or revoked, or belongs to another tenant."
            )
        return ScimActor(tenant=current_tenant(), scim_token=token), token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="scim"'


class ScimRateThrottle(PrincipalRateThrottle):
    """The API's per-caller limit (API_THROTTLE_RATE), counted per SCIM token."""

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ScimToken):
            return f"throttle:{self.scope}:scim:{request.auth.pk}"
        return super().get_cache_key(request, view)
