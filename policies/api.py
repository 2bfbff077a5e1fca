"""`/api/v1/tenants/{tenant}/policies/`: drafts, versions, publishing, rollback, simulation;
and `policies/insight/`, what the rules in force did (policies.insight)."""

from __future__ import annotations

import datetime as dt

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.exceptions import Forbidden
from core.filters import IdFilter, StrictFilterSet
from core.serializers import RefusesUnknownFields, StrictInput
from digests import selectors as digest_selectors
from digests.models import Digest
from policies import insight, services
from policies.models import Policy, PolicyRuleDay, PolicyVersion
from policies.rules import KINDS
from policies.simulation import SIMULATION_LIMIT, SIMULATION_REPORTED, simulation
from tenants.api_base import TenantScopedViewSet
from tenants.models import SLUG_VALIDATOR, ApiKey, Role
from tenants.principals import Principal, require_grantable, role_permissions

SIMULATION_DESCRIPTION = (
    "What the draft would change for one role or API key, against what is in force. "
    f"Evaluated: the first {SIMULATION_LIMIT:,} digests, newest first, that both that "
    "principal and you can see (your own visibility, less what the policies in force hide "
    "from you), less those your own policies change (redact, hide a field or a section), "
    "which are counted as `withheld`; `truncated` says whether more digests were left "
    "out. A simulation never shows you more than your own digest list does: it needs "
    "`digests.view_digest` besides `policies.change_policy` (and `tenants.view_apikey` to "
    "simulate an API key), and you may simulate a role "
    "or an API key only if its role holds no permission yours lacks; only owners "
    "simulate owners."
)


class RuleSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=[(k, k) for k in KINDS])
    params = serializers.DictField()
    audience = serializers.DictField()
    mode = serializers.ChoiceField(choices=[("enforce", "enforce"), ("monitor", "monitor")])
    message = serializers.CharField()
    overridable = serializers.BooleanField()


class VersionSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(source="published_by_display")

    class Meta:
        model = PolicyVersion
        fields = ["number", "rules", "note", "copied_from", "published_by", "published_at"]


class PolicySerializer(serializers.ModelSerializer):
    active_version = serializers.IntegerField(
        source="active_version.number", allow_null=True, default=None
    )

    class Meta:
        model = Policy
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "enabled",
            "active_version",
            "draft_rules",
            "draft_updated_at",
            "created_at",
            "updated_at",
        ]


class PolicyCreateSerializer(StrictInput):
    name = serializers.CharField(max_length=100)
    slug = serializers.RegexField(SLUG_VALIDATOR.regex, max_length=50, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    rules = serializers.ListField(child=serializers.JSONField(), required=False)


class PolicyUpdateSerializer(StrictInput):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    enabled = serializers.BooleanField(required=False)
    rules = serializers.ListField(
        child=serializers.JSONField(), required=False, help_text="Replaces the draft's rules."
    )


class PublishSerializer(StrictInput):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RollbackSerializer(PublishSerializer):
    version = serializers.IntegerField(min_value=1)


class SimulateSerializer(RefusesUnknownFields):
    """Whom to simulate: exactly one of a role and an API key."""

    schema_extra = {"minProperties": 1, "maxProperties": 1}

    as_role = serializers.SlugField(required=False)
    as_api_key = serializers.CharField(required=False, help_text="An API key's prefix.")

    def validate(self, attrs):
        if bool(attrs.get("as_role")) == bool(attrs.get("as_api_key")):
            raise serializers.ValidationError("Give exactly one of as_role or as_api_key.")
        return attrs


class SimulationSerializer(serializers.Serializer):
    evaluated = serializers.IntegerField(
        help_text="Digests the draft was evaluated on: among the first "
        f"{SIMULATION_LIMIT:,} (newest first) that both the simulated principal and you "
        "can see, those your own policies leave whole."
    )
    withheld = serializers.IntegerField(
        help_text="Digests among those first ones that your own policies change (redact, "
        "hide a field or a section): not evaluated, since the draft would be tried on "
        "text you cannot read."
    )
    before = serializers.DictField(
        help_text="`version` in force, and of the evaluated digests how many it hides "
        "(`hidden`) and how many have any finding (`with_findings`)."
    )
    after = serializers.DictField(help_text="The same with the draft published.")
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text=f"The first {SIMULATION_REPORTED} evaluated digests whose outcome changes: "
        "id, title as you see it, and the findings before and after.",
    )
    truncated = serializers.BooleanField(
        help_text=f"More than {SIMULATION_LIMIT:,} digests are visible to both; the oldest "
        "were not looked at."
    )


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """Content policies. Each has a draft and numbered published versions; every enabled
    policy's active version applies wherever a digest leaves the system."""

    model = Policy
    serializer_class = PolicySerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "policies.view_policy",
        "retrieve": "policies.view_policy",
        "versions": "policies.view_policy",
        "create": "policies.add_policy",
        "partial_update": "policies.change_policy",
        "destroy": "policies.delete_policy",
        "publish": "policies.publish_policy",
        "rollback": "policies.publish_policy",
        "simulate": "policies.change_policy",
    }

    def narrow_queryset(self, queryset):
        return queryset.select_related("active_version")

    def cursor_ordering(self):
        return ("-id",)

    @extend_schema(request=PolicyCreateSerializer, responses={201: PolicySerializer})
    def create(self, request, *args, **kwargs):
        data = PolicyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_create(actor=self.principal, **data.validated_data)
        return Response(PolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, *args, **kwargs):
        policy = self.get_object()
        return self.etag_response(PolicySerializer(policy).data, policy)

    @extend_schema(request=PolicyUpdateSerializer, responses={200: PolicySerializer})
    def partial_update(self, request, *args, **kwargs):
        policy = self.get_object()
        data = PolicyUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = services.policy_update(actor=self.principal, policy=policy, **data.validated_data)
        return self.etag_response(PolicySerializer(policy).data, policy)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.policy_delete(actor=self.principal, policy=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PublishSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        """Freeze the draft as the next version and put it in force."""
        policy = self.get_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.policy_publish(
            actor=self.principal, policy=policy, note=data.validated_data["note"]
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RollbackSerializer, responses={201: VersionSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, *args, **kwargs):
        """Publish a copy of an older version as the next one."""
        policy = self.get_object()
        data = RollbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.policy_rollback(
            actor=self.principal,
            policy=policy,
            number=data.validated_data["version"],
            note=data.validated_data["note"],
        )
        return Response(VersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: VersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, *args, **kwargs):
        """Every published version, newest first, with who published it and when."""
        policy = self.get_object()
        versions = PolicyVersion.objects.filter(policy=policy).order_by("-number")
        return Response(VersionSerializer(versions, many=True).data)

    @extend_schema(
        request=SimulateSerializer,
        responses={200: SimulationSerializer},
        description=SIMULATION_DESCRIPTION,
    )
    @action(detail=True, methods=["post"])
    def simulate(self, request, *args, **kwargs):
        """What the draft would change for one role or API key (SIMULATION_DESCRIPTION)."""
        policy = self.get_object()
        if not self.principal.has("digests.view_digest"):
            raise exceptions.PermissionDenied(
                f"A simulation shows digests, and your role ({self.principal.role.slug}) "
                "does not include digests.view_digest."
            )
        data = SimulateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        principal = self._impersonate(data.validated_data)
        return Response(simulation(caller=self.principal, principal=principal, policy=policy))

    def _impersonate(self, wanted: dict) -> Principal:
        """The principal to simulate: one whose role holds nothing the caller's lacks
        (the rule for granting roles, tenants.principals.require_grantable)."""
        tenant = self.principal.tenant
        if wanted.get("as_role"):
            role = Role.objects.filter(slug=wanted["as_role"]).first()
            if role is None:
                raise serializers.ValidationError({"as_role": ["No such role."]})
            key = None
            named = f"role {role.slug!r}"
        else:
            # Which keys exist, and their roles, are for those who may list keys.
            if not self.principal.has("tenants.view_apikey"):
                raise exceptions.PermissionDenied(
                    f"Simulating an API key names one, and your role ({self.principal.role.slug}) "
                    "does not include tenants.view_apikey; simulate its role instead."
                )
            key = ApiKey.objects.select_related("role").filter(prefix=wanted["as_api_key"]).first()
            if key is None:
                raise serializers.ValidationError({"as_api_key": ["No such API key."]})
            role = key.role
            named = f"API key {key.prefix} (role {role.slug!r})"
        try:
            require_grantable(self.principal, role)
        except Forbidden as refused:
            raise Forbidden(
                f"You cannot simulate as {named}: {refused.detail}", code=refused.code
            ) from None
        return Principal(tenant=tenant, role=role, permissions=role_permissions(role), api_key=key)


# --- Policy insight ---------------------------------------------------------------------------


class InsightFilter(StrictFilterSet):
    since = django_filters.DateFilter(
        field_name="day",
        lookup_expr="gte",
        help_text=f"The first day counted; by default {insight.DEFAULT_DAYS - 1} days before "
        "`until`.",
    )
    until = django_filters.DateFilter(
        field_name="day", lookup_expr="lte", help_text="The last day counted; by default today."
    )
    policy = IdFilter(field_name="policy_id", help_text="A policy's id.")
    rule = django_filters.CharFilter(help_text="A rule as findings name it: `<policy>/<rule id>`.")
    mode = django_filters.ChoiceFilter(choices=PolicyRuleDay.Mode.choices)
    action = django_filters.ChoiceFilter(choices=PolicyRuleDay.Action.choices)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("since") is None:
            until = self.form.cleaned_data.get("until") or insight.today()
            queryset = queryset.filter(day__gte=until - dt.timedelta(days=insight.DEFAULT_DAYS - 1))
        return queryset


class _RuleOutcome(serializers.Serializer):
    policy = serializers.IntegerField(source="policy_id", help_text="The policy's id.")
    rule = serializers.CharField(help_text="`<policy slug>/<rule id>`, as findings name it.")
    kind = serializers.CharField()
    mode = serializers.ChoiceField(choices=PolicyRuleDay.Mode.choices)
    action = serializers.ChoiceField(
        choices=PolicyRuleDay.Action.choices,
        help_text="What the rule did (monitor mode: would have done): a finding's action. "
        "`hide` in enforce mode is a detail refused (404 or 451).",
    )
    count = serializers.IntegerField(
        help_text="Digests it acted on, each counted once per answer that showed it."
    )


class RuleInsightSerializer(_RuleOutcome):
    first_day = serializers.DateField()
    last_day = serializers.DateField()


class DayInsightSerializer(_RuleOutcome):
    day = serializers.DateField()


class ReaderInsightSerializer(_RuleOutcome):
    role = serializers.CharField(help_text="The readers' role (its slug).")
    by_api_key = serializers.BooleanField(help_text="Read through an API key, not by people.")
    api_key = serializers.CharField(
        source="key",
        allow_null=True,
        help_text="The key's prefix; null for people, and for every key when your role does "
        "not include tenants.view_apikey (then one entry stands for all of that role's keys).",
    )


class InvolvedRuleSerializer(serializers.Serializer):
    rule = serializers.CharField()
    mode = serializers.ChoiceField(choices=PolicyRuleDay.Mode.choices)
    action = serializers.ChoiceField(choices=PolicyRuleDay.Action.choices)


class InvolvedDigestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(
        allow_null=True,
        help_text="As you are shown it (your policies applied); null when you may not read "
        "the digest.",
    )
    rules = InvolvedRuleSerializer(many=True)


class PolicyInsightViewSet(TenantScopedViewSet):
    """What the content policies in force did to the digests people and apps were shown:
    per rule, per day, for whom, and on which digests (docs/compliance.md "Policy
    insight"). Monitor-mode rules are counted like enforced ones, so a rule can be
    watched before it bites. Never the text a rule matched."""

    model = PolicyRuleDay
    filterset_class = InsightFilter
    permission_map = {
        "list": "policies.view_policy",
        "days": "policies.view_policy",
        "readers": "policies.view_policy",
        "digests": "policies.view_policy",
    }
    _ORDERINGS = {
        "list": ("-count", "rule", "kind", "mode", "action"),
        "days": ("-day", "rule", "kind", "mode", "action"),
        "readers": ("-count", "rule", "kind", "mode", "action", "role", "key"),
        "digests": ("-id",),
    }

    def cursor_ordering(self):
        return self._ORDERINGS.get(self.action, ("-id",))

    def _paged(self, rows, serializer):
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(serializer(page, many=True).data)

    @extend_schema(responses=RuleInsightSerializer(many=True))
    def list(self, request, *args, **kwargs):
        """Per rule, mode and action: how many digests it acted on in the range, most
        first."""
        return self._paged(insight.rule_totals(self.list_queryset()), RuleInsightSerializer)

    @extend_schema(filters=True, responses=DayInsightSerializer(many=True))
    @action(detail=False, methods=["get"])
    def days(self, request, *args, **kwargs):
        """Per day, rule, mode and action, newest day first."""
        rows = self.filter_queryset(self.get_queryset())
        return self._paged(insight.day_series(rows), DayInsightSerializer)

    @extend_schema(filters=True, responses=ReaderInsightSerializer(many=True))
    @action(detail=False, methods=["get"])
    def readers(self, request, *args, **kwargs):
        """For whom: per rule, mode, action and reader (a role's people, or an API key),
        most first."""
        rows = self.filter_queryset(self.get_queryset())
        keys_shown = self.principal.has("tenants.view_apikey")
        return self._paged(insight.readers(rows, keys_shown=keys_shown), ReaderInsightSerializer)

    @extend_schema(
        filters=True,
        responses=InvolvedDigestSerializer(many=True),
        description=f"On what: the digests the rules acted on (the first {insight.SAMPLE} of "
        "each rule, reader and day), newest first, with the rules that acted on each. Ids "
        "always; titles only of those you may read.",
    )
    @action(detail=False, methods=["get"])
    def digests(self, request, *args, **kwargs):
        """On what: the digests the rules acted on, with the rules that acted on each."""
        rows = self.filter_queryset(self.get_queryset())
        involved = Digest.objects.filter(pk__in=insight.involved_ids(rows)).only("pk")
        page = self.paginate_queryset(involved)
        ids = [digest.pk for digest in page]
        rules = insight.rules_of(rows, ids)
        titles = self._titles(ids)
        body = [{"id": pk, "title": titles.get(pk), "rules": rules[pk]} for pk in ids]
        return self.get_paginated_response(InvolvedDigestSerializer(body, many=True).data)

    def _titles(self, ids: list[int]) -> dict[int, str]:
        """The titles, as the caller is shown them, of those of `ids` they may read."""
        if not ids or not self.principal.has("digests.view_digest"):
            return {}
        reader = digest_selectors.reader_for(self.principal)
        readable = digest_selectors.readable_digests(reader, Digest.objects.filter(pk__in=ids))
        digests = list(digest_selectors.rendered(readable, reader.day, detail=False))
        shown = digest_selectors.as_shown(reader, digests, detail=False)
        return {digest.pk: data["title"] for digest, (data, _) in zip(digests, shown, strict=True)}
