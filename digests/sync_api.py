"""Internal apps' reads of the digest library: the changes feed and exports.

Both see exactly what the digest list shows the same caller: visibility (status,
restrictions), content policies (hidden digests, sections and fields, redaction) and
the decision attached to each digest.
"""

from __future__ import annotations

import hashlib
import re
from itertools import islice

import orjson
from django.db import transaction
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response

from core.exports import csv_chunks
from core.params import BIGINT_MAX, whole_number
from core.times import iso_utc
from digests import changes
from digests.api import DigestViewSet
from digests.exports import CSV_COLUMNS, EXPORT_FORMATS, csv_row, to_markdown
from digests.filters import DigestFilter
from digests.models import Digest
from digests.serializers import ChangeSerializer, DigestDetailSerializer
from policies import insight
from tenants.context import tenant_context

CURSOR = re.compile(r"^(0|([0-9]{1,19})-([0-9a-f]{10}))$")
MAX_SEQ = BIGINT_MAX  # change numbers are PostgreSQL bigints


def view_fingerprint(principal) -> str:
    """What decides which digests a caller sees, besides the digests and policies
    themselves (whose changes go through the feed): who they are, their role and its
    permissions. A cursor carries it; when it no longer matches, the feed starts over."""
    who = f"key:{principal.api_key.pk}" if principal.api_key else f"user:{principal.user.pk}"
    permissions = ",".join(sorted(principal.permissions))
    text = (
        f"{principal.tenant.pk}|{who}|{principal.role.pk}|{principal.role.group_id}|{permissions}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:10]


class DigestChangesViewSet(DigestViewSet):
    """`GET digests/changes/?since=CURSOR`: every digest created, updated or removed after
    the cursor, oldest change first, and the cursor to ask with next time."""

    permission_map = {"changes": "digests.view_digest"}
    pagination_class = None
    filterset_class = None

    rendered_actions = {"changes": True}

    @extend_schema(
        filters=False,
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "string", "pattern": CURSOR.pattern},
                description="The `cursor` of your last answer; 0 or absent: from the start.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1},
                description="Changes per answer, 100 by default; more than 200 gives 200.",
            ),
        ],
        responses={
            200: inline_serializer(
                "DigestChanges",
                fields={
                    "cursor": serializers.CharField(
                        help_text="Pass as `since` next time (also when there were none). "
                        "Opaque; it is valid for the caller it was given to."
                    ),
                    "reset": serializers.BooleanField(
                        help_text="The feed started over from the beginning: what you may "
                        "see changed (another role or permissions) since the cursor was "
                        "given. Every digest comes again, those gone as tombstones."
                    ),
                    "has_more": serializers.BooleanField(
                        help_text="More changes follow now: ask again at once."
                    ),
                    "results": ChangeSerializer(many=True),
                },
            )
        },
    )
    def changes(self, request, *args, **kwargs):
        since, reset = self._since()
        size = min(whole_number(self.request.query_params, "page_size", 100, low=1, high=None), 200)
        rows = changes.page(since, size)
        has_more = len(rows) > size
        rows = rows[:size]
        live_ids = [r.digest_id for r in rows if r.deleted_at is None]
        visible = {d.pk: d for d in self.get_queryset().filter(pk__in=live_ids)} if live_ids else {}
        rendered = dict(
            zip(
                visible,
                self.render_many(list(visible.values()), detail=True),
                strict=True,
            )
        )
        # Gone for this caller (deleted, or hidden from them now): a tombstone, but only
        # to a reader the feed once gave the digest (digests/changes.py).
        reader = changes.reader_of(self.principal)
        told = changes.tombstones(
            reader, since, {r.digest_id: r.seq for r in rows if r.digest_id not in visible}
        )
        changes.shown(reader, visible)
        results = []
        for row in rows:
            digest = visible.get(row.digest_id)
            if digest is None and row.digest_id not in told:
                continue
            results.append(
                {
                    "seq": row.seq,
                    "id": row.digest_id,
                    "changed_at": iso_utc(row.changed_at),
                    "deleted_at": iso_utc(row.deleted_at or (None if digest else row.changed_at)),
                    "digest": rendered[digest.pk] if digest else None,
                }
            )
        cursor = f"{rows[-1].seq if rows else since}-{view_fingerprint(self.principal)}"
        return Response(
            {"cursor": cursor, "reset": reset, "has_more": has_more, "results": results}
        )

    def _since(self) -> tuple[int, bool]:
        """The change number to read after, and whether the cursor had to be dropped."""
        raw = self.request.query_params.get("since", "0")
        match = CURSOR.match(raw)
        if match is None or (match.group(2) and int(match.group(2)) > MAX_SEQ):
            raise serializers.ValidationError(
                {"since": ["Give 0, or the cursor of your last answer."]}
            )
        if raw == "0":
            return 0, False
        if match.group(3) != view_fingerprint(self.principal):
            return 0, True
        return int(match.group(2)), False


# --- Exports --------------------------------------------------------------------------------

CHUNK = 500  # digests read and rendered at a time

_FORMAT_PARAMETER = OpenApiParameter(
    "export_format",
    str,
    enum=list(EXPORT_FORMATS),
    default="json",
    description="json (an array of digests), markdown, or csv (one row per digest).",
)
_TEXT_RESPONSES = {
    (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="Markdown"),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, one row per digest"),
}
_EXPORT_RESPONSES = {
    (200, "application/json"): OpenApiResponse(DigestDetailSerializer(many=True)),
    **_TEXT_RESPONSES,
}
_EXPORT_ONE_RESPONSES = {
    (200, "application/json"): OpenApiResponse(DigestDetailSerializer),
    **_TEXT_RESPONSES,
}


class DigestExportViewSet(DigestViewSet):
    """Exports: `digests/export/` (every digest the filters select, streamed) and
    `digests/{id}/export/` (one)."""

    permission_map = {"export": "digests.view_digest", "export_one": "digests.view_digest"}
    pagination_class = None

    rendered_actions = {"export": True, "export_one": True}

    def _format(self) -> str:
        kind = self.request.query_params.get("export_format", "json")
        if kind not in EXPORT_FORMATS:
            raise serializers.ValidationError(
                {"export_format": [f"One of {', '.join(EXPORT_FORMATS)}."]}
            )
        return kind

    @extend_schema(
        filters=True,  # the list's filters select what is exported
        parameters=[_FORMAT_PARAMETER],
        responses=_EXPORT_RESPONSES,
    )
    def export(self, request, *args, **kwargs):
        """Every digest the filters select (those of the list), oldest first, streamed:
        rows are read in chunks by a server-side cursor while the body is sent."""
        kind = self._format()
        self.cursor_ordering()  # a bad `ordering` is a 400 now, not a broken stream
        query = self.filter_queryset(self.get_queryset())
        tenant = self.principal.tenant
        render_many = self.render_many
        self.rule_set()  # loaded now, inside the request's tenant and transaction
        tally = self.insight_tally()

        def rendered(digests):
            """Each digest as it leaves the system, a chunk at a time (its sources read
            together)."""
            while chunk := list(islice(digests, CHUNK)):
                yield from render_many(chunk, detail=True)

        def body():
            # The body is produced after the view returns: enter the tenant again and
            # hold one transaction for the server-side cursor.
            with tenant_context(tenant), transaction.atomic():
                digests = rendered(query.order_by("published_on", "id").iterator(chunk_size=CHUNK))
                if kind == "json":
                    yield b"["
                    for n, data in enumerate(digests):
                        yield (b"," if n else b"") + orjson.dumps(data)
                    yield b"]\n"
                elif kind == "markdown":
                    for n, data in enumerate(digests):
                        yield ("\n---\n\n" if n else "") + to_markdown(data)
                else:
                    yield from csv_chunks(CSV_COLUMNS, (csv_row(data) for data in digests))
            # Counted while the body was sent, after the request's own write: written
            # now, once the whole export has gone (an export cut short is not counted).
            insight.flush(tally)

        return self._stream(body(), kind, f"digests-{tenant.slug}")

    @extend_schema(
        filters=False,
        parameters=[_FORMAT_PARAMETER],
        responses=_EXPORT_ONE_RESPONSES,
    )
    def export_one(self, request, *args, **kwargs):
        """One digest (a 404, or 451 when only a license gate hides it, like its detail)."""
        kind = self._format()
        digest = self._visible_one()
        data = self.render(digest)
        if kind == "json":
            chunk = orjson.dumps(data) + b"\n"
        elif kind == "markdown":
            chunk = to_markdown(data)
        else:
            chunk = "".join(csv_chunks(CSV_COLUMNS, [csv_row(data)]))
        # Named by its id, never by its text: a header is not rendered through the
        # policies, and a slug carries its title's words.
        return self._stream(iter([chunk]), kind, f"digest-{digest.pk}")

    def _visible_one(self) -> Digest:
        from django.http import Http404

        try:
            return self.get_object()
        except Http404:
            self._count_hidden()
            self._raise_if_license_gated()
            raise

    def _stream(self, chunks, kind: str, name: str) -> StreamingHttpResponse:
        content_type, extension = EXPORT_FORMATS[kind]
        response = StreamingHttpResponse(chunks, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
        return response


__all__ = ["DigestChangesViewSet", "DigestExportViewSet", "DigestFilter"]
