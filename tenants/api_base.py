"""The base of every tenant endpoint: `/api/v1/tenants/{tenant}/...`.

Rules it enforces, which subclasses cannot change:

1. The caller is authenticated (401 otherwise) before anything about the tenant is read.
2. The tenant comes from the URL only. A caller who is not a member, or an API key of
   another tenant, gets 404: the same answer as for a tenant that does not exist.
3. A suspended tenant answers 403 `tenant_suspended` to its members.
4. The tenant is made current for the whole request and reset afterwards, so every
   query goes through the tenant-scoped managers (and row-level security on PostgreSQL).
5. Each action needs the permission named in the view's `permission_map`; an action with
   no entry is refused. `None` means any member.
6. Objects are looked up in the tenant's queryset only: another tenant's id is a 404,
   exactly like a missing one.
7. A write (an unsafe method) locks the tenant's row before its view runs, so every
   writer takes the tenant row before any other row (tenants.db.lock_tenant_row).

Subclasses set `model`, `permission_map` and serializers, and may narrow the queryset by
overriding `narrow_queryset`. Overriding the security methods raises at import time.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import ClassVar

from django.conf import settings
from django.http import Http404
from django.utils.cache import get_conditional_response
from django.utils.http import parse_etags, quote_etag
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from audit import services as audit
from audit.models import AuditEvent
from core import statement_cache
from core.request_context import after_response
from tenants.authentication import (
    MFA_SESSION_KEY,
    SESSION_SEEN_AT_SESSION_KEY,
    SIGNED_IN_AT_SESSION_KEY,
    SSO_TENANT_SESSION_KEY,
    TENANT_SEEN_AT_SESSION_KEY,
)
from tenants.context import activate, current_tenant, deactivate, platform_scope
from tenants.db import lock_tenant_row
from tenants.models import ApiKey, Membership
from tenants.principals import Principal, role_permissions

_SEALED = (
    "initial",
    "dispatch",
    "get_queryset",
    "get_object",
    "list_queryset",
    "get_permissions",
    "check_permissions",
    "check_object_permissions",
    "permission_classes",
    "authentication_classes",
)


class TenantSuspended(exceptions.PermissionDenied):
    default_detail = "This tenant is suspended. Contact your administrator or platform support."
    default_code = "tenant_suspended"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The object changed since you read it (If-Match). Fetch it again and retry."
    default_code = "precondition_failed"


def row_version(obj) -> str:
    """The row's identity and last change: what If-Match compares."""
    return f"{obj.pk}.{int(obj.updated_at.timestamp() * 1_000_000)}"


# A policy decision's id (policies.engine) is new in every answer: it names the answer,
# not what it says. In JSON bytes a key is the only place `"decision_id":"` can stand
# (inside a string value its quotes are escaped); indented JSON, for a browser, puts a
# space after the colon.
_DECISION_ID = re.compile(rb'"decision_id": ?"[0-9a-f]{32}"')


def etag_for(obj, body: bytes) -> str:
    """A strong validator naming both the row's version and the bytes of the body the
    caller receives (policies applied), decision ids aside:
    `"<id>.<row change>.<body hash>"`.

    If-None-Match compares the whole tag, so a body that changed for any reason (a
    policy, a license, a linked source) is sent again. If-Match compares only the row's
    version (`_row_part`): a policy that changes how a row is shown is no lost update."""
    content = _DECISION_ID.sub(b'"decision_id":""', body)
    return quote_etag(f"{row_version(obj)}.{hashlib.sha256(content).hexdigest()[:24]}")


def _row_part(tag: str) -> str | None:
    """The row version inside a strong ETag this platform gave (tags from before the
    body hash was added carry only that), None for a weak or foreign tag."""
    if tag.startswith("W/"):
        return None
    return ".".join(tag.strip('"').split(".")[:2])


class HasTenantPermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        needed = view.required_permission()
        principal: Principal = request.principal
        if needed is None or principal.has(needed):
            return True
        self.message = f"Your role ({principal.role.slug}) does not include {needed}."
        _queue_denial(request, view, needed)
        return False


def _queue_denial(request, view, needed: str) -> None:
    """Record a refused attempt in the audit log, after the (rolled back) request.
    Identical repeats are counted rather than each written (`should_record_denial`)."""
    principal: Principal = request.principal
    what = f"{type(view).__name__}.{view.action_name()}"
    endpoint = f"{request.method} {request.path}"

    def write():
        who = f"key:{principal.api_key.pk}" if principal.api_key else f"user:{principal.user.pk}"
        count = audit.should_record_denial(f"{principal.tenant.pk}|{who}|{what}")
        if count:
            audit.record(
                "authorization.denied",
                actor=principal,
                target=audit.Target(type="endpoint", display=endpoint),
                changes={"permission": needed, "action": what},
                outcome=AuditEvent.Outcome.DENIED,
                repeat_count=count,
            )

    after_response(write)


class SsoRequired(exceptions.PermissionDenied):
    default_detail = "This tenant requires single sign-on: sign in through its identity provider."
    default_code = "sso_required"


class MfaRequired(exceptions.PermissionDenied):
    default_code = "mfa_required"


class SessionExpired(exceptions.NotAuthenticated):
    default_code = "session_expired"


# A tenant's last-use time is written to the session at most this often.
SEEN_AT_RESOLUTION_SECONDS = 60


def _session_within_lifetimes(session, tenant) -> None:
    """Refuse a session the tenant's lifetimes have ended (for this tenant only: another
    tenant of the person's may allow it longer), and, where the tenant limits idle time,
    note that it acted here now. A session that does not say when it signed in, or was
    last used, is treated as too old."""
    if session is None:
        return
    now = int(time.time())
    seen = dict(session.get(TENANT_SEEN_AT_SESSION_KEY) or {})
    # Not used in this tenant yet: idle since the session was last used anywhere, or
    # since it signed in.
    last = seen.get(str(tenant.pk))
    if last is None:
        last = session.get(SESSION_SEEN_AT_SESSION_KEY) or session.get(SIGNED_IN_AT_SESSION_KEY)
    if tenant.session_max_hours is not None:
        signed_in = session.get(SIGNED_IN_AT_SESSION_KEY)
        if signed_in is None or now - signed_in > tenant.session_max_hours * 3600:
            raise SessionExpired(
                f"{tenant.name} ends sessions {tenant.session_max_hours} hours after sign-in: "
                "sign in again."
            )
    idle = tenant.session_idle_minutes
    if idle is not None and (last is None or now - last > idle * 60):
        raise SessionExpired(
            f"{tenant.name} ends sessions unused for {idle} minutes: sign in again."
        )
    if idle is not None and now - seen.get(str(tenant.pk), 0) >= SEEN_AT_RESOLUTION_SECONDS:
        seen[str(tenant.pk)] = now
        session[TENANT_SEEN_AT_SESSION_KEY] = seen


def _session_may_act_in(request, membership) -> None:
    """An SSO session acts only in its connection's tenant (an identity provider of one
    tenant never vouches for a person in another); a tenant that requires SSO accepts
    only sessions from its own provider, and its break-glass owners' passwords; one that
    requires a second factor accepts a password session only once it was given; and the
    tenant's session lifetimes apply."""
    session = getattr(request, "session", None)
    bound = session.get(SSO_TENANT_SESSION_KEY) if session is not None else None
    if bound is not None and bound != membership.tenant_id:
        raise Http404
    own_provider = bound == membership.tenant_id
    if membership.tenant.require_sso and not own_provider and not membership.is_break_glass_owner:
        raise SsoRequired()
    second_factor = session.get(MFA_SESSION_KEY) if session is not None else None
    if membership.tenant.require_mfa and not own_provider and not second_factor:
        raise MfaRequired(
            f"{membership.tenant.name} requires a second factor for password sign-ins: turn "
            "on two-factor sign-in at /accounts/mfa/."
        )
    _session_within_lifetimes(session, membership.tenant)


def resolve_principal(request, tenant_slug: str) -> Principal:
    """Who is acting in the tenant named by the URL; 404 for anyone not in it."""
    user = request.user
    if not (user and user.is_authenticated):
        raise exceptions.NotAuthenticated()
    if isinstance(request.auth, ApiKey):
        key = request.auth
        if key.tenant.slug != tenant_slug:
            raise Http404
        tenant, role, person = key.tenant, key.role, None
    else:
        # The membership check itself is cross-tenant by nature: the tenant is not
        # current yet. One query resolves tenant, membership and role together.
        with platform_scope():
            membership = (
                Membership.objects.unscoped()
                .select_related("tenant", "role")
                .filter(user=user, tenant__slug=tenant_slug)
                .first()
            )
        if membership is None:
            raise Http404
        _session_may_act_in(request, membership)
        tenant, role, person = membership.tenant, membership.role, user
    if not tenant.is_active:
        raise TenantSuspended()
    return Principal(
        tenant=tenant,
        role=role,
        permissions=role_permissions(role),
        user=person,
        api_key=request.auth if isinstance(request.auth, ApiKey) else None,
    )


class TenantScopedViewSet(viewsets.GenericViewSet):
    model: ClassVar[type]
    permission_map: ClassVar[dict[str, str | None]] = {}
    permission_classes = [HasTenantPermission]
    lookup_value_regex = r"[0-9]+"
    # No OPTIONS metadata: it would describe the endpoint to callers the permission map
    # has not checked, and clients here read the OpenAPI document instead.
    metadata_class = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _SEALED:
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}: tenant endpoints may only narrow "
                    "the queryset (narrow_queryset), never replace the security methods"
                )
        filterset = getattr(cls, "filterset_class", None)
        filtering = set(filterset.base_filters) if filterset is not None else set()
        if filtering.intersection(cls.ordering_params):
            # list_queryset skips the filters when only these parameters are present.
            raise TypeError(f"{cls.__name__}: a filter reads one of {cls.ordering_params}")

    # -- security, owned here -------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        self._tenant_token = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._tenant_token is not None:
                deactivate(self._tenant_token)
                self._tenant_token = None

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        version, scheme = self.determine_version(request, *args, **kwargs)
        request.version, request.versioning_scheme = version, scheme

        method = request.method.lower()
        if method != "options" and not hasattr(self, method):
            # No action for this method: a 405, before anything is read about the tenant.
            raise exceptions.MethodNotAllowed(request.method)
        self.perform_authentication(request)
        principal = resolve_principal(request, kwargs.get("tenant", ""))
        request.principal = principal
        self.principal = principal
        self._tenant_token = activate(principal.tenant)
        self.check_permissions(request)
        self.check_throttles(request)
        if request.method not in SAFE_METHODS:
            # Every writer locks the tenant row before any other row (lock_tenant_row).
            lock_tenant_row(principal.tenant.pk)

    def action_name(self) -> str:
        return self.action or self.request.method.lower()

    def required_permission(self) -> str | None:
        action = self.action_name()
        if action == "metadata":
            return None
        try:
            return self.permission_map[action]
        except KeyError:
            raise exceptions.PermissionDenied(
                f"No permission is declared for {type(self).__name__}.{action}."
            ) from None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no tenant
            return self.model.objects.unscoped().none()
        return self.narrow_queryset(self.model.objects.all())

    def get_object(self):
        statement = self._compiled_read()
        if statement is None:
            obj = super().get_object()
        else:
            obj = statement.get(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
            if obj is None:
                raise Http404
            self.check_object_permissions(self.request, obj)
        if self.request.method not in SAFE_METHODS:
            self._check_if_match(obj)
        return obj

    def list_queryset(self):
        """What a list action paginates. For a plain read (safe method, no query parameter
        but the paginator's own and `ordering_params`) of an endpoint that has a
        `reader`, a stand-in whose first page runs SQL compiled once per reader
        (core/statement_cache.FirstPage); otherwise the filtered queryset."""
        paginator = self.paginator
        allowed = {
            getattr(paginator, "page_size_query_param", None),
            getattr(paginator, "cursor_query_param", None),
            *self.ordering_params,
        }
        # Only query-parameter filters are skipped; a backend that narrows by itself
        # (object permissions, say) always runs.
        found = (
            self._compiled_key(allowed)
            if all(issubclass(backend, DjangoFilterBackend) for backend in self.filter_backends)
            else None
        )
        if found is None:
            return self.filter_queryset(self.get_queryset())
        return statement_cache.FirstPage(found, self.get_queryset)

    def _compiled_read(self) -> statement_cache.Statement | None:
        """For a plain read (safe method, no query parameters the filters could read) of an
        endpoint that has a `reader`: its SQL, compiled once per reader."""
        if self.lookup_field != "pk":
            return None
        found = self._compiled_key(set())
        if found is None:
            return None
        return statement_cache.statement_for(found, self.get_queryset)

    def _compiled_key(self, allowed_params: set):
        """The key naming this read's SQL, or None to read through the ORM: a
        write, a query parameter outside `allowed_params`, no `reader`, or compiled
        reads switched off (settings.STATEMENT_CACHE)."""
        if (
            not settings.STATEMENT_CACHE
            or self.request.method not in SAFE_METHODS
            or not allowed_params.issuperset(self.request.query_params)
        ):
            return None
        reader = self.reader()
        if reader is None:
            return None
        tenant_id = current_tenant().pk  # fails closed with no tenant, as the managers do
        key = (type(self).__module__, type(self).__qualname__, self.action, tenant_id, reader)
        return key

    def _check_if_match(self, obj) -> None:
        """Honour If-Match on writes. The row is locked first, so of two writers holding
        the same ETag exactly one wins; the other waits, then gets 412."""
        if_match = self.request.headers.get("If-Match")
        if not if_match or not hasattr(obj, "updated_at"):
            return
        locked = (
            self.model._base_manager.select_for_update().only("pk", "updated_at").get(pk=obj.pk)
        )
        offered = parse_etags(if_match)
        if offered == ["*"]:
            return
        # Only the row's version: the ETag a read gave also names its body, which a
        # policy may have changed since without any write to the row.
        if row_version(locked) not in {_row_part(tag) for tag in offered}:
            raise PreconditionFailed()

    def etag_response(self, data, obj, status: int = 200) -> Response:
        """A response for one object, carrying its ETag (set in `finalize_response`, once
        the body is rendered) for a later If-None-Match or If-Match."""
        response = Response(data, status=status)
        if hasattr(obj, "updated_at"):
            response.row_version_of = obj
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        """An `etag_response`'s ETag names the bytes sent: render the body now and hash
        it. A read whose If-None-Match names it gets 304 with no body."""
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(response, "row_version_of", None)
        if obj is None or not 200 <= response.status_code < 300:
            return response
        response.render()
        etag = etag_for(obj, response.content)
        response["ETag"] = etag
        if request.method in SAFE_METHODS:
            # Django's conditional GET: a 304 keeping the headers RFC 9110 asks for.
            return get_conditional_response(request, etag=etag, response=response)
        return response

    # -- what subclasses may change --------------------------------------------------------

    # Query parameters a list read's ordering reads (cursor_ordering), besides the
    # paginator's own: they change the SQL only through the ordering, which
    # statement_cache.FirstPage keys on.
    ordering_params: ClassVar[tuple[str, ...]] = ()

    def narrow_queryset(self, queryset):
        return queryset

    def reader(self):
        """What decides what this caller reads (`digests.selectors.Reader`), for an
        endpoint whose queryset depends on nothing else; None (the default) otherwise.
        Returning one opts in to reading single objects, and list actions' first pages
        (list_queryset), through SQL compiled once per endpoint, action and reader
        (core/statement_cache): equal readers, equal SQL."""
        return None
