"""SCIM 2.0 endpoints (RFC 7644) under `/scim/v2/<tenant>/`: Users, Groups and the
discovery documents. Every answer, errors included, is `application/scim+json`.

They are left out of the OpenAPI document (docs/sso.md describes them): SCIM is its own
published protocol, and identity providers, not internal apps, call it.
"""

from __future__ import annotations

import pydantic
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    Group,
    ListResponse,
    Patch,
    PatchOp,
    ResourceType,
    SCIMException,
    ServiceProviderConfig,
    Sort,
    User,
)

from core.exceptions import ServiceError
from core.parsers import SafeJSONParser
from core.renderers import ORJSONRenderer
from core.request_context import after_response
from scim import selectors, services
from scim.auth import ScimRateThrottle, ScimTokenAuthentication
from scim.resources import (
    GROUP_FILTERS,
    USER_FILTERS,
    ScimUserResource,
    group_data,
    group_resource,
    parse_filter,
    split_member_removals,
    user_data,
    user_resource,
)
from tenants.context import activate, deactivate
from tenants.db import lock_tenant_row
from tenants.models import Tenant

CONTENT_TYPE = "application/scim+json"
DEFAULT_COUNT = 100
MAX_COUNT = 500
# The scimType keywords of RFC 7644 3.12 a service's refusal code may carry.
SCIM_TYPES = frozenset(
    {
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    }
)


class ScimRenderer(ORJSONRenderer):
    media_type = CONTENT_TYPE
    format = "scim"


class ScimParser(SafeJSONParser):
    media_type = CONTENT_TYPE


class ScimNegotiation(BaseContentNegotiation):
    """SCIM answers in one type whatever `Accept` says (providers send several)."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def scim_response(body: dict | None, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(body, status=status, content_type=CONTENT_TYPE, headers=headers)
    response.problem_exempt = True  # core.problems leaves SCIM's own errors alone
    return response


def error_response(
    status: int, detail: str, scim_type: str | None = None, headers: dict | None = None
) -> Response:
    error = Error(status=status, scim_type=scim_type, detail=detail)
    return scim_response(error.model_dump(), status=status, headers=headers)


def _dump(resource, context: Context) -> dict:
    return resource.model_dump(scim_ctx=context)


def _validate(model, data, context: Context):
    if not isinstance(data, dict):
        raise exceptions.ParseError("the body must be a JSON object")
    return model.model_validate(data, scim_ctx=context)


class BadParameter(ServiceError):
    code = "invalidValue"


@extend_schema(exclude=True)
class ScimView(APIView):
    """The base of every SCIM endpoint. The tenant comes from the URL and is made current
    before the token is looked up (in that tenant only), so a token of another tenant, a
    revoked or a wrong one, and a tenant that does not exist all answer the same 401."""

    authentication_classes = [ScimTokenAuthentication]
    permission_classes = []
    throttle_classes = [ScimRateThrottle]
    renderer_classes = [ScimRenderer]
    parser_classes = [ScimParser, SafeJSONParser]
    content_negotiation_class = ScimNegotiation
    metadata_class = None

    def dispatch(self, request, *args, **kwargs):
        self._tenant_token = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._tenant_token is not None:
                deactivate(self._tenant_token)

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = None
        neg = self.perform_content_negotiation(request)
        request.accepted_renderer, request.accepted_media_type = neg
        method = request.method.lower()
        if method != "options" and not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        tenant = Tenant.objects.filter(slug=kwargs.get("tenant", "")).first()
        if tenant is None:
            raise exceptions.AuthenticationFailed(
                "The SCIM token is invalid or revoked, or belongs to another tenant."
            )
        self._tenant_token = activate(tenant)
        if request.auth is None:
            raise exceptions.NotAuthenticated(
                "Send the tenant's SCIM token as 'Authorization: Bearer scim_...'."
            )
        if not tenant.is_active:
            raise exceptions.PermissionDenied("This tenant is suspended.")
        self.check_throttles(request)
        token = request.auth
        after_response(lambda: services.scim_token_record_use(scim_token=token))
        if request.method not in SAFE_METHODS:
            lock_tenant_row(tenant.pk)  # every writer takes the tenant row first

    def handle_exception(self, exc):
        """Every refusal as a SCIM Error (RFC 7644 3.12); the request's writes roll back."""
        set_rollback()
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            return error_response(
                401,
                str(exc.detail),
                headers={
                    "WWW-Authenticate": ScimTokenAuthentication().authenticate_header(self.request)
                },
            )
        if isinstance(exc, exceptions.Throttled):
            headers = {"Retry-After": str(int(exc.wait))} if exc.wait is not None else {}
            return error_response(429, str(exc.detail), headers=headers)
        if isinstance(exc, SCIMException):
            return error_response(exc.status, exc.detail, exc.scim_type or None)
        if isinstance(exc, pydantic.ValidationError):
            error = Error.from_validation_errors(exc)[0]
            return error_response(int(error.status or 400), error.detail or "", error.scim_type)
        if isinstance(exc, ServiceError):
            scim_type = exc.code if exc.code in SCIM_TYPES else None
            return error_response(exc.status, exc.detail, scim_type)
        if isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
            return error_response(400, str(exc.detail), "invalidSyntax")
        if isinstance(exc, Http404 | exceptions.NotFound):
            return error_response(404, str(exc) or "Not found.")
        if isinstance(exc, exceptions.APIException):
            return error_response(exc.status_code, str(exc.detail))
        return super().handle_exception(exc)

    def base_url(self) -> str:
        return self.request.build_absolute_uri(f"/scim/v2/{self.kwargs['tenant']}/")

    def paging(self) -> tuple[int, int]:
        """startIndex (1-based) and count (RFC 7644 3.4.2.4), bounded."""
        params = self.request.query_params

        def number(name: str, default: int) -> int:
            try:
                return int(params.get(name, default))
            except ValueError:
                raise BadParameter(f"{name} must be an integer") from None

        return max(number("startIndex", 1), 1), min(
            max(number("count", DEFAULT_COUNT), 0), MAX_COUNT
        )

    def list_response(self, model, queryset, render) -> Response:
        start, count = self.paging()
        total = queryset.count()
        page = list(queryset[start - 1 : start - 1 + count]) if count else []
        resources = render(page)
        body = ListResponse[model](
            total_results=total,
            start_index=start,
            items_per_page=len(resources),
            resources=resources,
        )
        return scim_response(_dump(body, Context.RESOURCE_QUERY_RESPONSE))


# --- Users ------------------------------------------------------------------------------------


class UsersMixin:
    def person_or_404(self, pk: str):
        person = selectors.scim_person(pk)
        if person is None:
            raise Http404(f"no user {pk}")
        return person

    def user_body(self, person, context: Context) -> dict:
        view = selectors.person_views([person])[0]
        return _dump(user_resource(view, self.base_url()), context)


class UsersView(UsersMixin, ScimView):
    def get(self, request, tenant):
        people = selectors.scim_people()
        text = request.query_params.get("filter")
        if text:
            people = selectors.scim_people_where(*parse_filter(text, User, USER_FILTERS))
        base = self.base_url()
        return self.list_response(
            ScimUserResource,
            people,
            lambda page: [user_resource(v, base) for v in selectors.person_views(page)],
        )

    def post(self, request, tenant):
        resource = _validate(ScimUserResource, request.data, Context.RESOURCE_CREATION_REQUEST)
        person = services.scim_user_create(actor=request.user, data=user_data(resource))
        body = self.user_body(person, Context.RESOURCE_CREATION_RESPONSE)
        return scim_response(body, 201, headers={"Location": body["meta"]["location"]})


class UserView(UsersMixin, ScimView):
    def get(self, request, tenant, pk):
        return scim_response(
            self.user_body(self.person_or_404(pk), Context.RESOURCE_QUERY_RESPONSE)
        )

    def put(self, request, tenant, pk):
        person = self.person_or_404(pk)
        resource = _validate(ScimUserResource, request.data, Context.RESOURCE_REPLACEMENT_REQUEST)
        services.scim_user_update(actor=request.user, person=person, data=user_data(resource))
        return scim_response(self.user_body(person, Context.RESOURCE_REPLACEMENT_RESPONSE))

    def patch(self, request, tenant, pk):
        """Applied to the resource as it stands, then stored as a PUT of the result."""
        person = self.person_or_404(pk)
        patch = _validate(PatchOp[ScimUserResource], request.data, Context.RESOURCE_PATCH_REQUEST)
        view = selectors.person_views([person])[0]
        resource = user_resource(view, self.base_url())
        patch.patch(resource)
        services.scim_user_update(actor=request.user, person=person, data=user_data(resource))
        return scim_response(self.user_body(person, Context.RESOURCE_PATCH_RESPONSE))

    def delete(self, request, tenant, pk):
        services.scim_user_delete(actor=request.user, person=self.person_or_404(pk))
        return scim_response(None, 204)


# --- Groups -----------------------------------------------------------------------------------


class GroupsMixin:
    def group_or_404(self, pk: str):
        group = selectors.scim_group(pk)
        if group is None:
            raise Http404(f"no group {pk}")
        return group

    def render_groups(self, groups) -> list[Group]:
        members = selectors.group_members(groups)
        base = self.base_url()
        return [group_resource(g, members[g.pk], base) for g in groups]

    def group_body(self, group, context: Context) -> dict:
        group = selectors.scim_group(str(group.pk))
        return _dump(self.render_groups([group])[0], context)


class GroupsView(GroupsMixin, ScimView):
    def get(self, request, tenant):
        groups = selectors.scim_groups()
        text = request.query_params.get("filter")
        if text:
            groups = selectors.scim_groups_where(*parse_filter(text, Group, GROUP_FILTERS))
        return self.list_response(Group, groups, self.render_groups)

    def post(self, request, tenant):
        resource = _validate(Group, request.data, Context.RESOURCE_CREATION_REQUEST)
        group = services.scim_group_create(actor=request.user, **group_data(resource))
        body = self.group_body(group, Context.RESOURCE_CREATION_RESPONSE)
        return scim_response(body, 201, headers={"Location": body["meta"]["location"]})


class GroupView(GroupsMixin, ScimView):
    def get(self, request, tenant, pk):
        return scim_response(
            self.group_body(self.group_or_404(pk), Context.RESOURCE_QUERY_RESPONSE)
        )

    def put(self, request, tenant, pk):
        group = self.group_or_404(pk)
        resource = _validate(Group, request.data, Context.RESOURCE_REPLACEMENT_REQUEST)
        services.scim_group_update(actor=request.user, group=group, **group_data(resource))
        return scim_response(self.group_body(group, Context.RESOURCE_REPLACEMENT_RESPONSE))

    def patch(self, request, tenant, pk):
        group = self.group_or_404(pk)
        body = split_member_removals(request.data)
        patch = _validate(PatchOp[Group], body, Context.RESOURCE_PATCH_REQUEST)
        resource = self.render_groups([group])[0]
        patch.patch(resource)
        services.scim_group_update(actor=request.user, group=group, **group_data(resource))
        return scim_response(self.group_body(group, Context.RESOURCE_PATCH_RESPONSE))

    def delete(self, request, tenant, pk):
        services.scim_group_delete(actor=request.user, group=self.group_or_404(pk))
        return scim_response(None, 204)


# --- Discovery (RFC 7644 4) -------------------------------------------------------------------

RESOURCE_MODELS = {"User": ScimUserResource, "Group": Group}
# Every schema the resources use, extensions included (RFC 7644 4).
SCHEMA_MODELS = (User, Group, EnterpriseUser)


class ServiceProviderConfigView(ScimView):
    def get(self, request, tenant):
        config = ServiceProviderConfig(
            documentation_uri=None,
            patch=Patch(supported=True),
            bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
            filter=Filter(supported=True, max_results=MAX_COUNT),
            change_password=ChangePassword(supported=False),
            sort=Sort(supported=False),
            etag=ETag(supported=False),
            authentication_schemes=[
                AuthenticationScheme(
                    type="oauthbearertoken",
                    name="Bearer token",
                    description="The tenant's SCIM token: Authorization: Bearer scim_...",
                    primary=True,
                )
            ],
        )
        return scim_response(_dump(config, Context.RESOURCE_QUERY_RESPONSE))


def _resource_type(name: str, base: str) -> dict:
    body = _dump(ResourceType.from_resource(RESOURCE_MODELS[name]), Context.RESOURCE_QUERY_RESPONSE)
    body["meta"] = {"resourceType": "ResourceType", "location": f"{base}ResourceTypes/{name}"}
    return body


def _schema(model, base: str) -> dict:
    body = _dump(model.to_schema(), Context.RESOURCE_QUERY_RESPONSE)
    body["meta"] = {"resourceType": "Schema", "location": f"{base}Schemas/{body['id']}"}
    return body


def _listed(resources: list[dict]) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


class ResourceTypesView(ScimView):
    def get(self, request, tenant, name=None):
        base = self.base_url()
        if name is None:
            return scim_response(_listed([_resource_type(n, base) for n in RESOURCE_MODELS]))
        if name not in RESOURCE_MODELS:
            raise Http404(f"no resource type {name}")
        return scim_response(_resource_type(name, base))


class SchemasView(ScimView):
    def get(self, request, tenant, name=None):
        base = self.base_url()
        if name is None:
            return scim_response(_listed([_schema(m, base) for m in SCHEMA_MODELS]))
        found = [m for m in SCHEMA_MODELS if m.to_schema().id == name]
        if not found:
            raise Http404(f"no schema {name}")
        return scim_response(_schema(found[0], base))
