"""The tenant API's SCIM tokens (`/api/v1/tenants/{tenant}/scim-tokens/`): made, listed
and revoked by whoever manages the tenant's SSO. A token provisions people and their
roles, so it takes the same owner-level permission as configuring an identity provider
(`sso.manage_sso`); seeing tokens (never their secrets) takes `sso.view_sso`."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from core.serializers import StrictInput
from scim.models import ScimToken
from scim.services import scim_token_create, scim_token_revoke
from tenants.api_base import TenantScopedViewSet


class ScimTokenSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="`active` or `revoked`.")
    created_by = serializers.EmailField(
        source="created_by.email", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = ScimToken
        fields = ["id", "name", "prefix", "status", "created_at", "created_by", "last_used_at"]
        fields += ["revoked_at"]


class ScimTokenCreatedSerializer(ScimTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ScimTokenSerializer.Meta):
        fields = [*ScimTokenSerializer.Meta.fields, "secret"]


class ScimTokenCreateSerializer(StrictInput):
    name = serializers.CharField(max_length=100, help_text="Which provider uses it.")


class ScimTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Bearer tokens for the tenant's SCIM endpoint (`/scim/v2/{tenant}/`). Rotate by
    creating a new token, moving the provider to it, then revoking the old one."""

    model = ScimToken
    serializer_class = ScimTokenSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    permission_map = {
        "list": "sso.view_sso",
        "retrieve": "sso.view_sso",
        "create": "sso.manage_sso",
        "destroy": "sso.manage_sso",
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("created_by")

    @extend_schema(
        request=ScimTokenCreateSerializer,
        responses={201: ScimTokenCreatedSerializer},
        examples=[
            OpenApiExample("Okta", value={"name": "Okta"}, request_only=True),
        ],
    )
    def create(self, request, *args, **kwargs):
        data = ScimTokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = scim_token_create(actor=self.principal, name=data.validated_data["name"])
        body = ScimTokenCreatedSerializer(created.scim_token).data
        body["secret"] = created.secret
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        responses={204: OpenApiResponse(description="Revoked; the token stops working at once.")}
    )
    def destroy(self, request, *args, **kwargs):
        scim_token_revoke(actor=self.principal, scim_token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
