"""`Authorization: Bearer dp_...` API keys for internal apps."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from core.request_context import after_response
from tenants.models import ApiKey
from tenants.services import api_key_authenticate, api_key_record_use, api_key_use_is_stale


class ApiKeyActor:
    """`request.user` for a request made with an API key: authenticated, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Bearer <key>'.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        api_key = api_key_authenticate(token)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is invalid, expired or revoked.")
        # Recorded after the response, outside the request's transaction, so refused
        # requests are recorded too.
        if api_key_use_is_stale(api_key):
            after_response(request, lambda: api_key_record_use(api_key))
        return ApiKeyActor(api_key), api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


# Headers other APIs read keys from; this one reads only `Authorization: Bearer`.
OTHER_KEY_HEADERS = ("HTTP_X_API_KEY", "HTTP_API_KEY", "HTTP_X_API_TOKEN", "HTTP_X_AUTH_TOKEN")


def missing_credentials_detail(request) -> str:
    """The 401 detail for a request that authenticated as nobody: what was not understood,
    and how to send a key."""
    how = "send an API key as 'Authorization: Bearer <key>', or sign in at /api/auth/login/"
    scheme = authentication.get_authorization_header(request).split(b" ", 1)[0]
    if scheme and scheme.lower() != ApiKeyAuthentication.keyword.lower().encode():
        shown = scheme[:20].decode("ascii", "replace")
        return f"The Authorization scheme {shown!r} is not one this API reads: {how}."
    for name in OTHER_KEY_HEADERS:
        if name in request.META:
            header = name.removeprefix("HTTP_").replace("_", "-").title()
            return f"The {header} header is not read here: {how}."
    return f"Authentication credentials were not provided: {how}."
