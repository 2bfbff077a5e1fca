"""`/api/v1/tenants/{tenant}/audit/`: events, exports and chain verification.

The trail is kept as recorded (and hashed as recorded: `verify` checks the stored
events). What a reader is shown of it is not always all of it: an event about a
digest, a source, a rights holder or a license names it by text a digest put there
(its title, a source's title, a holder's name, and the before/after values of those
fields). A reader sees that text only as they could see it in the digest's own
response: withheld when the digest (or every digest behind the source or holder) is
hidden from them by its status, its restriction or their enforce-mode policies, or when
a `field_hide` rule hides the field; otherwise through their redact rules
(`licensing.text_gate.TextGate`); a digest's slugs in a change are shown as its
response shows its slug, whole or as `digest-<id>`. A withheld target shows as
`<type> <id>`, a withheld change as "withheld" in place of [before, after]. Who did
what, when, to which id, is always shown. A reader who sees every digest and to whom
no enforced rule applies (an owner or admin outside every policy's audience) sees the
trail exactly as recorded, and can check an export's hashes against it.
"""

from __future__ import annotations

import datetime as dt
import json

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import retention, sinks
from audit.models import AuditChain, AuditEvent, AuditRetention, AuditSink
from audit.records import event_to_dict
from audit.verify import verify_chain
from core.exports import csv_chunks
from core.fields import ChoiceField
from core.filters import StrictFilterSet
from core.serializers import StrictInput
from core.times import iso_utc
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


WITHHELD_CHANGE = "withheld"
# Target types whose display and changes carry digest-derived text.
_DIGEST, _SOURCE, _HOLDER, _LICENSE = "digest", "source", "rightsholder", "license"


def _int_ids(events, kind: str) -> set[int]:
    return {int(e.target_id) for e in events if e.target_type == kind and e.target_id.isdigit()}


class TargetText:
    """What one reader may see of the digest-derived text of events (see the module
    docstring), worked out for a batch of events in a few queries."""

    def __init__(self, principal):
        from licensing.text_gate import TextGate

        self.gate = TextGate(principal)
        self.as_recorded = self.gate.sees_everything

    def shown(self, events: list[AuditEvent]) -> list[tuple[str, dict]]:
        """(target display, changes) of each event, as the reader may see them."""
        if self.as_recorded:
            return [(e.target_display, e.changes) for e in events]
        from licensing.models import License, RightsHolder, Source

        digests = _int_ids(events, _DIGEST)
        readable = (
            set(self.gate.readable_digests().filter(pk__in=digests).values_list("pk", flat=True))
            if digests
            else set()
        )
        licenses = {
            pk: (source_id, holder_id)
            for pk, source_id, holder_id in License.objects.filter(
                pk__in=_int_ids(events, _LICENSE)
            ).values_list("pk", "source_id", "rights_holder_id")
        }
        sources = _int_ids(events, _SOURCE) | {s for s, _ in licenses.values() if s}
        holders = _int_ids(events, _HOLDER) | {h for _, h in licenses.values() if h}
        sources_shown = self.gate.shown_ids(Source, sources) if sources else set()
        holders_shown = self.gate.shown_ids(RightsHolder, holders) if holders else set()
        hidden_fields = self.gate.hidden_fields()
        out = []
        for event in events:
            kind = event.target_type
            pk = int(event.target_id) if event.target_id.isdigit() else None
            if kind == _DIGEST:
                visible = pk in readable
            elif kind == _SOURCE:
                visible = pk in sources_shown
            elif kind == _HOLDER:
                visible = pk in holders_shown
            elif kind == _LICENSE:
                source_id, holder_id = licenses.get(pk, (None, None))
                visible = (
                    (source_id in sources_shown) if source_id else (holder_id in holders_shown)
                )
            else:
                out.append((event.target_display, event.changes))
                continue
            if not visible:
                out.append(
                    (
                        f"{kind} {event.target_id}".strip(),
                        {name: WITHHELD_CHANGE for name in event.changes},
                    )
                )
                continue
            changes = {
                name: WITHHELD_CHANGE if kind == _DIGEST and name in hidden_fields else value
                for name, value in event.changes.items()
            }
            shown = self.gate.redacted({"target_display": event.target_display, **changes})
            if kind == _DIGEST and isinstance(shown.get("slug"), list):
                shown["slug"] = self._slugs(pk, event)
            out.append((shown.pop("target_display"), shown))
        return out

    def _slugs(self, pk: int, event: AuditEvent) -> list:
        """The slugs of a digest event's change, each as the digest's response shows a
        slug (a redact rule skips slugs: they are shown whole or replaced whole), with
        the title the digest had alongside it: the change's own, or the event's."""
        slugs = event.changes["slug"]
        titles = event.changes.get("title")
        if not isinstance(titles, list) or len(titles) != len(slugs):
            titles = [event.target_display] * len(slugs)
        return [
            self.gate.digest_slug(pk, slug, title if isinstance(title, str) else None)
            if isinstance(slug, str)
            else slug
            for slug, title in zip(slugs, titles, strict=True)
        ]


def _flat(event: AuditEvent, shown: tuple[str, dict]) -> list:
    values = []
    for name in EXPORT_FIELDS:
        value = getattr(event, name)
        if name == "occurred_at":
            value = iso_utc(value, "milliseconds")
        elif name == "target_display":
            value = shown[0]
        elif name == "changes":
            value = shown[1]
        values.append(value)
    return values


def _batches(events, size: int = 500):
    batch = []
    for event in events:
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


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
        help_text="An email, an API key or SCIM token prefix, user:ID, api_key:ID, "
        "scim_token:ID or system.",
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
        """`user:ID`, `api_key:ID`, `scim_token:ID` or `system`; otherwise an email or an
        API key prefix."""
        kind, _, ident = value.partition(":")
        if kind in {"user", "api_key", "scim_token"} and ident:
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

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.list_queryset())
        shown = TargetText(self.principal).shown(page)
        return self.get_paginated_response(
            [event_to_dict(e, s) for e, s in zip(page, shown, strict=True)]
        )

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
        text = TargetText(self.principal)

        def shown(events):
            for batch in _batches(events):
                yield from zip(batch, text.shown(batch), strict=True)

        def rows():
            with tenant_context(tenant), transaction.atomic():
                events = shown(query.order_by("seq").iterator(chunk_size=2000))
                if kind == "csv":
                    yield from csv_chunks(list(EXPORT_FIELDS), (_flat(e, s) for e, s in events))
                else:
                    for event, seen in events:
                        yield json.dumps(event_to_dict(event, seen), ensure_ascii=False) + "\n"

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


SINK_PERMISSION = "audit.manage_auditsink"


class AuditSinkSerializer(serializers.ModelSerializer):
    # Declared, not derived: the model fields' ranges differ by database, the schema must not.
    port = serializers.IntegerField(allow_null=True)
    cursor = serializers.IntegerField(help_text="The seq of the newest event the sink accepted.")
    failures = serializers.IntegerField(help_text="Failed attempts in a row.")

    class Meta:
        model = AuditSink
        fields = [
            "id",
            "kind",
            "name",
            "enabled",
            "url",
            "host",
            "port",
            "tls",
            "ca_certificate",
            "server_name",
            "cursor",
            "failures",
            "last_error",
            "last_success_at",
            "failing_since",
            "next_attempt_at",
            "created_at",
            "updated_at",
        ]


class AuditSinkCreatedSerializer(AuditSinkSerializer):
    secret = serializers.CharField(
        help_text="An https sink's signing key (as webhooks'). Shown only now: store it."
    )

    class Meta(AuditSinkSerializer.Meta):
        fields = [*AuditSinkSerializer.Meta.fields, "secret"]


class AuditSinkWriteSerializer(StrictInput):
    kind = ChoiceField(choices=AuditSink.Kind.choices)
    name = serializers.CharField(max_length=100, allow_blank=True, default="")
    enabled = serializers.BooleanField(default=True)
    url = serializers.URLField(max_length=1000, allow_blank=True, default="")
    host = serializers.CharField(max_length=253, allow_blank=True, default="")
    port = serializers.IntegerField(min_value=1, max_value=65535, allow_null=True, default=None)
    tls = serializers.BooleanField(default=False)
    ca_certificate = serializers.CharField(
        max_length=20000, allow_blank=True, default="", trim_whitespace=False
    )
    server_name = serializers.CharField(max_length=253, allow_blank=True, default="")
    backfill = serializers.BooleanField(
        default=False,
        help_text="Stream every event kept, not only those from the sink's creation on.",
    )


class AuditSinkUpdateSerializer(StrictInput):
    name = serializers.CharField(max_length=100, allow_blank=True)
    enabled = serializers.BooleanField()
    url = serializers.URLField(max_length=1000, allow_blank=True)
    host = serializers.CharField(max_length=253, allow_blank=True)
    port = serializers.IntegerField(min_value=1, max_value=65535, allow_null=True)
    tls = serializers.BooleanField()
    ca_certificate = serializers.CharField(
        max_length=20000, allow_blank=True, trim_whitespace=False
    )
    server_name = serializers.CharField(max_length=253, allow_blank=True)


class AuditSinkTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    error = serializers.CharField(allow_null=True)


class AuditSinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Receivers the audit log is streamed to, every event at least once and in order
    (docs/operations.md "Audit streaming"). An https sink's secret is returned once."""

    model = AuditSink
    serializer_class = AuditSinkSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": SINK_PERMISSION,
        "retrieve": SINK_PERMISSION,
        "create": SINK_PERMISSION,
        "partial_update": SINK_PERMISSION,
        "destroy": SINK_PERMISSION,
        "rotate_secret": SINK_PERMISSION,
        "send_test": SINK_PERMISSION,
    }

    @extend_schema(request=AuditSinkWriteSerializer, responses={201: AuditSinkCreatedSerializer})
    def create(self, request, *args, **kwargs):
        data = AuditSinkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sink = sinks.sink_create(actor=self.principal, **data.validated_data)
        return self._with_secret(sink, status.HTTP_201_CREATED)

    @extend_schema(request=AuditSinkUpdateSerializer, responses={200: AuditSinkSerializer})
    def partial_update(self, request, *args, **kwargs):
        sink = self.get_object()
        data = AuditSinkUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sink = sinks.sink_update(actor=self.principal, sink=sink, data=data.validated_data)
        return self.etag_response(AuditSinkSerializer(sink).data, sink)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted; streaming stops.")})
    def destroy(self, request, *args, **kwargs):
        sinks.sink_delete(actor=self.principal, sink=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: AuditSinkCreatedSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, *args, **kwargs):
        """A new signing secret for an https sink, returned once; the old one stops at once."""
        sink = sinks.sink_rotate_secret(actor=self.principal, sink=self.get_object())
        return self._with_secret(sink, status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: AuditSinkTestSerializer})
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, *args, **kwargs):
        """Send one test message (action `audit.sink_test`, seq 0) now and say whether
        the receiver accepted it; the cursor does not move."""
        error = sinks.sink_test(actor=self.principal, sink=self.get_object())
        return Response({"ok": not error, "error": error or None})

    def _with_secret(self, sink, code) -> Response:
        response = Response(AuditSinkCreatedSerializer(sink).data, status=code)
        response["Cache-Control"] = "no-store"
        return response


class AuditRetentionOwnersSerializer(serializers.Serializer):
    days = serializers.IntegerField(allow_null=True, help_text="Null: keep everything.")
    effective_at = serializers.DateTimeField(
        help_text="When it holds: at once for a longer retention, some days later for a "
        "shorter one."
    )
    previous_days = serializers.IntegerField(allow_null=True, help_text="What holds until then.")
    set_by = serializers.CharField()
    set_at = serializers.DateTimeField()


class AuditRetentionSerializer(serializers.Serializer):
    days_in_force = serializers.IntegerField(
        allow_null=True,
        help_text="Events older than this many days are deleted by the platform's daily "
        "purge; null: none are.",
    )
    owners = AuditRetentionOwnersSerializer(allow_null=True)
    operator_days = serializers.IntegerField(
        allow_null=True, help_text="Set by the platform's operators; wins when set."
    )
    minimum_days = serializers.IntegerField()
    shortening_delay_days = serializers.IntegerField()


class AuditRetentionUpdateSerializer(StrictInput):
    days = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="Null: keep everything."
    )


class AuditRetentionViewSet(TenantScopedViewSet):
    """How long the audit log is kept (docs/operations.md, "Audit retention")."""

    model = AuditRetention
    serializer_class = AuditRetentionSerializer
    pagination_class = None
    permission_map = {"show": "audit.view_auditevent", "change": "audit.manage_retention"}

    def _answer(self) -> Response:
        chain = AuditChain.objects.first()
        setting = retention.owners_retention()
        return Response(
            {
                "days_in_force": retention.in_force(),
                "owners": None
                if setting is None
                else {
                    "days": setting.days,
                    "effective_at": iso_utc(setting.effective_at),
                    "previous_days": setting.previous_days,
                    "set_by": setting.set_by,
                    "set_at": iso_utc(setting.set_at),
                },
                "operator_days": chain.retention_days if chain else None,
                "minimum_days": settings.AUDIT_MIN_RETENTION_DAYS,
                "shortening_delay_days": settings.AUDIT_RETENTION_SHORTENING_DELAY_DAYS,
            }
        )

    @extend_schema(
        operation_id="getAuditRetention",
        summary="Show how long the audit log is kept",
        responses={200: AuditRetentionSerializer},
    )
    def show(self, request, *args, **kwargs):
        return self._answer()

    @extend_schema(
        operation_id="setAuditRetention",
        summary="Set how long the audit log is kept",
        request=AuditRetentionUpdateSerializer,
        responses={200: AuditRetentionSerializer},
    )
    def change(self, request, *args, **kwargs):
        """A longer retention (or none) holds at once; a shorter one only after the delay
        the answer gives, so the trail of a hijacked owner account cannot be purged the
        same day. Never under `minimum_days`."""
        data = AuditRetentionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        retention.retention_set(actor=self.principal, days=data.validated_data["days"])
        return self._answer()
