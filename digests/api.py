"""The digest library: `/api/v1/tenants/{tenant}/digests/`."""

from __future__ import annotations

import django_filters
from django.db.models import Field
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.filters import StrictFilterSet
from core.times import iso_utc
from digests import selectors, services
from digests.importing import import_many
from digests.models import Digest
from licensing.selectors import SHOWN_SOURCES_SQL, SOURCE_STATUSES, sources_of_digests
from policies import engine as policy_engine
from tenants.api_base import TenantScopedViewSet
from tenants.models import Membership, Role

MAX_IMPORT_FILES = 200


# --- Output ---------------------------------------------------------------------------------


# The columns a digest shows as they are, in the order it shows them (digest_to_dict,
# _rendered_sql).
_LISTED_AS_IS = (
    "id",
    "slug",
    "title",
    "publisher",
    "published_on",
    "summary",
    "key_points",
    "topics",
    "language",
    "status",
    "truncated",
    "restricted",
)


def digest_to_dict(digest: Digest, *, detail: bool) -> dict:
    """The API shape of a digest, built directly. On PostgreSQL the list and the detail
    have the database write it (LISTED_SQL, DETAILED_SQL, held to the same output by
    tests); exports, the changes feed and the answers to writes use this."""
    data = {name: getattr(digest, name) for name in _LISTED_AS_IS}
    data["published_on"] = digest.published_on.isoformat()  # keeps its place among them
    data["source"] = {
        "publisher": digest.source_publisher or digest.publisher,
        "title": digest.source_title or digest.title,
        "url": digest.source_url or None,
    }
    data["updated_at"] = iso_utc(digest.updated_at)
    if detail:
        data["sections"] = digest.sections
        data["exporter"] = digest.exporter
        data["created_at"] = iso_utc(digest.created_at)
        data["published_at"] = iso_utc(digest.published_at)
    return data


def digests_to_dicts(digests: list[Digest], *, detail: bool) -> list[dict]:
    """`digest_to_dict` of each, with its `sources` (read together for all of them)."""
    sources = sources_of_digests([d.pk for d in digests])
    many = []
    for digest in digests:
        data = digest_to_dict(digest, detail=detail)
        data["sources"] = sources[digest.pk]
        many.append(data)
    return many


def _utc_sql(column: str) -> str:
    """`iso_utc` of a timestamp column, in SQL: microseconds only when there are some,
    NULL for NULL."""
    # The text has no other "." than the fraction's, so whole seconds lose it entirely.
    return (
        f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || 'Z'"
    )


def _column(name: str) -> str:
    return f'"digests_digest"."{name}"'


def _rendered_sql(*, detail: bool) -> str:
    """`digest_to_dict(digest, detail=...)` with its `sources`, built by PostgreSQL: one
    JSON value per row. Python's `x or y` on text is `COALESCE(NULLIF(x, ''), y)` here;
    a JSON column is embedded as stored (its objects' keys in the order the stored text
    has, as Python decodes them)."""
    parts = [f"'{name}', {_column(name)}" for name in _LISTED_AS_IS]
    publisher, title = _column("publisher"), _column("title")
    parts += [
        "'source', json_build_object("
        f"'publisher', COALESCE(NULLIF({_column('source_publisher')}, ''), {publisher}), "
        f"'title', COALESCE(NULLIF({_column('source_title')}, ''), {title}), "
        f"'url', NULLIF({_column('source_url')}, ''))",
        f"'updated_at', {_utc_sql(_column('updated_at'))}",
    ]
    if detail:
        parts += [
            f"'sections', {_column('sections')}",
            f"'exporter', {_column('exporter')}",
            f"'created_at', {_utc_sql(_column('created_at'))}",
            f"'published_at', {_utc_sql(_column('published_at'))}",
        ]
    parts.append(f"'sources', {SHOWN_SOURCES_SQL}")
    return "json_build_object(" + ", ".join(parts) + ")"


# The list's and the detail's digests as the database writes them: read instead of every
# column made into a model instance, then a dict, with sources judged in Python. Constant
# text, but for the day the sources' licenses are judged by (SHOWN_SOURCES_SQL), their
# one parameter. tests/digests/test_listed.py and tests/licensing/test_shown_sources.py
# hold them to the Python they stand for.
LISTED_SQL = _rendered_sql(detail=False)
DETAILED_SQL = _rendered_sql(detail=True)
# For a list (detail=False) and a detail (True): the annotation carrying the database's
# rendering, its statement, and the fields the instance keeps (the cursor's, the ETag's).
_WRITTEN = {
    False: ("listed", LISTED_SQL, ("id", "published_on")),
    True: ("detailed", DETAILED_SQL, ("id", "updated_at")),
}


class UnavailableForLegalReasons(exceptions.APIException):
    status_code = 451
    default_detail = "The source of this digest is not licensed for this use."
    default_code = "license_unavailable"


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="<policy>/<rule id>")
    action = serializers.ChoiceField(choices=["hide", "hide_field", "hide_section", "redact"])
    enforced = serializers.BooleanField(help_text="false: a monitor-mode rule, nothing changed")
    path = serializers.CharField()
    reason = serializers.CharField()


class PolicyDecisionSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="<policy>@<version> of every policy in force")
    decision_id = serializers.CharField()
    findings = FindingSerializer(many=True)


class SourceSerializer(serializers.Serializer):
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, allow_null=True)


class SubsectionSerializer(serializers.Serializer):
    number = serializers.RegexField(r"^\d{1,3}\.\d{1,3}$", max_length=8)
    title = serializers.CharField(max_length=300)
    bullets = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=200, default=list
    )


class SectionSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=0, max_value=999)
    emoji = serializers.CharField(max_length=32, allow_blank=True, default="")
    title = serializers.CharField(max_length=300)
    bullets = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=200, default=list
    )
    subsections = SubsectionSerializer(many=True, default=list, max_length=100)


class DigestSerializer(serializers.Serializer):
    """A digest in a list (no sections)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    published_on = serializers.DateField()
    summary = serializers.CharField(allow_null=True, help_text="null when a policy hides it")
    key_points = serializers.ListField(child=serializers.CharField(), allow_null=True)
    topics = serializers.ListField(child=serializers.CharField(), allow_null=True)
    language = serializers.CharField()
    status = serializers.ChoiceField(choices=Digest.Status.choices)
    truncated = serializers.BooleanField()
    restricted = serializers.BooleanField()
    source = inline_serializer(
        "DigestSource",
        fields={
            "publisher": serializers.CharField(),
            "title": serializers.CharField(),
            "url": serializers.URLField(allow_null=True),
        },
        allow_null=True,
    )
    sources = inline_serializer(
        "DigestLicensedSource",
        fields={
            "id": serializers.IntegerField(),
            "kind": serializers.CharField(),
            "title": serializers.CharField(),
            "publisher": serializers.CharField(),
            "url": serializers.CharField(allow_null=True),
            "license_status": serializers.ChoiceField(choices=SOURCE_STATUSES),
            "attribution": serializers.CharField(),
        },
        many=True,
        allow_null=True,
        help_text="What the digest derives from, with license status and the attribution "
        "its licenses ask for; null when a policy hides the source",
    )
    updated_at = serializers.DateTimeField()
    policy = PolicyDecisionSerializer()

    def to_representation(self, instance):
        return digest_to_dict(instance, detail=False)


class DigestDetailSerializer(DigestSerializer):
    """A whole digest."""

    sections = SectionSerializer(many=True, allow_null=True)
    exporter = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, instance):
        return digest_to_dict(instance, detail=True)


# --- Input ----------------------------------------------------------------------------------


class DigestWriteSerializer(serializers.Serializer):
    """What a client may set. Status, restriction, tenant and authorship are not here:
    they change only through their own endpoints."""

    title = serializers.CharField(max_length=300)
    slug = serializers.SlugField(max_length=120, required=False)
    publisher = serializers.CharField(max_length=200)
    published_on = serializers.DateField()
    summary = serializers.CharField(allow_blank=True, default="", max_length=20000)
    key_points = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=100, default=list
    )
    sections = SectionSerializer(many=True, default=list, max_length=200)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, default=list
    )
    language = serializers.CharField(max_length=16, default="en")
    truncated = serializers.BooleanField(default=False)
    exporter = serializers.CharField(max_length=100, allow_blank=True, default="")
    source = SourceSerializer(required=False)

    def validate_slug(self, value: str) -> str:
        # `digest-<id>` is what a digest shows in place of a slug a policy would change
        # (policies.engine.stand_in_slug): as a slug it would name two digests.
        if policy_engine.is_reserved_slug(value):
            raise serializers.ValidationError(
                "digest and digest-<number> are reserved for digests shown without their slug."
            )
        return value

    def to_internal_value(self, data):
        unknown = set(data) - set(self.fields) if isinstance(data, dict) else set()
        if unknown:
            raise serializers.ValidationError(
                {name: ["This field cannot be set here."] for name in sorted(unknown)}
            )
        return super().to_internal_value(data)

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        source = data.pop("source", None)
        if source is not None:
            data["source_publisher"] = source.get("publisher") or ""
            data["source_title"] = source.get("title") or ""
            data["source_url"] = source.get("url") or ""
        return data


class AccessSerializer(serializers.Serializer):
    restricted = serializers.BooleanField()
    members = serializers.ListField(child=serializers.EmailField(), max_length=500, default=list)
    roles = serializers.ListField(child=serializers.SlugField(), max_length=100, default=list)


# --- Filters --------------------------------------------------------------------------------


class DigestFilter(StrictFilterSet):
    publisher = django_filters.CharFilter(field_name="publisher", lookup_expr="iexact")
    status = django_filters.ChoiceFilter(choices=Digest.Status.choices)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    topic = django_filters.CharFilter(method="filter_topic", help_text="One topic, exact.")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Text search over title, summary, key points and sections."
    )

    def filter_topic(self, queryset, name, value):
        topic = " ".join(value.split()).lower()
        return queryset.filter(topics__contains=[topic])

    def filter_q(self, queryset, name, value):
        return selectors.search(queryset, value)


# --- Views ----------------------------------------------------------------------------------


FILTER_PARAMS = frozenset(DigestFilter.base_filters)
ORDERINGS = {"-published_on": ("-published_on", "-id"), "published_on": ("published_on", "id")}


class DigestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The tenant's digests. Viewers see published ones; restricted digests only those
    granted access (everyone else gets 404)."""

    model = Digest
    serializer_class = DigestSerializer
    filterset_class = DigestFilter
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

    def narrow_queryset(self, queryset):
        reader = self.reader()
        queryset = selectors.readable_digests(reader, queryset)
        if self.action in ("list", "retrieve"):
            # The database writes each digest as the answer shows it (LISTED_SQL,
            # DETAILED_SQL), judging its sources' licenses by the reader's day; the
            # instance keeps what the cursor and the ETag read.
            name, sql, kept = _WRITTEN[self.action == "retrieve"]
            return queryset.only(*kept).annotate(
                **{name: selectors.DigestTableSQL(sql, (reader.day,), output_field=Field())}
            )
        return queryset

    def filter_queryset(self, queryset):
        if FILTER_PARAMS.intersection(self.request.query_params):
            return super().filter_queryset(queryset)
        # Building the filter set costs more than the rest of a plain list request, and
        # with none of its parameters it narrows nothing; other backends still run.
        for backend in self.filter_backends:
            if backend is not DjangoFilterBackend:
                queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def reader(self) -> selectors.Reader:
        """What decides what this caller reads (one query per request, for the policies)."""
        if not hasattr(self, "_reader"):
            self._reader = selectors.reader_for(self.principal)
        return self._reader

    def rule_set(self):
        """The content policies in force for this caller."""
        return self.reader().rule_set

    def render(self, digest: Digest, *, detail: bool = True) -> dict:
        """A digest as it leaves the system: policies applied, their decision attached."""
        return self.render_many([digest], detail=detail)[0]

    def render_many(self, digests: list[Digest], *, detail: bool) -> list[dict]:
        """`render` for many digests at once (a page, a chunk of an export): their sources
        read together, and the policies applied with one search per redact rule
        (policies.engine.apply_many)."""
        written = _WRITTEN[detail][0]
        if digests and all(getattr(d, written, None) is not None for d in digests):
            # Written by the database, sources and their license status included.
            many = [getattr(digest, written) for digest in digests]
        else:
            many = digests_to_dicts(digests, detail=detail)
        decisions = policy_engine.apply_many(self.rule_set(), digests, many)
        for data, decision in zip(many, decisions, strict=True):
            data["policy"] = decision
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
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.list_queryset())
        return self.get_paginated_response(self.render_many(page, detail=False))

    def retrieve(self, request, *args, **kwargs):
        try:
            digest = self.get_object()
        except Http404:
            self._raise_if_license_gated()
            raise
        return self.respond(digest)

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

    @extend_schema(request=DigestWriteSerializer, responses={201: DigestDetailSerializer})
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


class ImportResultSerializer(serializers.Serializer):
    file = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "failed"])
    id = serializers.IntegerField(allow_null=True)
    line = serializers.IntegerField(allow_null=True, help_text="Where a malformed file failed.")
    error = serializers.CharField(allow_null=True)


class DigestImportViewSet(TenantScopedViewSet):
    """Import exports in the digest text format: one `text/plain` body, or many files as
    `multipart/form-data` (field `files`). Each file is all or nothing; the answer lists
    every file's outcome."""

    model = Digest
    parser_classes = [PlainTextParser, parsers.MultiPartParser]
    permission_map = {"create": "digests.add_digest"}
    pagination_class = None

    @extend_schema(
        operation_id="tenants_digests_import",
        request={
            "text/plain": OpenApiTypes.STR,
            "multipart/form-data": inline_serializer(
                "DigestImportFiles",
                fields={"files": serializers.ListField(child=serializers.FileField())},
            ),
        },
        parameters=[
            OpenApiParameter("filename", str, description="Name to report for a text/plain body."),
            OpenApiParameter(
                "publish", bool, description="Publish what is imported (needs publish_digest)."
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
        flag = serializers.BooleanField(required=False, default=False)
        try:
            publish = flag.run_validation(request.query_params.get("publish", False))
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"publish": exc.detail}) from None
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
        results, counts = import_many(files, actor=self.principal, publish=publish)
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
