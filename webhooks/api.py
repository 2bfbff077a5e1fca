"""`/api/v1/tenants/{tenant}/webhooks/` and `.../webhook-deliveries/`: for admins."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.fields import ChoiceField
from core.filters import IdFilter, StrictFilterSet
from core.serializers import StrictInput
from tenants.api_base import TenantScopedViewSet
from webhooks import net, services
from webhooks.models import EVENTS, WebhookDelivery, WebhookEndpoint

PERMISSION = "webhooks.manage_webhook"


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENTS))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "events", "is_active", "created_at", "updated_at"]


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        help_text="Verifies the signature of every delivery. Shown only now: store it."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookWriteSerializer(StrictInput):
    url = serializers.URLField(max_length=1000)
    description = serializers.CharField(max_length=200, allow_blank=True, default="")
    events = serializers.ListField(
        child=ChoiceField(choices=EVENTS), min_length=1, max_length=len(EVENTS)
    )
    is_active = serializers.BooleanField(default=True)

    # Anything else in the body (secret, tenant, ...) is ignored, as on other endpoints:
    # the secret is always generated, the tenant always the URL's.

    def validate_url(self, value: str) -> str:
        try:
            net.resolve(value)
        except net.UrlRefused as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class DeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id")
    # Declared, not derived: the model fields' ranges differ by database, the schema must not.
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    redelivery_of = serializers.UUIDField(
        source="redelivery_of.delivery_id", allow_null=True, default=None
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_id",
            "event_id",
            "event",
            "endpoint",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "redelivery_of",
            "payload",
        ]


class WebhookViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Endpoints that receive signed events. The secret is returned once, at creation
    (and when rotated)."""

    model = WebhookEndpoint
    serializer_class = WebhookSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": PERMISSION,
        "retrieve": PERMISSION,
        "create": PERMISSION,
        "partial_update": PERMISSION,
        "destroy": PERMISSION,
        "rotate_secret": PERMISSION,
    }

    @extend_schema(request=WebhookWriteSerializer, responses={201: WebhookCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = WebhookWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(actor=self.principal, **data.validated_data)
        return self._with_secret(endpoint, status.HTTP_201_CREATED)

    @extend_schema(request=WebhookWriteSerializer, responses={200: WebhookSerializer})
    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        data = WebhookWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        endpoint = services.endpoint_update(
            actor=self.principal, endpoint=endpoint, data=data.validated_data
        )
        return self.etag_response(WebhookSerializer(endpoint).data, endpoint)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted with its deliveries.")})
    def destroy(self, request, *args, **kwargs):
        services.endpoint_delete(actor=self.principal, endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: WebhookCreatedSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        """A new secret, returned once; the old one stops signing at once."""
        endpoint = services.endpoint_rotate_secret(actor=self.principal, endpoint=self.get_object())
        return self._with_secret(endpoint, status.HTTP_200_OK)

    def _with_secret(self, endpoint, code) -> Response:
        body = WebhookCreatedSerializer(endpoint).data
        response = Response(body, status=code)
        response["Cache-Control"] = "no-store"
        return response


class DeliveryFilter(StrictFilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = django_filters.ChoiceFilter(choices=[(e, e) for e in EVENTS])


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Every delivery, newest first: its status, attempts and the last answer."""

    model = WebhookDelivery
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    permission_map = {"list": PERMISSION, "retrieve": PERMISSION, "redeliver": PERMISSION}

    def narrow_queryset(self, queryset):
        return queryset.select_related("redelivery_of")

    @extend_schema(request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, *args, **kwargs):
        """Send the event again as a new delivery (same event id, new delivery id)."""
        again = services.delivery_redeliver(actor=self.principal, delivery=self.get_object())
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
