"""`Authorization: Bearer dp_...` API keys for internal apps."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from config.request_context import after_response
from tenants.models import ApiKey, Tenant
from tenants.services import api_key_authenticate, api_key_record_use, api_key_use_is_stale

# The tenant each URL slug named when a key of that tenant last came with it: where
# api_key_authenticate looks first, in that tenant's own scope. Only a guess (a renamed
# slug, a deleted tenant just sends the lookup on across tenants), and only ever filled
# from rows read for an authenticated key. Process-local; bounded.
_tenant_of_slug: dict[str, Tenant] = {}
_TENANT_HINTS_LIMIT = 10_000


def _remember(slug: str, tenant: Tenant) -> None:
    known = _tenant_of_slug.get(slug)
    if known is not None and known.pk == tenant.pk:
        return
    if len(_tenant_of_slug) >= _TENANT_HINTS_LIMIT:
        _tenant_of_slug.clear()
    _tenant_of_slug[slug] = tenant


def forget_tenant_hints() -> None:
    _tenant_of_slug.clear()


def _url_tenant(request) -> str | None:
    """The tenant slug the URL names (`/api/v1/tenants/{tenant}/...`), if any."""
    context = getattr(request, "parser_context", None) or {}
    slug = (context.get("kwargs") or {}).get("tenant")
    return slug if isinstance(slug, str) else None


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
        slug = _url_tenant(request)
        api_key = api_key_authenticate(token, _tenant_of_slug.get(slug))
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is invalid, expired or revoked.")
        if slug is not None and api_key.tenant.slug == slug:
            _remember(slug, api_key.tenant)
        # Recorded after the response, outside the request's transaction, so refused
        # requests are recorded too.
        if api_key_use_is_stale(api_key):
            after_response(request, lambda: api_key_record_use(api_key))
        return ApiKeyActor(api_key), api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
