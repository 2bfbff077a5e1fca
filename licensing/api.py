"""`/api/v1/tenants/{tenant}/licensing/...`: rights holders, sources, licenses and their
review, evidence, the sources of each digest, and compliance reports.

Digest-derived text. The importer (and every digest made through the API) fills the
registry from the digests themselves: an episode source's title, publisher and URL are
its digest's, a rights holder's name is a digest's publisher. That text is shown here
only as the caller could see it in the digest's own response, decided by
`licensing.text_gate.TextGate` from `digests.selectors.visible_digests` and the caller's
rule set (`policies.selectors.rule_set_for`), the digest list's own condition:

- A source's (or holder's) text is shown when it is linked to no digest (registry data
  typed in by hand), or when at least one digest linked to it is readable by the caller
  and no enforce-mode `field_hide: source` rule applies to them; shown text goes through
  the caller's redact rules. Otherwise it is withheld: `null` (the row stays).
- A compliance officer sees every source and rights holder of the tenant with its
  registry fields (id, kind, feed, rights holder id, license status, attribution,
  licenses, evidence, dates), and so can judge and license it; of a source whose digests
  are all hidden from them (restricted without a grant, or hidden by a policy in force
  for them) they see no digest text: title, publisher, URL and holder name are null.
  The reports list and count only the digests they may read, as the digest list does.
- A viewer (`licensing.view_source` only) sees the same registry, filtered the same way:
  the license status and attribution of every source, and the text of the sources of
  digests they can read. `q=` searches titles as the caller is shown them: a withheld
  title is not searched, a redacted one only as redacted.
- `digests/{id}/sources/` is the digest's own `sources` field: a digest the caller
  cannot read is a 404, a hidden `source` field a 403, and the redact rules apply.
"""

from __future__ import annotations

import dataclasses

from django.db.models import F
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core.exports import csv_chunks
from core.params import whole_number
from digests import selectors as digest_selectors
from digests.models import Digest
from digests.serializers import DigestLicensedSourceSerializer
from licensing import reports, selectors, services
from licensing import terms as term_rules
from licensing.models import Evidence, License, LicenseVersion, RightsHolder, Source
from licensing.serializers import (
    LICENSE_STATUSES,
    DigestSourcesSerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    LicenseCreateSerializer,
    LicenseSerializer,
    LicenseVersionSerializer,
    ReportSerializer,
    ReviewSerializer,
    RightsHolderSerializer,
    RightsHolderWriteSerializer,
    SourceRightsSerializer,
    SourceSerializer,
    SourceWriteSerializer,
    TermsSerializer,
    evidence_to_dict,
    holder_to_dict,
    license_to_dict,
    rights_to_dict,
    source_to_dict,
    version_to_dict,
)
from licensing.text_gate import TextGate
from licensing.uses import USE_NAMES
from tenants.api_base import TenantScopedViewSet
from tenants.result_cache import cached_result


def _id_param(params, name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise serializers.ValidationError({name: ["An id (a whole number)."]}) from None


# --- Rights holders ------------------------------------------------------------------------------


class TextGateMixin:
    """What the caller may see of digest-derived text (licensing.text_gate), made once
    per request."""

    def text_gate(self) -> TextGate:
        if not hasattr(self, "_text_gate"):
            self._text_gate = TextGate(self.principal)
        return self._text_gate


class RightsHolderViewSet(TextGateMixin, mixins.ListModelMixin, TenantScopedViewSet):
    """Whoever grants rights over sources: publishers, networks, societies. A holder the
    importer named after digests' publisher shows its name only if one of those digests
    is readable by you (null otherwise), through your redact rules."""

    model = RightsHolder
    serializer_class = RightsHolderSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "licensing.view_source",
        "retrieve": "licensing.view_source",
        "create": "licensing.add_source",
        "partial_update": "licensing.change_source",
        "destroy": "licensing.delete_source",
    }

    def _shown(self, holder: RightsHolder) -> dict:
        return self._render([holder])[0]

    def _render(self, holders) -> list[dict]:
        gate = self.text_gate()
        return [holder_to_dict(h, gate) for h in gate.mark(holders, holder="pk")]

    def cursor_ordering(self):
        # Not by name: a cursor carries its last row's value of the first field, and a
        # withheld name would leave in it.
        return ("-id",)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._render(page))

    def retrieve(self, request, *args, **kwargs):
        holder = self.get_object()
        return self.etag_response(self._shown(holder), holder)

    @extend_schema(request=RightsHolderWriteSerializer, responses={201: RightsHolderSerializer})
    def create(self, request, *args, **kwargs):
        data = RightsHolderWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        holder = services.rights_holder_create(actor=self.principal, **data.validated_data)
        return Response(self._shown(holder), status=status.HTTP_201_CREATED)

    @extend_schema(request=RightsHolderWriteSerializer, responses={200: RightsHolderSerializer})
    def partial_update(self, request, *args, **kwargs):
        holder = self.get_object()
        data = RightsHolderWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        holder = services.rights_holder_update(
            actor=self.principal, holder=holder, **data.validated_data
        )
        return self.etag_response(self._shown(holder), holder)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.rights_holder_delete(actor=self.principal, holder=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Sources -----------------------------------------------------------------------------------


class SourceViewSet(TextGateMixin, mixins.ListModelMixin, TenantScopedViewSet):
    """Feeds, episodes, videos and articles that digests derive from."""

    model = Source
    serializer_class = SourceSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "licensing.view_source",
        "retrieve": "licensing.view_source",
        "rights": "licensing.view_source",
        "create": "licensing.add_source",
        "partial_update": "licensing.change_source",
        "destroy": "licensing.delete_source",
    }

    def narrow_queryset(self, queryset):
        queryset = queryset.select_related("rights_holder")
        params = self.request.query_params
        if "kind" in params:
            if params["kind"] not in Source.Kind.values:
                raise serializers.ValidationError(
                    {"kind": [f"One of {', '.join(Source.Kind.values)}."]}
                )
            queryset = queryset.filter(kind=params["kind"])
        if params.get("rights_holder"):
            queryset = queryset.filter(rights_holder_id=_id_param(params, "rights_holder"))
        if params.get("q"):
            queryset = self.text_gate().search_titles(queryset, params["q"][:200])
        return selectors.with_license_status(queryset)

    def cursor_ordering(self):
        return ("-id",)

    def _render(self, sources: list[Source]) -> list[dict]:
        gate = self.text_gate()
        unread = [s.pk for s in sources if not hasattr(s, "license_status")]
        if unread:  # just written: read them as the caller sees them
            again = {s.pk: s for s in self.get_queryset().filter(pk__in=unread)}
            sources = [again.get(s.pk, s) for s in sources]
        return [source_to_dict(s, gate) for s in gate.mark_sources(sources)]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=Source.Kind.values),
            OpenApiParameter("rights_holder", int),
            OpenApiParameter("q", str, description="Words in the title"),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._render(list(page)))

    def retrieve(self, request, *args, **kwargs):
        source = self.get_object()
        return self.etag_response(self._render([source])[0], source)

    @extend_schema(request=SourceWriteSerializer, responses={201: SourceSerializer})
    def create(self, request, *args, **kwargs):
        data = SourceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        source = services.source_create(actor=self.principal, **data.validated_data)
        return Response(self._render([source])[0], status=status.HTTP_201_CREATED)

    @extend_schema(request=SourceWriteSerializer, responses={200: SourceSerializer})
    def partial_update(self, request, *args, **kwargs):
        source = self.get_object()
        data = SourceWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        source = services.source_update(actor=self.principal, source=source, **data.validated_data)
        return self.etag_response(self._render([source])[0], source)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.source_delete(actor=self.principal, source=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "use",
                str,
                enum=[*USE_NAMES],
                many=True,
                description="The uses to answer for; all of them when left out.",
            )
        ],
        responses={200: SourceRightsSerializer},
    )
    @action(detail=True, methods=["get"])
    def rights(self, request, *args, **kwargs):
        """Effective rights today: for each use, permitted, prohibited or unknown, with the
        licenses behind the answer. A prohibition beats a permission; unknown is not
        permitted."""
        source = self.get_object()
        uses = request.query_params.getlist("use") or list(USE_NAMES)
        unknown = [u for u in uses if u not in USE_NAMES]
        if unknown:
            raise serializers.ValidationError(
                {"use": [f"Unknown use {unknown[0]!r}; one of {', '.join(USE_NAMES)}."]}
            )
        on = selectors.today()
        answers = selectors.effective_rights(source, list(dict.fromkeys(uses)), on)
        return Response(
            {
                "source": source.pk,
                "on": on.isoformat(),
                "rights": [rights_to_dict(r) for r in answers],
            }
        )


# --- Licenses ----------------------------------------------------------------------------------


class LicenseViewSet(TextGateMixin, mixins.ListModelMixin, TenantScopedViewSet):
    """Licenses for a source, or for every source of a rights holder. Editing writes a new
    version that needs review; the last approved version stays in force meanwhile."""

    model = License
    serializer_class = LicenseSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "licensing.view_license",
        "retrieve": "licensing.view_license",
        "versions": "licensing.view_license",
        "evidence": "licensing.view_license",
        "create": "licensing.add_license",
        "attach": "licensing.add_license",
        "partial_update": "licensing.change_license",
        "review": "licensing.review_license",
        "destroy": "licensing.delete_license",
    }

    def _render(self, lic: License, on=None) -> dict:
        return self._render_all([lic], on)[0]

    def _render_all(self, licenses, on=None) -> list[dict]:
        """Licenses with their source's and rights holder's names as the caller may see
        them."""
        gate = self.text_gate()
        return [license_to_dict(lic, gate, on) for lic in gate.mark_licenses(licenses)]

    @staticmethod
    def with_names(queryset):
        """Licenses with what `license_to_dict` shows of their versions, source and
        rights holder."""
        return queryset.select_related("latest", "in_force", "source", "rights_holder")

    def narrow_queryset(self, queryset):
        queryset = self.with_names(queryset)
        params = self.request.query_params
        for name in ("source", "rights_holder"):
            if params.get(name):
                queryset = queryset.filter(**{f"{name}_id": _id_param(params, name)})
        wanted = params.get("status")
        if wanted is not None:
            if wanted not in LICENSE_STATUSES:
                raise serializers.ValidationError(
                    {"status": [f"One of {', '.join(LICENSE_STATUSES)}."]}
                )
            on = selectors.today()
            lapsed = {
                "in_force_id": F("latest_id"),
                "latest__status__in": selectors.APPROVED,
                "latest__valid_until__lt": on,
            }
            if wanted == selectors.EXPIRED:
                queryset = queryset.filter(**lapsed)
            elif wanted in selectors.APPROVED:
                queryset = queryset.filter(latest__status=wanted).exclude(**lapsed)
            else:
                queryset = queryset.filter(latest__status=wanted)
        return queryset

    def cursor_ordering(self):
        return ("-id",)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=LICENSE_STATUSES),
            OpenApiParameter("source", int),
            OpenApiParameter("rights_holder", int),
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self._render_all(page, selectors.today()))

    def retrieve(self, request, *args, **kwargs):
        lic = self.get_object()
        return self.etag_response(self._render(lic), lic)

    @extend_schema(request=LicenseCreateSerializer, responses={201: LicenseSerializer})
    def create(self, request, *args, **kwargs):
        data = LicenseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        terms = dict(data.validated_data)
        source, holder = terms.pop("source", None), terms.pop("rights_holder", None)
        lic = services.license_propose(
            actor=self.principal, source=source, rights_holder=holder, terms=terms
        )
        return Response(self._render(lic), status=status.HTTP_201_CREATED)

    @extend_schema(request=TermsSerializer, responses={200: LicenseSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Revise the terms: a new version, pending review (nothing changes if the terms
        are the same)."""
        lic = self.get_object()
        data = TermsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        lic = services.license_revise(actor=self.principal, lic=lic, changes=data.validated_data)
        lic = self.with_names(License.objects.all()).get(pk=lic.pk)
        return self.etag_response(self._render(lic), lic)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.license_delete(actor=self.principal, lic=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ReviewSerializer, responses={200: LicenseSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        """Decide on the newest version: approve (with or without conditions), reject, or
        ask for more information. Approving puts it in force; rejecting the version in
        force revokes it."""
        lic = self.get_object()
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.license_review(actor=self.principal, lic=lic, **data.validated_data)
        return Response(self._render(self.with_names(License.objects.all()).get(pk=lic.pk)))

    @extend_schema(responses={200: LicenseVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, *args, **kwargs):
        """Every version, newest first, with every decision taken on it."""
        lic = self.get_object()
        versions = LicenseVersion.objects.filter(license=lic).prefetch_related("reviews")
        return Response([version_to_dict(v) for v in versions.order_by("-number")])

    @extend_schema(responses={200: EvidenceSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def evidence(self, request, *args, **kwargs):
        """The files backing this license (their content: /licensing/evidence/{id}/file/)."""
        lic = self.get_object()
        files = Evidence.objects.filter(license=lic).defer("content").order_by("id")
        return Response([evidence_to_dict(e) for e in files])

    @extend_schema(request=EvidenceUploadSerializer, responses={201: EvidenceSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="evidence/upload",
        parser_classes=[parsers.MultiPartParser],
    )
    def attach(self, request, *args, **kwargs):
        """Attach a file as multipart/form-data (`file`, `description`). Recognised by its
        content: PDF, PNG, JPEG or UTF-8 text; at most 5 MiB; its SHA-256 is kept."""
        lic = self.get_object()
        data = EvidenceUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        evidence = services.evidence_add(
            actor=self.principal,
            lic=lic,
            filename=upload.name,
            claimed_type=getattr(upload, "content_type", "") or "",
            data=upload.read(),
            description=data.validated_data.get("description", ""),
        )
        return Response(evidence_to_dict(evidence), status=status.HTTP_201_CREATED)


class EvidenceViewSet(TenantScopedViewSet):
    """One evidence file: its record, and its content as stored."""

    model = Evidence
    http_method_names = ["get", "head", "options"]
    permission_map = {"retrieve": "licensing.view_license", "file": "licensing.view_license"}

    def narrow_queryset(self, queryset):
        if self.action == "retrieve":
            queryset = queryset.defer("content")
        return queryset

    @extend_schema(responses={200: EvidenceSerializer})
    def retrieve(self, request, *args, **kwargs):
        return Response(evidence_to_dict(self.get_object()))

    @extend_schema(
        responses={
            (200, kind): OpenApiResponse(OpenApiTypes.BINARY) for kind in term_rules.EVIDENCE_TYPES
        }
    )
    @action(detail=True, methods=["get"])
    def file(self, request, *args, **kwargs):
        """The file as uploaded, as an attachment (never rendered inline)."""
        evidence = self.get_object()
        response = HttpResponse(bytes(evidence.content), content_type=evidence.content_type)
        safe_name = "".join(c for c in evidence.filename if c.isalnum() or c in "._-") or "file"
        response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Digest"] = f"sha-256={evidence.sha256}"
        return response


# --- Digests and their sources ---------------------------------------------------------------


class DigestSourcesViewSet(TenantScopedViewSet):
    """The sources one digest derives from (`GET`), or replace them (`PUT`): the digest's
    own `sources`, found and shown exactly as the digest's response finds and shows them
    (a digest hidden from the caller is a 404; a hidden `source` field is a 403; the
    redact rules apply). A `PUT` may name only sources whose text the caller may see in
    the source registry: any other id is answered as a missing one."""

    model = Digest
    pagination_class = None
    http_method_names = ["get", "put", "head", "options"]
    permission_map = {"retrieve": "licensing.view_source", "update": "digests.change_digest"}

    def reader(self):
        if not hasattr(self, "_reader"):
            self._reader = digest_selectors.reader_for(self.principal)
        return self._reader

    def rule_set(self):
        return self.reader().rule_set

    def narrow_queryset(self, queryset):
        reader = self.reader()
        queryset = digest_selectors.readable_digests(reader, queryset)
        if self.action == "retrieve":
            # Read with its rendering, which `_shown` takes its sources from; a PUT's
            # answer is read again after the change.
            return digest_selectors.rendered(queryset, reader.day, detail=False)
        return queryset.only("pk", "tenant_id", "updated_at")

    def _digest(self) -> Digest:
        """The digest, as the digest endpoints find it; refused (403, before any change)
        when the caller's policies hide its sources."""
        digest = self.get_object()
        hider = self.rule_set().field_hiders.get("source")
        if hider is not None:
            raise PermissionDenied(hider.message)
        return digest

    def _shown(self, digest: Digest) -> list[dict]:
        """The digest's sources through the caller's policies, as its `sources` field (its
        licenses judged on the reader's day, as the digest's own response judges them)."""
        [(data, _)] = digest_selectors.as_shown(self.reader(), [digest], detail=False)
        return data["sources"]

    @extend_schema(responses={200: DigestLicensedSourceSerializer(many=True)})
    def retrieve(self, request, *args, **kwargs):
        return Response(self._shown(self._digest()))

    @extend_schema(
        request=DigestSourcesSerializer, responses={200: DigestLicensedSourceSerializer(many=True)}
    )
    def update(self, request, *args, **kwargs):
        digest = self._digest()
        data = DigestSourcesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = list(dict.fromkeys(data.validated_data["sources"]))
        # Only sources whose text the caller may see: linked to a digest they can read,
        # the source would show its text to every reader of this one. Any other is
        # answered as a missing one, so its existence is not told either.
        gate = TextGate(self.principal, self.rule_set())
        linkable = Source.objects.filter(pk__in=gate.shown_ids(Source, wanted))
        found = {s.pk: s for s in linkable}
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            raise serializers.ValidationError({"sources": [f"No source with id {missing[0]}."]})
        services.digest_sources_set(
            actor=self.principal, digest=digest, sources=[found[pk] for pk in wanted]
        )
        return Response(self._shown(digest))


# --- Reports ---------------------------------------------------------------------------------


EXPORT_FORMAT = OpenApiParameter(
    "export_format",
    str,
    enum=["json", "csv"],
    default="json",
    description="json: this document; csv: the rows as a streamed spreadsheet download",
)
REPORT_RESPONSES = {
    (200, "application/json"): ReportSerializer,
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Streamed CSV"),
}


class ComplianceReportViewSet(TextGateMixin, TenantScopedViewSet):
    """Compliance reports, as JSON or streamed CSV (`export_format=csv`)."""

    model = Source
    http_method_names = ["get", "head", "options"]
    pagination_class = None
    permission_map = {
        "sources": "licensing.view_compliance_report",
        "expiring": "licensing.view_compliance_report",
        "digests_at_risk": "licensing.view_compliance_report",
        "publishers": "licensing.view_compliance_report",
        "bill_of_sources": "licensing.view_compliance_report",
    }

    def _answer(self, report: reports.Report):
        kind = self.request.query_params.get("export_format", "json")
        if kind not in {"json", "csv"}:
            raise serializers.ValidationError({"export_format": ["Use json or csv."]})
        if kind == "csv":
            response = StreamingHttpResponse(
                csv_chunks(report.columns, report.rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{report.name}-{self.principal.tenant.slug}.csv"'
            )
            return response
        return Response(
            {
                "report": report.name,
                "generated_on": self.text_gate().reader.day.isoformat(),
                "summary": report.summary,
                "columns": report.columns,
                "rows": list(report.rows),
            }
        )

    def _kept(self, build, *args) -> reports.Report:
        """`build(*args, gate=...)`, the report for this caller, from the result cache
        when the tenant's rows have not changed since it was made for the same reader
        and arguments (tenants/result_cache.py)."""
        gate = self.text_gate()

        def compute():
            report = build(*args, gate=gate)
            return dataclasses.replace(report, rows=list(report.rows))

        report = cached_result(f"report:{build.__name__}", [args, gate.reader], compute)
        return dataclasses.replace(report, rows=iter(report.rows))

    @extend_schema(
        parameters=[
            EXPORT_FORMAT,
            OpenApiParameter("status", str, enum=[*selectors.SOURCE_STATUSES]),
        ],
        responses=REPORT_RESPONSES,
    )
    @action(detail=False, methods=["get"])
    def sources(self, request, *args, **kwargs):
        """Every source by license status (or only one status), with its digests."""
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in selectors.SOURCE_STATUSES:
            raise serializers.ValidationError(
                {"status": [f"One of {', '.join(selectors.SOURCE_STATUSES)}."]}
            )
        return self._answer(self._kept(reports.sources_by_status, wanted))

    @extend_schema(
        parameters=[
            EXPORT_FORMAT,
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 0, "maximum": 3650},
                description="Window in days, 30 by default",
            ),
        ],
        responses=REPORT_RESPONSES,
    )
    @action(detail=False, methods=["get"])
    def expiring(self, request, *args, **kwargs):
        """Licenses in force that end within the window, soonest first."""
        days = whole_number(request.query_params, "days", 30, low=0, high=3650)
        return self._answer(self._kept(reports.expiring, days))

    @extend_schema(
        parameters=[
            EXPORT_FORMAT,
            OpenApiParameter(
                "use",
                str,
                enum=[*USE_NAMES],
                description="The use to check, display_internally by default",
            ),
        ],
        responses=REPORT_RESPONSES,
    )
    @action(detail=False, methods=["get"], url_path="digests-at-risk")
    def digests_at_risk(self, request, *args, **kwargs):
        """Digests relying on a source that is not licensed for the use (unlicensed,
        pending, rejected, expired or prohibiting), or on no source at all."""
        use = request.query_params.get("use", "display_internally")
        if use not in USE_NAMES:
            raise serializers.ValidationError({"use": [f"One of {', '.join(USE_NAMES)}."]})
        return self._answer(self._kept(reports.digests_at_risk, use, self._digests()))

    @extend_schema(parameters=[EXPORT_FORMAT], responses=REPORT_RESPONSES)
    @action(detail=False, methods=["get"])
    def publishers(self, request, *args, **kwargs):
        """Per rights holder: sources by status, holder-wide licenses, digests."""
        return self._answer(self._kept(reports.publishers))

    @extend_schema(
        parameters=[
            EXPORT_FORMAT,
            OpenApiParameter("digest", int, description="One digest; the whole tenant if left out"),
        ],
        responses=REPORT_RESPONSES,
    )
    @action(detail=False, methods=["get"], url_path="bill-of-sources")
    def bill_of_sources(self, request, *args, **kwargs):
        """Every digest's sources and the licenses covering them."""
        raw = request.query_params.get("digest")
        digests = self._digests()
        if raw is not None:
            digests = digests.filter(pk=_id_param(request.query_params, "digest"))
            if not digests.exists():
                raise NotFound(f"No digest with id {raw}.")
        return self._answer(reports.bill_of_sources(digests, gate=self.text_gate()))

    def _digests(self):
        """The digests this caller may read, as the digest list finds them (visibility,
        less what their enforce-mode rules hide): a report never shows another."""
        return self.text_gate().readable_digests()
