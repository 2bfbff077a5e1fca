"""`/api/v1/tenants/{tenant}/audit/`: events, exports and chain verification."""

from __future__ import annotations

import datetime as dt
import json

import django_filters
from django.db import transaction
from django.db.models import Q
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import AuditEvent
from audit.verify import verify_chain
from config.exports import csv_chunks
from config.filters import StrictFilterSet
from config.times import iso_utc
from tenants.api_base import TenantScopedViewSet
from tenants.context import tenant_context

EXPORT_FIELDS = [
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_display",
    "action",
    "target_type",
    "target_id",
    "target_display",
    "changes",
    "outcome",
    "repeat_count",
    "request_id",
    "ip",
    "user_agent",
    "hash",
]


def event_to_dict(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "occurred_at": iso_utc(event.occurred_at, "milliseconds"),
        "actor": {
            "type": event.actor_type,
            "id": event.actor_id or None,
            "display": event.actor_display,
        },
        "action": event.action,
        "target": {
            "type": event.target_type,
            "id": event.target_id or None,
            "display": event.target_display,
        },
        "changes": event.changes,
        "outcome": event.outcome,
        "repeat_count": event.repeat_count,
        "request": {"id": event.request_id or None, "ip": event.ip, "user_agent": event.user_agent},
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }


def _flat(event: AuditEvent) -> list:
    values = []
    for name in EXPORT_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = iso_utc(value, "milliseconds")
        values.append(value)
    return values


class ActorField(serializers.Serializer):
    type = serializers.ChoiceField(choices=AuditEvent.ActorType.choices)
    id = serializers.CharField(allow_null=True)
    display = serializers.CharField()


class TargetField(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField(allow_null=True)
    display = serializers.CharField()


class RequestField(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    ip = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()


class AuditEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    actor = ActorField()
    action = serializers.CharField()
    target = TargetField()
    changes = serializers.DictField(help_text="{field: [before, after]}")
    outcome = serializers.ChoiceField(choices=AuditEvent.Outcome.choices)
    repeat_count = serializers.IntegerField()
    request = RequestField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()

    def to_representation(self, instance):
        return event_to_dict(instance)


class VerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    last_seq = serializers.IntegerField()
    first_broken = serializers.DictField(allow_null=True)


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time at any offset, compared in UTC (PostgreSQL stores offsets only up
    to 15:59; what it cannot store is turned into UTC first, or refused as invalid)."""

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(dt.UTC)
            except OverflowError:
                raise serializers.ValidationError({self.field_name: ["Out of range."]}) from None
        return super().filter(qs, value)


class AuditEventFilter(StrictFilterSet):
    actor = django_filters.CharFilter(
        method="filter_actor",
        help_text="An email, an API key prefix, user:ID, api_key:ID or system.",
    )
    action = django_filters.CharFilter(
        method="filter_action", help_text="Exact, or a prefix ending in '.*' (member.*)."
    )
    target_type = django_filters.CharFilter()
    target_id = django_filters.CharFilter()
    outcome = django_filters.ChoiceFilter(choices=AuditEvent.Outcome.choices)
    since = UTCDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = UTCDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    def filter_actor(self, queryset, name, value):
        """`user:ID`, `api_key:ID` or `system`; otherwise an email or an API key prefix."""
        kind, _, ident = value.partition(":")
        if kind in {"user", "api_key"} and ident:
            return queryset.filter(actor_type=kind, actor_id=ident)
        if value == "system":
            return queryset.filter(actor_type=AuditEvent.ActorType.SYSTEM)
        return queryset.filter(
            Q(actor_display__iexact=value) | Q(actor_display__istartswith=f"{value} (")
        )

    def filter_action(self, queryset, name, value):
        if value.endswith(".*"):
            return queryset.filter(action__startswith=value[:-1])
        return queryset.filter(action=value)


class AuditEventViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    """Who did what, when, from where: newest first."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    permission_map = {
        "list": "audit.view_auditevent",
        "export": "audit.view_auditevent",
        "verify": "audit.view_auditevent",
    }

    def cursor_ordering(self):
        return ("-seq",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "export_format",
                str,
                enum=["csv", "jsonl"],
                default="jsonl",
                description="CSV for spreadsheets, JSON lines for tools.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Streamed CSV"),
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="Streamed JSON lines"
            ),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request, *args, **kwargs):
        """Every event matching the filters, oldest first, streamed."""
        kind = request.query_params.get("export_format", "jsonl")
        if kind not in {"csv", "jsonl"}:
            raise serializers.ValidationError({"export_format": ["Use csv or jsonl."]})
        # Built (and so scoped to the tenant) now, run later: the body is produced after
        # the view returns, so the generator re-enters the tenant and opens its own
        # transaction for the server-side cursor.
        query = self.filter_queryset(self.get_queryset())
        tenant = self.principal.tenant

        def rows():
            with tenant_context(tenant), transaction.atomic():
                events = query.order_by("seq").iterator(chunk_size=2000)
                if kind == "csv":
                    yield from csv_chunks(list(EXPORT_FIELDS), (_flat(e) for e in events))
                else:
                    for event in events:
                        yield json.dumps(event_to_dict(event), ensure_ascii=False) + "\n"

        content_type = "text/csv; charset=utf-8" if kind == "csv" else "application/x-ndjson"
        response = StreamingHttpResponse(rows(), content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="audit-{tenant.slug}.{"csv" if kind == "csv" else "jsonl"}"'
        )
        return response

    @extend_schema(responses={200: VerifySerializer}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def verify(self, request, *args, **kwargs):
        """Recompute the chain and report the first broken link, if any."""
        return Response(verify_chain().as_dict())
