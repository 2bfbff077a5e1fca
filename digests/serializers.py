"""The shapes of the digest API: what it answers (described for the OpenAPI document;
`digests.selectors.as_shown` writes it) and what it accepts."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from core.serializers import RefusesUnknownFields, StrictInput
from digests import highlights
from digests.models import Digest, validate_language
from licensing.selectors import SOURCE_STATUSES
from policies import engine as policy_engine

# --- Output ---------------------------------------------------------------------------------


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


class SourceSerializer(StrictInput):
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True, allow_null=True)


class SubsectionSerializer(StrictInput):
    number = serializers.RegexField(r"^\d{1,3}\.\d{1,3}$", max_length=8)
    title = serializers.CharField(max_length=300)
    bullets = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=200, default=list
    )


class SectionSerializer(StrictInput):
    number = serializers.IntegerField(min_value=0, max_value=999)
    emoji = serializers.CharField(max_length=32, allow_blank=True, default="")
    title = serializers.CharField(max_length=300)
    bullets = serializers.ListField(
        child=serializers.CharField(max_length=2000), max_length=200, default=list
    )
    subsections = SubsectionSerializer(many=True, default=list, max_length=100)


# These describe, for the OpenAPI document, what `digests.selectors.as_shown` answers;
# they render nothing themselves (their docstrings are the document's descriptions).
class DigestLicensedSourceSerializer(serializers.Serializer):
    """A source of a digest as the digest shows it (its `sources` field, and
    `digests/{id}/sources/`)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    license_status = serializers.ChoiceField(choices=SOURCE_STATUSES)
    attribution = serializers.CharField()


class HighlightPartSerializer(serializers.Serializer):
    text = serializers.CharField()
    match = serializers.BooleanField(help_text="Whether this text matched the search.")


class HighlightSerializer(serializers.Serializer):
    """Where a search matched a digest: a snippet of one text as you are shown it."""

    field = serializers.CharField(
        help_text="The text's path in the digest: `title`, `summary`, `key_points[2]`, "
        "`sections[0].bullets[1]`, `sections[1].subsections[0].title`."
    )
    snippet = HighlightPartSerializer(
        many=True,
        help_text="Plain text in parts, the matching ones flagged (never HTML); at most "
        f"{highlights.SNIPPET_CHARS} characters, with `{highlights.ELLIPSIS}` where the "
        "text is cut.",
    )


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
    sources = DigestLicensedSourceSerializer(
        many=True,
        allow_null=True,
        help_text="What the digest derives from, with license status and the attribution "
        "its licenses ask for; null when a policy hides the source",
    )
    updated_at = serializers.DateTimeField()
    policy = PolicyDecisionSerializer()
    highlights = HighlightSerializer(
        many=True,
        required=False,
        help_text=f"Only with `q`: where the search matched, at most {highlights.MAX_HIGHLIGHTS}, "
        "title first, made from the text you are shown (what a policy redacts or hides "
        "never appears, nor makes one).",
    )


class DigestDetailSerializer(DigestSerializer):
    """A whole digest."""

    highlights = None  # a list's search only

    sections = SectionSerializer(many=True, allow_null=True)
    exporter = serializers.CharField()
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="This change's position in the tenant's feed.")
    id = serializers.IntegerField(help_text="The digest's id.")
    changed_at = serializers.DateTimeField()
    deleted_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Set when the digest is gone for you (deleted, or no longer visible to "
        "you): a tombstone. Remove your copy.",
    )
    digest = DigestDetailSerializer(allow_null=True, help_text="The digest now; null if removed.")


# --- Input ----------------------------------------------------------------------------------

# policies.engine.RESERVED_SLUG left out of the slug pattern, for the OpenAPI document
# (ECMA regexes have no flag for case: each letter in either case).
_RESERVED = "".join(f"[{c.upper()}{c.lower()}]" for c in policy_engine.STAND_IN_PREFIX)
SLUG_PATTERN = rf"^(?!{_RESERVED}(-[0-9]+)?$)[-a-zA-Z0-9_]+$"


@extend_schema_field({"type": "string", "pattern": SLUG_PATTERN})
class DigestSlugField(serializers.SlugField):
    """A slug; `digest` and `digest-<number>` are refused by the serializer's
    validate_slug, with its own message."""


class DigestWriteSerializer(RefusesUnknownFields):
    """What a client may set. Status, restriction, tenant and authorship are not here:
    they change only through their own endpoints."""

    title = serializers.CharField(max_length=300)
    slug = DigestSlugField(max_length=120, required=False)
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
    language = serializers.CharField(max_length=16, default="en", validators=[validate_language])
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

    def service_data(self) -> dict:
        data = dict(self.validated_data)
        source = data.pop("source", None)
        if source is not None:
            data["source_publisher"] = source.get("publisher") or ""
            data["source_title"] = source.get("title") or ""
            data["source_url"] = source.get("url") or ""
        return data


class AccessSerializer(StrictInput):
    restricted = serializers.BooleanField()
    members = serializers.ListField(child=serializers.EmailField(), max_length=500, default=list)
    roles = serializers.ListField(child=serializers.SlugField(), max_length=100, default=list)


class ImportResultSerializer(serializers.Serializer):
    file = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "failed"])
    id = serializers.IntegerField(allow_null=True)
    line = serializers.IntegerField(allow_null=True, help_text="Where a malformed file failed.")
    error = serializers.CharField(allow_null=True)
