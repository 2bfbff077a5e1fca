"""The browser side of SSO: start, come back, SAML metadata, email-first discovery.

    GET  /sso/<tenant>/login                 starts the tenant's enabled connection
    GET  /sso/oidc/<connection>/callback     the OpenID Connect redirect URI
    POST /sso/saml/<connection>/acs          the SAML assertion consumer service
    GET  /sso/saml/<connection>/metadata     the service-provider metadata (and entity id)
    POST /sso/discover                       {"email"} -> which tenant's login to use

The connection comes from the URL (its random public id); everything after runs inside
that connection's tenant. The callbacks manage their own transaction so a refused or
failed sign-in rolls back what it started, and is then recorded in the audit log.
"""

from __future__ import annotations

import logging

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import login as auth_login
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from onelogin.saml2.errors import OneLogin_Saml2_Error
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from social_core.actions import do_auth, do_complete
from social_core.exceptions import SocialAuthBaseException
from social_django.models import DjangoStorage

from audit import services as audit
from audit.models import AuditEvent
from core.request_context import client_ip
from core.serializers import StrictInput
from sso import services, trial
from sso.backends import TenantOIDCAuth, TenantSAMLAuth
from sso.models import Connection
from sso.strategy import TenantStrategy, callback_path
from tenants.authentication import SSO_TENANT_SESSION_KEY
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant

logger = logging.getLogger(__name__)

FLOW_SESSION_KEY = "sso_connection"


def login_path(tenant: Tenant) -> str:
    return reverse("sso:login", args=[tenant.slug])


def _backend(request, connection: Connection, *, pipeline: tuple[str, ...] | None = None):
    strategy = TenantStrategy(DjangoStorage, request, connection=connection, pipeline=pipeline)
    cls = TenantOIDCAuth if connection.protocol == Connection.Protocol.OIDC else TenantSAMLAuth
    return cls(strategy, redirect_uri=callback_path(connection))


def _connection_by_public_id(public_id) -> Connection:
    with platform_scope():
        connection = (
            Connection.objects.unscoped()
            .select_related("tenant", "default_role")
            .filter(public_id=public_id, enabled=True, tenant__status=Tenant.Status.ACTIVE)
            .first()
        )
    if connection is None:
        raise Http404
    return connection


def _page(request, *, title: str, message: str, status: int) -> HttpResponse:
    response = render(
        request, "sso/message.html", {"title": title, "message": message}, status=status
    )
    response.problem_exempt = True  # a page for a person, not an API problem document
    return response


@require_GET
@never_cache
def login(request, tenant: str):
    with platform_scope():
        tenant_obj = Tenant.objects.filter(slug=tenant, status=Tenant.Status.ACTIVE).first()
        connections = list(
            Connection.objects.unscoped()
            .select_related("tenant", "default_role")
            .filter(tenant=tenant_obj, enabled=True)
            .order_by("id")
        )
    wanted = request.GET.get("connection")
    if wanted:
        connections = [c for c in connections if str(c.public_id) == wanted]
    if tenant_obj is None or not connections:
        return _page(
            request,
            title="Single sign-on is not available",
            message="This organisation has no single sign-on set up.",
            status=404,
        )
    connection = connections[0]
    # The callback must come back to the connection this browser started with.
    request.session[FLOW_SESSION_KEY] = str(connection.public_id)
    try:
        with tenant_context(tenant_obj):
            return do_auth(_backend(request, connection), redirect_name=REDIRECT_FIELD_NAME)
    except (SocialAuthBaseException, OneLogin_Saml2_Error) as error:
        # Typically the provider's discovery document or endpoints cannot be reached.
        _record_failure(
            request, connection, code=_code(error), reason=_reason(error), refused=False
        )
        return _page(
            request,
            title="Single sign-on is unavailable",
            message="Your organisation's identity provider could not be reached. Please try "
            "again later.",
            status=502,
        )


@require_GET
@never_cache
def test_start(request, public_id):
    """The start of a test sign-in (sso.trial) that this session's person asked for."""
    connection = _connection_by_public_id(public_id)
    if not request.user.is_authenticated or trial.asked(request.session, connection) is None:
        return _page(
            request,
            title="No test sign-in was asked for",
            message="Start the test from the connection's page in the console.",
            status=404,
        )
    # The callback knows a test by this mark alone (sso.trial.flow_mark).
    request.session[FLOW_SESSION_KEY] = trial.flow_mark(connection)
    try:
        with tenant_context(connection.tenant):
            return do_auth(
                _backend(request, connection, pipeline=trial.PIPELINE),
                redirect_name=REDIRECT_FIELD_NAME,
            )
    except (SocialAuthBaseException, OneLogin_Saml2_Error) as error:
        return _page(
            request,
            title="The identity provider could not be reached",
            message=f"The test could not start: {_reason(error)}",
            status=502,
        )


def _code(error: Exception) -> str:
    return str(getattr(error, "code", None) or type(error).__name__)


def _reason(error: Exception) -> str:
    """What the audit log keeps: the library's summary, its detail and the claim at fault."""
    parts = [str(error), getattr(error, "detail", "")]
    if getattr(error, "claim", None):
        parts.append(f"(claim {error.claim})")
    return " ".join(part for part in parts if part)


def _record_failure(
    request, connection: Connection, *, code: str, reason: str, refused: bool
) -> None:
    """In a transaction of its own, so it survives the rolled-back sign-in. Anyone can
    call a callback with garbage, so identical failures from one address are counted and
    only the 1st, 10th, 100th... written, as refused API calls are."""
    logger.info("SSO sign-in through connection %s refused: %s", connection.pk, code)
    count = audit.should_record_denial(f"sso|{connection.pk}|{code}|{client_ip(request)}")
    if not count:
        return
    with transaction.atomic():
        audit.record_for(
            connection.tenant,
            "auth.sso_refused" if refused else "auth.sso_failed",
            target=audit.Target(type="connection", id=connection.pk, display=connection.name),
            changes={"code": code[:100], "reason": reason[:500]},
            outcome=AuditEvent.Outcome.DENIED if refused else AuditEvent.Outcome.FAILURE,
            repeat_count=count,
        )


def _login_into(tenant: Tenant):
    """Sign in, and bind the new session to the connection's tenant (after the login:
    logging in may flush the session)."""

    def login(backend, user, social_user):
        # As the library's own login does, with no session expiry of the provider's
        # (SOCIAL_AUTH_SESSION_EXPIRATION is off): Django's login, naming the backend.
        request = backend.strategy.request
        auth_login(request, user, backend=f"{type(backend).__module__}.{type(backend).__name__}")
        request.session[SSO_TENANT_SESSION_KEY] = tenant.pk

    return login


def _complete(request, public_id):
    connection = _connection_by_public_id(public_id)
    tenant = connection.tenant
    flow = request.session.get(FLOW_SESSION_KEY)
    # A test is what the flow was started as, whatever became of the test's request since:
    # a test's callback never signs in.
    testing = flow == trial.flow_mark(connection)
    backend = _backend(request, connection, pipeline=trial.PIPELINE if testing else None)
    # A SAML response first arrives cross-site, without our session cookie; the library
    # then only answers a page that posts it again from this site. The check applies to
    # the request that signs in.
    relay_only = (
        connection.protocol == Connection.Protocol.SAML
        and TenantSAMLAuth.BROWSER_RETURN_FIELD not in request.POST
    )
    try:
        if testing and (
            not request.user.is_authenticated or trial.asked(request.session, connection) is None
        ):
            request.session.pop(FLOW_SESSION_KEY, None)
            return _failed_test(
                request,
                connection,
                "the test took longer than allowed, or was asked for again meanwhile; run it again",
            )
        if not relay_only and not testing and flow != str(connection.public_id):
            raise services.SignInRefused(
                "flow_mismatch",
                "This sign-in was not started here for this organisation. Please start again "
                "from your login page.",
            )
        with transaction.atomic(), tenant_context(tenant):
            if testing:
                return _complete_test(request, backend, connection)
            # user=None: a sign-in always starts from nobody. Passing the signed-in user
            # would let python-social-auth attach this identity to whoever is signed in.
            return do_complete(
                backend, _login_into(tenant), user=None, redirect_name=REDIRECT_FIELD_NAME
            )
    except services.SignInRefused as refused:
        code, reason, shown = refused.code, refused.message, refused.message
        status = 403
    except (SocialAuthBaseException, OneLogin_Saml2_Error) as error:
        if testing:
            # The provider's answer failed the checks a sign-in makes: that is the report.
            return _failed_test(request, connection, _reason(error))
        code, reason, status = _code(error), _reason(error), 400
        shown = "The sign-in could not be completed. Please start again from your login page."
    _record_failure(request, connection, code=code, reason=reason, refused=status == 403)
    return _page(request, title="Sign-in refused", message=shown, status=status)


def _complete_test(request, backend, connection: Connection):
    """A test sign-in's callback: the library checks the answer, `trial.report` writes
    down what it says; nobody is signed in and only the audit event is kept."""
    response = do_complete(backend, None, user=None, redirect_name=REDIRECT_FIELD_NAME)
    found = (request.session.get(trial.REPORTS_SESSION_KEY) or {}).get(str(connection.pk))
    audit.record_for(
        connection.tenant,
        "sso.tested",
        actor=request.user,
        target=audit.Target(type="connection", id=connection.pk, display=connection.name),
        changes={"problems": (found or {}).get("problems", [])},
    )
    return response


def _failed_test(request, connection: Connection, reason: str):
    wanted = trial.take(request.session, connection)
    trial.save(
        request.session,
        connection,
        {
            "connection": connection.pk,
            "protocol": connection.protocol,
            "failed": reason[:500],
            "problems": [f"The test did not complete: {reason[:500]}"],
        },
    )
    return HttpResponseRedirect(trial.safe_return(wanted.get("return_to", "/"), request))


@transaction.non_atomic_requests
@require_GET
@never_cache
def oidc_callback(request, public_id):
    return _complete(request, public_id)


@transaction.non_atomic_requests
@csrf_exempt  # the identity provider posts here; the assertion itself is the proof
@require_http_methods(["POST"])
@never_cache
def saml_acs(request, public_id):
    return _complete(request, public_id)


@require_GET
def saml_metadata(request, public_id):
    connection = _connection_by_public_id(public_id)
    if connection.protocol != Connection.Protocol.SAML:
        raise Http404
    with tenant_context(connection.tenant):
        metadata, errors = _backend(request, connection).generate_metadata_xml()
    if errors:
        logger.error("SAML metadata of connection %s invalid: %s", connection.pk, errors)
        return HttpResponse("metadata unavailable", status=500, content_type="text/plain")
    return HttpResponse(metadata, content_type="application/samlmetadata+xml")


@require_GET
def error(request):
    return _page(
        request,
        title="Sign-in failed",
        message="The sign-in could not be completed. Please start again from your login page.",
        status=400,
    )


class DiscoverInput(StrictInput):
    email = serializers.EmailField(max_length=254)


class DiscoverView(APIView):
    """Email-first sign-in: which organisation's single sign-on serves this address.

    Answers only for domains an organisation has verified and that have an enabled
    connection; anything else is a 404 `no_sso_for_domain`."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=DiscoverInput,
        responses={
            200: inline_serializer(
                "SsoDiscovery",
                fields={
                    "tenant": serializers.CharField(),
                    "tenant_name": serializers.CharField(),
                    "protocol": serializers.CharField(),
                    "login_url": serializers.CharField(),
                },
            ),
            404: OpenApiResponse(description="No organisation has SSO for this email domain."),
        },
        auth=[],
    )
    def post(self, request):
        data = DiscoverInput(data=request.data)
        data.is_valid(raise_exception=True)
        connection = services.discover(data.validated_data["email"])
        if connection is None:
            from rest_framework.exceptions import NotFound

            raise NotFound(
                "No organisation has single sign-on for this email domain.",
                code="no_sso_for_domain",
            )
        return Response(
            {
                "tenant": connection.tenant.slug,
                "tenant_name": connection.tenant.name,
                "protocol": connection.protocol,
                "login_url": request.build_absolute_uri(login_path(connection.tenant)),
            }
        )
