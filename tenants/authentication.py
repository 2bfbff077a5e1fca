"""API keys on requests (`Authorization: Bearer dp_...`, for internal apps): the DRF
authentication, how a presented key is looked up and checked, and its last use recorded.
"""

from __future__ import annotations

import functools
import hmac
from datetime import timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions

from core.internals import has_converters
from core.request_context import after_response
from tenants import key_cache
from tenants.context import current_tenant, in_platform_scope, platform_scope, tenant_context
from tenants.db import security_generation
from tenants.models import ApiKey, Role, Tenant, User
from tenants.services.keys import KEY_PREFIX, hash_secret

# Set in the session by an SSO sign-in (sso/views.py) to the connection's tenant: such a
# session acts in that tenant only. A password sign-in clears it (sso/sessions.py).
SSO_TENANT_SESSION_KEY = "_sso_tenant"
# When the session signed in (epoch seconds; sso/sessions.py), and when it last acted in
# each tenant ({tenant id: epoch seconds}; tenants.api_base): what the tenants' session
# lifetimes are measured from.
SIGNED_IN_AT_SESSION_KEY = "_signed_in_at"
TENANT_SEEN_AT_SESSION_KEY = "_tenant_seen_at"
# When the session was last used anywhere, to the minute (accounts.middleware).
SESSION_SEEN_AT_SESSION_KEY = "_seen_at"
# How the session's second factor was given ("totp", "recovery_code"; accounts.mfa), or
# the methods the identity provider reported (its `amr`); absent: none was.
MFA_SESSION_KEY = "_mfa"


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
            after_response(lambda: api_key_record_use(api_key))
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


# --- Looking a key up -------------------------------------------------------------------------

LAST_USED_RESOLUTION = timedelta(minutes=1)


# Every API request looks its key up with its tenant and role. Through the ORM, compiling
# that query was most of the lookup (docs/performance.md), so it is
# written once from the models' own columns and read back with `Model.from_db`, as the
# ORM's select_related would; a test compares the two field by field. Where a column
# needs a converter on the way out (core.internals.has_converters), the ORM reads it.
_KEY_MODELS = ((ApiKey, "k"), (Tenant, "t"), (Role, "r"))


@functools.cache
def _key_lookup_sql(in_tenant: bool) -> tuple[str, list[tuple[list[str], int, int]]] | None:
    """The statement (by prefix, and by tenant when `in_tenant`) and each model's slice of
    its columns; None to use the ORM."""
    if any(has_converters(model, connection) for model, _ in _KEY_MODELS):
        return None
    quote = connection.ops.quote_name
    columns: list[str] = []
    parts = []
    for model, alias in _KEY_MODELS:
        fields = model._meta.concrete_fields
        start = len(columns)
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        parts.append(([f.attname for f in fields], start, len(columns)))
    # Identifiers from the models only, quoted; the prefix and the tenant are parameters.
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(ApiKey._meta.db_table)} k "  # noqa: S608
        f"JOIN {quote(Tenant._meta.db_table)} t ON t.id = k.tenant_id "
        f"JOIN {quote(Role._meta.db_table)} r ON r.id = k.role_id "
        # A key works only while its person may: a deactivated user's keys are not found.
        f"JOIN {quote(User._meta.db_table)} u ON u.id = k.accountable_person_id AND u.is_active "
        "WHERE k.prefix = %s" + (" AND k.tenant_id = %s" if in_tenant else "") + " ORDER BY k.id"
    )
    return sql, parts


def keys_with_prefix(prefix: str) -> list[ApiKey]:
    """Every key with this prefix in the current scope whose accountable person is an
    active user (a deactivated person's keys stop working with them), its tenant and role
    loaded: every tenant's in platform scope (a read across tenants, like `.unscoped()`),
    the current tenant's own in `tenant_context`."""
    # current_tenant() raises with no tenant, as the managers do.
    tenant_id = None if in_platform_scope() else current_tenant().pk
    lookup = _key_lookup_sql(tenant_id is not None)
    if lookup is None:
        keys = (
            ApiKey.objects.unscoped()
            .select_related("tenant", "role")
            .filter(prefix=prefix, accountable_person__is_active=True)
        )
        if tenant_id is not None:
            keys = keys.filter(tenant_id=tenant_id)
        return list(keys)
    sql, ((key_names, k0, k1), (tenant_names, t0, t1), (role_names, r0, r1)) = lookup
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix] if tenant_id is None else [prefix, tenant_id])
        rows = cursor.fetchall()
    keys = []
    for row in rows:
        key = ApiKey.from_db(connection.alias, key_names, row[k0:k1])
        key.tenant = Tenant.from_db(connection.alias, tenant_names, row[t0:t1])
        key.role = Role.from_db(connection.alias, role_names, row[r0:r1])
        keys.append(key)
    return keys


def api_key_authenticate(token: str) -> ApiKey | None:
    """The active key for `token`, or None. Compares hashes in constant time."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    prefix = parts[1]
    presented = hash_secret(token)
    now = timezone.now()
    cache = key_cache.listener()
    if cache is not None:
        remembered = cache.recall(presented)
        if remembered is not None and remembered.status_at(now) == "active":
            # Served from memory only while this request's own transaction reads the
            # tenant's security generation the key was read with: any change to the key,
            # its role, its tenant or the policies in force committed since has moved it
            # on (tenants.models.Tenant.security_generation), on whichever process it was
            # made, notified or not. The read travels with the transaction's BEGIN.
            with tenant_context(remembered.tenant):
                current = security_generation(remembered.tenant_id)
            if current == remembered.tenant.security_generation:
                return remembered
            cache.forget(remembered.tenant_id)
        # Taken before the lookup: a change notified during it keeps its result out.
        generation = cache.generation()
    with platform_scope():
        match = _matching(keys_with_prefix(prefix), presented)
    if match is None or match.status_at(now) != "active":
        return None
    if cache is not None:
        cache.remember(match, generation)
    return match


def _matching(candidates: list[ApiKey], presented: str) -> ApiKey | None:
    match = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.secret_hash, presented):
            match = candidate
    return match


def api_key_use_is_stale(api_key: ApiKey) -> bool:
    """Whether the recorded last use is older than LAST_USED_RESOLUTION."""
    last = api_key.last_used_at
    return last is None or timezone.now() - last > LAST_USED_RESOLUTION


def api_key_record_use(api_key: ApiKey) -> None:
    """Note that `api_key` was used, at most once per LAST_USED_RESOLUTION.

    Called after the response, outside the request's transaction, so that a refused or
    failed request (whose transaction is rolled back) still leaves its trace.
    """
    if not api_key_use_is_stale(api_key):
        return
    now = timezone.now()
    with platform_scope():
        this_key = ApiKey.objects.unscoped().filter(pk=api_key.pk)
        # Only if nobody (another process remembering the key too) recorded it lately.
        written = this_key.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        if not written:
            now = this_key.values_list("last_used_at", flat=True).first() or now
    api_key.last_used_at = now
    cache = key_cache.listener()
    if cache is not None:
        cache.note_use(api_key)
