"""`Authorization: Bearer dp_...` API keys for internal apps."""

from __future__ import annotations

from django.db import transaction
from rest_framework import authentication, exceptions

from tenants.models import ApiKey
from tenants.services import api_key_authenticate, api_key_record_use


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
        # The use is recorded after the response (ApiKeyUsageMiddleware), outside the
        # request's transaction, so refused requests are recorded too.
        request._request.api_key_used = api_key
        return ApiKeyActor(api_key), api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyUsageMiddleware:
    """Record an API key's last use once the request's transaction is over."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        api_key = getattr(request, "api_key_used", None)
        if api_key is not None:
            # Its own short transaction: the tenant setting stays transaction-local.
            with transaction.atomic():
                api_key_record_use(api_key)
        return response
