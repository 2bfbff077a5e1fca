"""Members, roles, the permission catalogue, API keys and `/me`."""

from __future__ import annotations

import tempfile

import django_filters
from django.contrib.auth.models import Permission
from django.db.models import Count, Prefetch
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from core.filters import StrictFilterSet
from core.mail import site_url
from core.serializers import StrictInput
from tenants import archive, rbac
from tenants.api_base import TenantScopedViewSet
from tenants.authentication import SSO_TENANT_SESSION_KEY
from tenants.context import platform_scope
from tenants.models import SLUG_VALIDATOR, ApiKey, Invitation, Membership, Role, Tenant
from tenants.principals import role_permissions
from tenants.services import deletion
from tenants.services.invitations import invitation_resend
from tenants.services.keys import api_key_create, api_key_revoke
from tenants.services.members import (
    invitation_revoke,
    member_change_role,
    member_end_sessions,
    member_invite,
    member_remove,
)
from tenants.services.roles import role_create, role_delete, role_update

# Archives larger than this are spooled to a temporary file while they are sent.
ARCHIVE_IN_MEMORY_BYTES = 32 * 1024 * 1024

# --- Fields -----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class TenantRoleField(serializers.SlugRelatedField):
    """A role of the current tenant, by slug."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def get_queryset(self):
        return Role.objects.all()

    def to_internal_value(self, data):
        # A slug never holds a NUL, and PostgreSQL could not even compare one.
        if not isinstance(data, str) or "\x00" in data or len(data) > 50:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:50])
        return super().to_internal_value(data)


# --- Serializers ------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class MemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)
    last_login = serializers.DateTimeField(
        source="user.last_login",
        read_only=True,
        allow_null=True,
        help_text="The person's last sign-in since they joined this tenant; null if none.",
    )

    class Meta:
        model = Membership
        fields = ["id", "user", "role", "joined_at", "last_login"]

    def to_representation(self, membership: Membership) -> dict:
        data = super().to_representation(membership)
        last = membership.user.last_login
        if last is None or last < membership.created_at:
            # A sign-in from before the person joined was made as someone else's
            # member: a new member's answer says nothing of their other tenants.
            data["last_login"] = None
        return data


class MemberInviteSerializer(StrictInput):
    email = serializers.EmailField(max_length=254)
    role = TenantRoleField()


class MemberUpdateSerializer(StrictInput):
    role = TenantRoleField(required=False)


class InvitationSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    state = serializers.ChoiceField(
        choices=Invitation.State.choices,
        read_only=True,
        help_text="pending until the link is followed, the membership removed, or the "
        "link expires; only pending and expired invitations can be sent again.",
    )
    invited_by = serializers.EmailField(
        source="invited_by.email", read_only=True, default=None, allow_null=True
    )
    send_error = serializers.CharField(
        read_only=True,
        help_text="Why the last message could not be sent; empty once one was.",
    )
    accepted_with = serializers.CharField(
        read_only=True, help_text="How the person came in: `password`, `sso` or `signed_in`."
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "state",
            "invited_by",
            "created_at",
            "expires_at",
            "sent_at",
            "send_count",
            "send_error",
            "accepted_at",
            "accepted_with",
            "revoked_at",
        ]

    def to_representation(self, invitation: Invitation) -> dict:
        data = super().to_representation(invitation)
        data["state"] = invitation.state_at(self.context.get("now") or timezone.now())
        return data


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Role
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "preset",
            "permissions",
            "member_count",
            "created_at",
            "updated_at",
        ]

    def get_permissions(self, role: Role) -> list[str]:
        return sorted(role_permissions(role))


class PermissionChoice(serializers.ChoiceField):
    """A permission of the catalogue (an enum in the OpenAPI document)."""

    default_error_messages = {
        "invalid_choice": "unknown permission {input!r}: see GET .../permissions/ for the catalogue"
    }

    def __init__(self, **kwargs):
        super().__init__(choices=sorted(rbac.CATALOGUE_CODENAMES), **kwargs)

    def fail(self, key, **kwargs):
        if key == "invalid_choice":
            # The same stable code the service answers with.
            raise serializers.ValidationError(
                self.error_messages[key].format(**kwargs), code="unknown_permission"
            )
        super().fail(key, **kwargs)


class RoleWriteSerializer(StrictInput):
    slug = serializers.RegexField(SLUG_VALIDATOR.regex, max_length=50, required=False)
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    permissions = serializers.ListField(child=PermissionChoice(), max_length=len(rbac.CATALOGUE))


class RoleUpdateSerializer(StrictInput):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    permissions = serializers.ListField(
        child=PermissionChoice(), required=False, max_length=len(rbac.CATALOGUE)
    )


class PermissionEntrySerializer(serializers.Serializer):
    codename = serializers.CharField()
    description = serializers.CharField()


class ApiKeySerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = serializers.SerializerMethodField()
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )
    accountable_person = serializers.EmailField(
        source="accountable_person.email",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="The member the key answers to: removing them, or giving them a role "
        "without the key's permissions, revokes it. Null only on keys revoked before "
        "every key had one.",
    )

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "role",
            "status",
            "created_at",
            "created_by",
            "accountable_person",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_status(self, api_key: ApiKey) -> str:
        return api_key.status_at(self.context.get("now") or timezone.now())


class ApiKeyCreatedSerializer(ApiKeySerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "secret"]


class ApiKeyCreateSerializer(StrictInput):
    name = serializers.CharField(max_length=100)
    role = TenantRoleField()
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


# --- Filters ----------------------------------------------------------------------------------


class InvitationFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(
        choices=Invitation.State.choices, method="filter_state", help_text="Only this state."
    )
    email = django_filters.CharFilter(field_name="user__email", lookup_expr="icontains")

    def filter_state(self, queryset, name, value):
        return queryset.filter(Invitation.in_state(value, timezone.now()))


class MemberFilter(StrictFilterSet):
    role = django_filters.CharFilter(field_name="role__slug", help_text="A role's slug.")
    email = django_filters.CharFilter(field_name="user__email", lookup_expr="icontains")


# --- Views ------------------------------------------------------------------------------------


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """People in the tenant and their roles."""

    model = Membership
    serializer_class = MemberSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "tenants.view_membership",
        "retrieve": "tenants.view_membership",
        "create": "tenants.add_membership",
        "partial_update": "tenants.change_membership",
        "destroy": "tenants.delete_membership",
        "end_sessions": "tenants.change_membership",
    }
    filterset_class = MemberFilter

    def narrow_queryset(self, queryset):
        return queryset.select_related("user", "role")

    @extend_schema(request=MemberInviteSerializer, responses={201: MemberSerializer})
    def create(self, request, *args, **kwargs):
        """Make the person a member with the role and mail them an invitation
        (`invitations/` lists it)."""
        data = MemberInviteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        membership = member_invite(
            actor=self.principal, site=site_url(request), **data.validated_data
        )
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        data = MemberUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "role" in data.validated_data:
            membership = member_change_role(
                actor=self.principal, membership=membership, role=data.validated_data["role"]
            )
        return self.etag_response(MemberSerializer(membership).data, membership)

    def retrieve(self, request, *args, **kwargs):
        membership = self.get_object()
        return self.etag_response(MemberSerializer(membership).data, membership)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        member_remove(actor=self.principal, membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "SessionsEnded", fields={"ended": serializers.IntegerField(min_value=0)}
            )
        },
    )
    @action(detail=True, methods=["post"], url_path="end-sessions")
    def end_sessions(self, request, *args, **kwargs):
        """Sign the member out of every browser, at once (their API keys are untouched).
        Their sessions are the person's: this ends those they use in other tenants too."""
        ended = member_end_sessions(actor=self.principal, membership=self.get_object())
        return Response({"ended": ended})


class InvitationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The invitations members were sent (`POST members/` sends one): their state, sending
    again, withdrawing."""

    model = Invitation
    serializer_class = InvitationSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_map = {
        "list": "tenants.view_membership",
        "retrieve": "tenants.view_membership",
        "resend": "tenants.add_membership",
        "destroy": "tenants.delete_membership",
    }
    filterset_class = InvitationFilter

    def narrow_queryset(self, queryset):
        return queryset.select_related("user", "role", "invited_by")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _answer(self, invitation: Invitation) -> Response:
        fresh = self.narrow_queryset(Invitation.objects.all()).get(pk=invitation.pk)
        return Response(InvitationSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """Mail a new link; the one sent before stops working, and the new one works for
        the configured number of days from now."""
        invitation = invitation_resend(
            actor=self.principal, invitation=self.get_object(), site=site_url(request)
        )
        return self._answer(invitation)

    @extend_schema(
        responses={
            200: OpenApiResponse(
                InvitationSerializer,
                description="Revoked: the link stops working and the membership it made "
                "is removed.",
            )
        }
    )
    def destroy(self, request, *args, **kwargs):
        invitation = invitation_revoke(actor=self.principal, invitation=self.get_object())
        return self._answer(invitation)


class RoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Preset and custom roles."""

    model = Role
    serializer_class = RoleSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "tenants.view_role",
        "retrieve": "tenants.view_role",
        "create": "tenants.add_role",
        "partial_update": "tenants.change_role",
        "destroy": "tenants.delete_role",
    }

    def narrow_queryset(self, queryset):
        return queryset.annotate(member_count=Count("memberships")).prefetch_related(
            Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
        )

    def _fresh(self, role: Role) -> Role:
        return self.get_queryset().get(pk=role.pk)

    @extend_schema(request=RoleWriteSerializer, responses={201: RoleSerializer})
    def create(self, request, *args, **kwargs):
        data = RoleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = role_create(actor=self.principal, **data.validated_data)
        return Response(RoleSerializer(self._fresh(role)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RoleUpdateSerializer, responses={200: RoleSerializer})
    def partial_update(self, request, *args, **kwargs):
        role = self.get_object()
        data = RoleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = self._fresh(role_update(actor=self.principal, role=role, **data.validated_data))
        return self.etag_response(RoleSerializer(role).data, role)

    def retrieve(self, request, *args, **kwargs):
        role = self.get_object()
        return self.etag_response(RoleSerializer(role).data, role)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        role_delete(actor=self.principal, role=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PermissionViewSet(TenantScopedViewSet):
    """The permissions a custom role can be built from."""

    model = Role  # the catalogue is code, not rows; the model only anchors the schema
    serializer_class = PermissionEntrySerializer
    pagination_class = None
    permission_map = {"list": None}

    @extend_schema(responses={200: PermissionEntrySerializer(many=True)})
    def list(self, request, *args, **kwargs):
        entries = [{"codename": e.codename, "description": e.description} for e in rbac.CATALOGUE]
        return Response(PermissionEntrySerializer(entries, many=True).data)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Keys for internal apps. The secret is returned once, at creation."""

    model = ApiKey
    serializer_class = ApiKeySerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_map = {
        "list": "tenants.view_apikey",
        "retrieve": "tenants.view_apikey",
        "create": "tenants.add_apikey",
        "destroy": "tenants.delete_apikey",
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("role", "created_by", "accountable_person")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
        examples=[
            OpenApiExample(
                "A read-only key for an intranet widget",
                value={
                    "name": "Intranet widget",
                    "role": "viewer",
                    "expires_at": "2030-06-30T00:00:00Z",
                },
                request_only=True,
                description="The key acts with the role's permissions and answers to you "
                "(to the person of the key that makes it, if a key does). Without "
                "`expires_at` it does not expire.",
            ),
            OpenApiExample(
                "Created",
                value={
                    "id": 58,
                    "name": "Intranet widget",
                    "prefix": "3f9a0c7be1",
                    "role": "viewer",
                    "status": "active",
                    "created_at": "2025-11-04T09:12:31Z",
                    "created_by": "admin@acme.example",
                    "accountable_person": "admin@acme.example",
                    "expires_at": "2030-06-30T00:00:00Z",
                    "last_used_at": None,
                    "revoked_at": None,
                    "secret": "dp_3f9a0c7be1_Q2hhbmdlIG1lOiB0aGlzIGlzIG5vdCBhIHJlYWwga2V5",
                },
                response_only=True,
                status_codes=["201"],
                description="Send `secret` as `Authorization: Bearer <secret>`; it is "
                "shown only in this answer.",
            ),
        ],
    )
    def create(self, request, *args, **kwargs):
        data = ApiKeyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = api_key_create(actor=self.principal, **data.validated_data)
        body = ApiKeyCreatedSerializer(created.api_key, context=self.get_serializer_context()).data
        body["secret"] = created.token
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        responses={204: OpenApiResponse(description="Revoked; the key stops working at once.")}
    )
    def destroy(self, request, *args, **kwargs):
        api_key_revoke(actor=self.principal, api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- /me --------------------------------------------------------------------------------------


class MeMembershipSerializer(serializers.Serializer):
    tenant = inline_serializer(
        "MeTenant",
        fields={
            "slug": serializers.CharField(),
            "name": serializers.CharField(),
            "status": serializers.CharField(),
        },
    )
    role = inline_serializer(
        "MeRole", fields={"slug": serializers.CharField(), "name": serializers.CharField()}
    )
    permissions = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="null for an API key")
    email = serializers.EmailField(allow_null=True, help_text="null for an API key")
    full_name = serializers.CharField()
    memberships = MeMembershipSerializer(many=True)


class MeView(APIView):
    """The signed-in user and every tenant they belong to, with their role there."""

    @extend_schema(summary="Get the signed-in user", responses={200: MeSerializer})
    def get(self, request):
        user = request.user
        if getattr(user, "api_key", None) is not None:
            key = user.api_key
            return Response(
                {
                    "id": None,
                    "email": None,
                    "full_name": str(user),
                    "memberships": [self._entry(key.tenant, key.role)],
                }
            )
        # A person's memberships span tenants by definition: the one cross-tenant read here.
        with platform_scope():
            memberships = list(
                Membership.objects.unscoped()
                .filter(user=user)
                .select_related("tenant", "role")
                .prefetch_related(
                    Prefetch(
                        "role__permissions",
                        queryset=Permission.objects.select_related("content_type"),
                    )
                )
                .order_by("tenant__slug")
            )
        bound = request.session.get(SSO_TENANT_SESSION_KEY)
        if bound is not None:  # an SSO session speaks for its provider's tenant only
            memberships = [m for m in memberships if m.tenant_id == bound]
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "memberships": [self._entry(m.tenant, m.role) for m in memberships],
            }
        )

    @staticmethod
    def _entry(tenant, role) -> dict:
        perms = sorted(role_permissions(role))
        return {
            "tenant": {"slug": tenant.slug, "name": tenant.name, "status": tenant.status},
            "role": {"slug": role.slug, "name": role.name},
            "permissions": perms,
        }


class TenantArchiveViewSet(TenantScopedViewSet):
    """Everything the tenant holds, as one zip archive (docs/operations.md, "Offboarding")."""

    model = Tenant
    pagination_class = None
    permission_map = {"download": "tenants.export_tenant"}

    @extend_schema(
        operation_id="downloadTenantArchive",
        summary="Download the tenant's archive",
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="A zip: `manifest.json`, `tables/<app>.<model>.jsonl` for every "
                "tenant-owned table, `people.jsonl`, and `files/` for evidence. Columns "
                "holding secrets are left out (the manifest names them).",
            )
        },
    )
    def download(self, request, *args, **kwargs):
        tenant = self.principal.tenant
        # FileResponse closes it once sent.
        spool = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_IN_MEMORY_BYTES)  # noqa: SIM115
        manifest = archive.write_archive(tenant, spool)
        audit.record(
            "tenant.exported",
            actor=self.principal,
            target=audit.Target.of(tenant, tenant.name),
            changes={"files": [None, len(manifest["files"])]},
        )
        spool.seek(0)
        response = FileResponse(
            spool,
            as_attachment=True,
            filename=archive.archive_name(tenant),
            content_type="application/zip",
        )
        response["Cache-Control"] = "no-store"
        return response


class TenantDeletionSerializer(serializers.Serializer):
    requested = serializers.BooleanField()
    requested_at = serializers.DateTimeField(allow_null=True)
    requested_by = serializers.CharField(allow_blank=True)
    delete_after = serializers.DateTimeField(
        allow_null=True,
        help_text="From then on an operator deletes the tenant and everything it holds.",
    )


class TenantDeletionRequestSerializer(StrictInput):
    confirm = serializers.CharField(help_text="The tenant's slug, typed out.")


class TenantDeletionViewSet(TenantScopedViewSet):
    """Asking for the tenant's deletion, and taking it back during the grace period
    (docs/operations.md, "Offboarding")."""

    model = Tenant
    serializer_class = TenantDeletionSerializer
    pagination_class = None
    permission_map = {
        "show": None,  # every member may know the tenant is going
        "ask": "tenants.delete_tenant",
        "cancel": "tenants.delete_tenant",
    }

    def _answer(self, tenant: Tenant, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            {
                "requested": tenant.delete_after is not None,
                "requested_at": tenant.deletion_requested_at,
                "requested_by": tenant.deletion_requested_by,
                "delete_after": tenant.delete_after,
            },
            status=code,
        )

    @extend_schema(
        operation_id="getTenantDeletion",
        summary="Show whether the tenant's deletion is asked for",
        responses={200: TenantDeletionSerializer},
    )
    def show(self, request, *args, **kwargs):
        return self._answer(Tenant.objects.get(pk=self.principal.tenant.pk))

    @extend_schema(
        operation_id="requestTenantDeletion",
        summary="Ask for the tenant's deletion",
        request=TenantDeletionRequestSerializer,
        responses={202: TenantDeletionSerializer},
    )
    def ask(self, request, *args, **kwargs):
        """Everything the tenant holds is deleted after the grace period (30 days unless
        the platform says otherwise), unless an owner takes it back before. Take the
        archive first (`archive/`)."""
        data = TenantDeletionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = deletion.deletion_request(actor=self.principal, **data.validated_data)
        return self._answer(tenant, status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="cancelTenantDeletion",
        summary="Take back the tenant's deletion",
        responses={200: TenantDeletionSerializer},
    )
    def cancel(self, request, *args, **kwargs):
        return self._answer(deletion.deletion_cancel(actor=self.principal))
