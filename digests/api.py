"""The digest library: `/api/v1/tenants/{tenant}/digests/`."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.pagination import CursorPagination
from core.params import BIGINT_MAX
from digests import examples, facets, highlights, search, selectors, services
from digests.filters import DigestFilter, ReaderFilterBackend
from digests.importing import import_many
from digests.models import LANGUAGE_MAX, LANGUAGE_PATTERN, Digest, validate_stored_language
from digests.serializers import (
    AccessSerializer,
    DigestDetailSerializer,
    DigestSerializer,
    DigestWriteSerializer,
    ImportResultSerializer,
)
from policies import insight
from policies.engine import hit_name
from tenants.api_base import TenantScopedViewSet
from tenants.models import Membership, Role

MAX_IMPORT_FILES = 200


class UnavailableForLegalReasons(exceptions.APIException):
    status_code = 451
    default_detail = "The source of this digest is not licensed for this use."
    default_code = "license_unavailable"


FILTER_PARAMS = frozenset(DigestFilter.base_filters)
ORDERINGS = {"-published_on": ("-published_on", "-id"), "published_on": ("published_on", "id")}

_FACET_VALUES = {
    name: {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "value": {"type": "integer" if name == "years" else "string"},
                "count": {"type": "integer", "minimum": 1},
            },
            "required": ["value", "count"],
        },
        "maxItems": facets.FACET_SIZE,
        "example": examples.FACETS[name],
    }
    for name in facets.FACETS
}


class DigestPagination(CursorPagination):
    """The list's pages, which carry `facets` beside the results when asked."""

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["facets"] = {
            "type": "object",
            "description": "Only with `facets`: for each facet asked, how many of all your "
            f"results (not only this page) carry each value, the {facets.FACET_SIZE} most "
            "frequent first (ties by value). Counted from the text you are shown: a "
            "redacted topic or publisher counts as its mask, hidden topics as none.",
            "properties": _FACET_VALUES,
            "additionalProperties": False,
        }
        return answer


class DigestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404)."""

    model = Digest
    serializer_class = DigestSerializer
    filterset_class = DigestFilter
    filter_backends = [ReaderFilterBackend]
    pagination_class = DigestPagination
    ordering_params = ("ordering",)  # read by cursor_ordering
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    permission_map = {
        "list": "digests.view_digest",
        "retrieve": "digests.view_digest",
        "create": "digests.add_digest",
        "update": "digests.change_digest",
        "partial_update": "digests.change_digest",
        "destroy": "digests.delete_digest",
        "publish": "digests.publish_digest",
        "archive": "digests.publish_digest",
        "access": "digests.manage_access_digest",
    }

    # The actions that show digests as they read them, and whether whole (detail) or as
    # list entries. Other actions read plain rows; what they answer is read again after
    # the write (`as_shown`).
    rendered_actions = {"list": False, "retrieve": True}

    def narrow_queryset(self, queryset):
        reader = self.reader()
        queryset = selectors.readable_digests(reader, queryset)
        detail = self.rendered_actions.get(self.action)
        if detail is not None:
            queryset = selectors.rendered(queryset, reader.day, detail=detail)
        return queryset

    def filter_queryset(self, queryset):
        if FILTER_PARAMS.intersection(self.request.query_params):
            return super().filter_queryset(queryset)
        # Building the filter set costs more than the rest of a plain list request, and
        # with none of its parameters it narrows nothing; other backends still run.
        for backend in self.filter_backends:
            if backend is not ReaderFilterBackend:
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def reader(self) -> selectors.Reader:
        """What decides what this caller reads (one query per request, for the policies)."""
        if not hasattr(self, "_reader"):
            self._reader = selectors.reader_for(self.principal)
        return self._reader

    def shown_columns(self) -> search.ShownColumns:
        """The text this caller's filters and facets match (looked up once per request)."""
        if not hasattr(self, "_shown_columns"):
            self._shown_columns = search.ShownColumns(self.reader())
        return self._shown_columns

    def rule_set(self):
        """The content policies in force for this caller."""
        return self.reader().rule_set

    def insight_tally(self) -> insight.Tally | None:
        """What the policies do in this request's answers, counted for the tenant's admins
        and written once after the response (policies.insight); None when off."""
        if not hasattr(self, "_insight"):
            reader = self.reader()
            self._insight = insight.tally_for(self.principal, reader.rule_set, reader.day)
        return self._insight

    def render(self, digest: Digest, *, detail: bool = True) -> dict:
        """A digest as it leaves the system: policies applied, their decision attached."""
        return self.render_many([digest], detail=detail)[0]

    def render_many(self, digests: list[Digest], *, detail: bool) -> list[dict]:
        """`render` for many digests at once (a page, a chunk of an export)."""
        many = []
        shown = selectors.as_shown(
            self.reader(), digests, detail=detail, tally=self.insight_tally()
        )
        for data, decision in shown:
            data["policy"] = decision
            many.append(data)
        return many

    def respond(self, digest: Digest, status: int = 200) -> Response:
        return self.etag_response(self.render(digest), digest, status=status)

    def cursor_ordering(self):
        wanted = self.request.query_params.get("ordering")
        if wanted is not None and wanted not in ORDERINGS:
            # Checked even when a search orders by relevance: a bad value is never ignored.
            raise serializers.ValidationError({"ordering": [f"One of {', '.join(ORDERINGS)}."]})
        if self.request.query_params.get("q", "").strip():
            return ("-rank", "-id")
        return ORDERINGS["-published_on" if wanted is None else wanted]

    def get_serializer_class(self):
        if self.action == "list":
            return DigestSerializer
        return DigestDetailSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "ordering",
                str,
                enum=list(ORDERINGS),
                description="By date; newest first by default.",
            ),
            OpenApiParameter(
                facets.PARAMETER,
                {
                    "type": "array",
                    "items": {"type": "string", "enum": list(facets.FACETS)},
                    "minItems": 1,
                },
                style="form",
                explode=False,
                description="Count your results by these, comma-separated: the answer's "
                "`facets`. Counts cover every result the filters select, not only the page.",
            ),
        ],
        examples=examples.DIGEST_LIST_EXAMPLES,
    )
    def list(self, request, *args, **kwargs):
        wanted = facets.requested(request.query_params)  # a bad value is a 400 first
        queryset = self.list_queryset()
        q = search.clean_query(request.query_params.get("q", ""))
        if q:
            queryset = highlights.with_sections(queryset)
        page = self.paginate_queryset(queryset)
        results = self.render_many(page, detail=False)
        if q:
            highlights.attach(q, results, page, highlights.shown_sections(self.rule_set(), page))
        response = self.get_paginated_response(results)
        if wanted:
            response.data["facets"] = facets.counts(self.shown_columns(), queryset, wanted)
        return response

    def retrieve(self, request, *args, **kwargs):
        try:
            digest = self.get_object()
        except Http404:
            self._count_hidden()
            self._raise_if_license_gated()
            raise
        return self.respond(digest)

    def _count_hidden(self) -> None:
        """Note in the policy insight the enforce-mode hiding rules that keep a digest the
        caller could otherwise see from its detail (which answers 404, or 451): one query,
        on this path only, and none where no such rule applies."""
        rules = self.rule_set().enforced_hiding
        tally = self.insight_tally() if rules else None
        pk = self.kwargs.get("pk", "")
        if tally is None or not pk.isdigit() or int(pk) > BIGINT_MAX:
            return
        reader = self.reader()
        this = selectors.visible_digests(reader, Digest.objects.filter(pk=pk))
        names = [hit_name("insight", rule) for rule in rules]
        hits = reader.rule_set.annotate_hits(this, rules, reader.day, "insight").values(*names)
        for found in hits:
            for rule, name in zip(rules, names, strict=True):
                if found[name]:
                    tally.add(rule.id, "hide", True, int(pk))

    def _raise_if_license_gated(self) -> None:
        """451, not 404, when a digest the caller may otherwise see is hidden only by a
        license gate: it exists for them, but its source is not licensed for this use. A
        digest they may read is never a 451 (a filter of the request may have left it out)."""
        reader = self.reader()
        gates = [r for r in reader.rule_set.enforced_hiding if r.kind == "license_gate"]
        if not gates:
            return
        this = Digest.objects.filter(pk=self.kwargs.get("pk"))
        ungated = selectors.readable_condition(reader, this, include_license=False)
        if ungated.exists() and not selectors.readable_condition(reader, this).exists():
            raise UnavailableForLegalReasons(gates[0].message)

    @extend_schema(
        request=DigestWriteSerializer,
        responses={201: DigestDetailSerializer},
        examples=examples.DIGEST_CREATE_EXAMPLES,
    )
    def create(self, request, *args, **kwargs):
        data = DigestWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        digest = services.digest_create(actor=self.principal, data=data.service_data())
        return self.respond(digest, status=201)

    @extend_schema(request=DigestWriteSerializer, responses={200: DigestDetailSerializer})
    def update(self, request, *args, **kwargs):
        return self._write(request, partial=False)

    @extend_schema(request=DigestWriteSerializer, responses={200: DigestDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self._write(request, partial=True)

    def _write(self, request, *, partial: bool):
        digest = self.get_object()
        data = DigestWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        digest = services.digest_update(
            actor=self.principal, digest=digest, data=data.service_data()
        )
        return self.respond(digest)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.digest_delete(actor=self.principal, digest=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DigestDetailSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        digest = services.digest_transition(
            actor=self.principal, digest=self.get_object(), to=Digest.Status.PUBLISHED
        )
        return self.respond(digest)

    @extend_schema(request=None, responses={200: DigestDetailSerializer})
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        digest = services.digest_transition(
            actor=self.principal, digest=self.get_object(), to=Digest.Status.ARCHIVED
        )
        return self.respond(digest)

    @extend_schema(methods=["GET"], request=None, responses={200: AccessSerializer})
    @extend_schema(methods=["PUT"], request=AccessSerializer, responses={200: AccessSerializer})
    @action(detail=True, methods=["get", "put"])
    def access(self, request, *args, **kwargs):
        digest = self.get_object()
        if request.method == "PUT":
            data = AccessSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            emails = {e.lower() for e in data.validated_data["members"]}
            memberships = list(
                Membership.objects.select_related("user").filter(user__email__in=emails)
            )
            missing = emails - {m.user.email for m in memberships}
            roles = list(Role.objects.filter(slug__in=data.validated_data["roles"]))
            missing_roles = set(data.validated_data["roles"]) - {r.slug for r in roles}
            errors = {}
            if missing:
                errors["members"] = [f"not members of this tenant: {', '.join(sorted(missing))}"]
            if missing_roles:
                errors["roles"] = [f"no such roles: {', '.join(sorted(missing_roles))}"]
            if errors:
                raise serializers.ValidationError(errors)
            access = services.digest_set_access(
                actor=self.principal,
                digest=digest,
                restricted=data.validated_data["restricted"],
                members=[m.user for m in memberships],
                roles=roles,
            )
        else:
            access = services.digest_access(digest)
        return Response(
            {
                "restricted": access.restricted,
                "members": [u.email for u in access.members],
                "roles": [r.slug for r in access.roles],
            }
        )


class PlainTextParser(parsers.BaseParser):
    """A text/plain body, kept as bytes: the importer decodes it and reports bad UTF-8
    with its line like any other file."""

    media_type = "text/plain"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class ImportOptions(serializers.Serializer):
    """An import's query parameters (the files are its body)."""

    publish = serializers.BooleanField(required=False, default=False)
    # As sent: a tag with spaces around it is not one.
    language = serializers.CharField(
        required=False, trim_whitespace=False, validators=[validate_stored_language]
    )


class DigestImportViewSet(TenantScopedViewSet):
    """Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome."""

    model = Digest
    parser_classes = [PlainTextParser, parsers.MultiPartParser]
    permission_map = {"create": "digests.add_digest"}
    pagination_class = None

    @extend_schema(
        request={
            "text/plain": {"type": "string", "minLength": 1},
            "multipart/form-data": inline_serializer(
                "DigestImportFiles",
                fields={
                    "files": serializers.ListField(
                        child=serializers.FileField(), min_length=1, max_length=MAX_IMPORT_FILES
                    )
                },
            ),
        },
        parameters=[
            OpenApiParameter("filename", str, description="Name to report for a text/plain body."),
            OpenApiParameter(
                "publish", bool, description="Publish what is imported (needs publish_digest)."
            ),
            OpenApiParameter(
                "language",
                {"type": "string", "pattern": LANGUAGE_PATTERN, "maxLength": LANGUAGE_MAX},
                description="The language of every file (`de`, `pt-BR`): the format names none. "
                "New digests are English without it; existing ones keep theirs.",
            ),
        ],
        responses={
            200: inline_serializer(
                "DigestImportReport",
                fields={
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "unchanged": serializers.IntegerField(),
                    "failed": serializers.IntegerField(),
                    "files": ImportResultSerializer(many=True),
                },
            )
        },
    )
    def create(self, request, *args, **kwargs):
        # A plain dict: from a QueryDict, DRF reads an empty value as one left out.
        options = ImportOptions(data=request.query_params.dict())
        options.is_valid(raise_exception=True)
        publish = options.validated_data["publish"]
        language = options.validated_data.get("language")
        if publish and not self.principal.has("digests.publish_digest"):
            raise serializers.ValidationError(
                {"publish": ["Your role cannot publish; import as drafts."]}
            )
        if isinstance(request.data, bytes):
            name = request.query_params.get("filename") or "body.txt"
            files = [(name, request.data)]
        else:
            uploads = request.FILES.getlist("files")
            if not uploads:
                raise serializers.ValidationError({"files": ["Send at least one file."]})
            if len(uploads) > MAX_IMPORT_FILES:
                raise serializers.ValidationError(
                    {"files": [f"At most {MAX_IMPORT_FILES} files per request."]}
                )
            files = [(upload.name, upload.read()) for upload in uploads]
        results, counts = import_many(
            files, actor=self.principal, publish=publish, language=language
        )
        body = [
            {
                "file": r.path,
                "status": r.status,
                "id": r.digest_id,
                "line": r.line,
                "error": r.error,
            }
            for r in results
        ]
        return Response({**counts, "files": body})
