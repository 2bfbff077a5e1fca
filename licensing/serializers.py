"""The shapes of the licensing API: what it answers (the `*_to_dict` functions write it,
the serializers describe it for the OpenAPI document) and what it accepts.

Digest-derived text (a source's title, publisher and URL, a rights holder's name) is
withheld or redacted as the caller's `TextGate` says: `licensing.api` tells what each
role sees."""

from __future__ import annotations

from rest_framework import serializers

from core.fields import ChoiceField
from core.serializers import StrictInput
from core.times import iso_utc
from licensing import selectors, services
from licensing import terms as term_rules
from licensing.models import Evidence, License, LicenseVersion, RightsHolder, Source
from licensing.text_gate import TextGate
from licensing.uses import USE_NAMES

USE_CHOICES = [(u, u) for u in USE_NAMES]
WITHHELD_HELP = "null when withheld: it stands only in digests hidden from you"
LICENSE_STATUSES = [*LicenseVersion.Status.values, selectors.EXPIRED]


def _date(value):
    return value.isoformat() if value else None


# --- Rights holders ------------------------------------------------------------------------------


class RightsHolderSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        allow_null=True,
        help_text="null when withheld: the holder is known only through digests hidden from you",
    )

    class Meta:
        model = RightsHolder
        fields = [
            "id",
            "name",
            "contact_name",
            "contact_email",
            "url",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class RightsHolderWriteSerializer(StrictInput):
    name = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


def holder_to_dict(holder: RightsHolder, gate: TextGate) -> dict:
    """A rights holder; its name is withheld or redacted as `gate` says (the importer
    names a holder after a digest's publisher)."""
    data = RightsHolderSerializer(holder).data
    data.update(gate.text(getattr(holder, "text_shown", True), {"name": holder.name}))
    return data


# --- Sources -----------------------------------------------------------------------------------


class SourceSerializer(serializers.Serializer):
    """A source with its license status and the attribution its licenses ask for."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    title = serializers.CharField(allow_null=True, help_text=WITHHELD_HELP)
    canonical_url = serializers.CharField(
        allow_blank=True, allow_null=True, help_text=WITHHELD_HELP
    )
    publisher = serializers.CharField(allow_blank=True, allow_null=True, help_text=WITHHELD_HELP)
    rights_holder = serializers.IntegerField(allow_null=True)
    rights_holder_name = serializers.CharField(allow_null=True, help_text=WITHHELD_HELP)
    parent = serializers.IntegerField(allow_null=True)
    license_status = serializers.ChoiceField(choices=selectors.SOURCE_STATUSES)
    attribution = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def source_to_dict(source: Source, gate: TextGate) -> dict:
    """A source (marked by `gate.mark_sources`, annotated by
    `selectors.with_license_status`); its digest-derived text (title, publisher, URL,
    its holder's name) withheld or redacted as `gate` says."""
    texts = gate.text(
        source.text_shown,
        {
            "title": source.title,
            "canonical_url": source.canonical_url,
            "publisher": source.publisher,
        },
    )
    holder = source.rights_holder
    return {
        "id": source.pk,
        "kind": source.kind,
        "title": texts["title"],
        "canonical_url": texts["canonical_url"],
        "publisher": texts["publisher"],
        "rights_holder": source.rights_holder_id,
        "rights_holder_name": gate.text(source.holder_shown, {"name": holder.name})["name"]
        if holder
        else None,
        "parent": source.parent_id,
        "license_status": source.license_status,
        "attribution": source.attribution,
        "created_at": iso_utc(source.created_at),
        "updated_at": iso_utc(source.updated_at),
    }


class SourceWriteSerializer(StrictInput):
    kind = ChoiceField(choices=Source.Kind.choices)
    title = serializers.CharField(max_length=300)
    canonical_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    rights_holder = serializers.IntegerField(required=False, allow_null=True)
    parent = serializers.IntegerField(
        required=False, allow_null=True, help_text="The feed an episode belongs to"
    )

    def validate(self, attrs):
        for name, model in (("rights_holder", RightsHolder), ("parent", Source)):
            if attrs.get(name) is not None:
                attrs[name] = _existing(model, attrs[name], name)
        return attrs


class RightsSerializer(serializers.Serializer):
    use = serializers.ChoiceField(choices=USE_CHOICES)
    answer = serializers.ChoiceField(
        choices=[selectors.PERMITTED, selectors.PROHIBITED, selectors.UNKNOWN],
        help_text="unknown means not permitted: no approved license in force says so",
    )
    permitting = serializers.ListField(child=serializers.IntegerField(), help_text="License ids")
    prohibiting = serializers.ListField(child=serializers.IntegerField(), help_text="License ids")
    contradicted = serializers.BooleanField(
        help_text="Licenses in force disagree; the prohibition wins"
    )


def rights_to_dict(r: selectors.Rights) -> dict:
    """One use's answer, as `RightsSerializer` describes it."""
    return {
        "use": r.use,
        "answer": r.answer,
        "permitting": r.permitting,
        "prohibiting": r.prohibiting,
        "contradicted": r.contradicted,
    }


class SourceRightsSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    on = serializers.DateField()
    rights = RightsSerializer(many=True)


# --- Licenses ----------------------------------------------------------------------------------


class LicenseSerializer(serializers.Serializer):
    """A license: its newest version's terms, its review status and what is in force."""

    id = serializers.IntegerField()
    source = serializers.IntegerField(allow_null=True)
    source_title = serializers.CharField(
        allow_null=True,
        help_text="The covered source's title; null for a rights holder's license, or when "
        "the title comes from digests you may not read",
    )
    rights_holder = serializers.IntegerField(allow_null=True)
    rights_holder_name = serializers.CharField(
        allow_null=True,
        help_text="The covering rights holder's name; null for a source's license, or when "
        "the name comes from digests you may not read",
    )
    status = serializers.ChoiceField(choices=LICENSE_STATUSES)
    version = serializers.IntegerField(help_text="The newest version, shown here")
    in_force_version = serializers.IntegerField(
        allow_null=True, help_text="The approved version that applies now, if any"
    )
    origin = serializers.ChoiceField(choices=LicenseVersion.Origin.choices)
    spdx_id = serializers.CharField()
    permitted_uses = serializers.ListField(child=serializers.ChoiceField(choices=USE_CHOICES))
    prohibited_uses = serializers.ListField(child=serializers.ChoiceField(choices=USE_CHOICES))
    territory = serializers.CharField(allow_blank=True)
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    attribution = serializers.CharField(allow_blank=True)
    terms_url = serializers.CharField(allow_blank=True)
    payment_notes = serializers.CharField(allow_blank=True)
    conditions = serializers.CharField(allow_blank=True)
    proposed_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def terms_to_dict(v: LicenseVersion) -> dict:
    """One version's terms, as the license and its version history show them."""
    return {
        **{name: getattr(v, name) for name in term_rules.TERM_FIELDS},
        "valid_from": _date(v.valid_from),
        "valid_until": _date(v.valid_until),
        "conditions": v.conditions,
        "proposed_by": v.proposed_by_display,
    }


def license_to_dict(lic: License, gate: TextGate, on=None) -> dict:
    """A license, with the names of what it covers as `gate`'s caller may see them (the
    license read through `LicenseViewSet.with_names`, marked by
    `TextGate.mark_licenses`)."""
    source_title = holder_name = None
    if lic.source_id:
        source_title = gate.text(lic.source_shown, {"title": lic.source.title})["title"]
    if lic.rights_holder_id:
        holder_name = gate.text(lic.holder_shown, {"name": lic.rights_holder.name})["name"]
    return {
        "id": lic.pk,
        "source": lic.source_id,
        "source_title": source_title,
        "rights_holder": lic.rights_holder_id,
        "rights_holder_name": holder_name,
        "status": selectors.license_status(lic, on),
        "version": lic.latest.number,
        "in_force_version": lic.in_force.number if lic.in_force else None,
        **terms_to_dict(lic.latest),
        "created_at": iso_utc(lic.created_at),
        "updated_at": iso_utc(lic.updated_at),
    }


class TermsSerializer(StrictInput):
    origin = ChoiceField(choices=LicenseVersion.Origin.choices)
    spdx_id = serializers.RegexField(
        term_rules.SPDX_PATTERN,
        max_length=100,
        help_text="An SPDX identifier this platform knows, or LicenseRef-<name>",
        error_messages={"invalid": term_rules.SPDX_HELP},
    )
    permitted_uses = serializers.ListField(
        child=ChoiceField(choices=USE_CHOICES), max_length=len(USE_NAMES)
    )
    prohibited_uses = serializers.ListField(
        child=ChoiceField(choices=USE_CHOICES),
        max_length=len(USE_NAMES),
        required=False,
        default=list,
    )
    territory = serializers.CharField(max_length=200, required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    attribution = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    terms_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    payment_notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs):
        start, end = attrs.get("valid_from"), attrs.get("valid_until")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"valid_until": [f"Before valid_from ({start.isoformat()})."]}
            )
        return attrs


class LicenseCreateSerializer(TermsSerializer):
    source = serializers.IntegerField(
        required=False, allow_null=True, help_text="The source covered (or rights_holder)"
    )
    rights_holder = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The rights holder whose every source is covered (or source)",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for name, model in (("source", Source), ("rights_holder", RightsHolder)):
            if attrs.get(name) is not None:
                attrs[name] = _existing(model, attrs[name], name)
        return attrs


def _existing(model, pk: int, field: str):
    """The tenant's object with this id, or a 400 naming the field."""
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: [f"No {field.replace('_', ' ')} with id {pk}."]})
    return found


class ReviewSerializer(StrictInput):
    decision = ChoiceField(choices=[(d, d) for d in services.DECISIONS])
    version = serializers.IntegerField(
        min_value=1, help_text="The version decided on: it must be the newest"
    )
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    conditions = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )


class ReviewOutSerializer(serializers.Serializer):
    decision = serializers.CharField()
    notes = serializers.CharField()
    conditions = serializers.CharField()
    terms_sha256 = serializers.CharField()
    reviewer = serializers.CharField()
    decided_at = serializers.DateTimeField()


class LicenseVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LicenseVersion.Status.choices)
    origin = serializers.CharField()
    spdx_id = serializers.CharField()
    permitted_uses = serializers.ListField(child=serializers.CharField())
    prohibited_uses = serializers.ListField(child=serializers.CharField())
    territory = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    attribution = serializers.CharField()
    terms_url = serializers.CharField()
    payment_notes = serializers.CharField()
    conditions = serializers.CharField()
    proposed_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    reviews = ReviewOutSerializer(many=True)


def version_to_dict(v: LicenseVersion) -> dict:
    """One version with every decision taken on it (its `reviews` prefetched)."""
    return {
        "number": v.number,
        "status": v.status,
        **terms_to_dict(v),
        "created_at": iso_utc(v.created_at),
        "reviews": [
            {
                "decision": r.decision,
                "notes": r.notes,
                "conditions": r.conditions,
                "terms_sha256": r.terms_sha256,
                "reviewer": r.reviewer_display,
                "decided_at": iso_utc(r.decided_at),
            }
            for r in v.reviews.all()
        ],
    }


class EvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    license = serializers.IntegerField()
    version = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    description = serializers.CharField()
    uploaded_by = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


def evidence_to_dict(e: Evidence) -> dict:
    return {
        "id": e.pk,
        "license": e.license_id,
        "version": e.version_number,
        "filename": e.filename,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "description": e.description,
        "uploaded_by": e.uploaded_by_display,
        "uploaded_at": iso_utc(e.uploaded_at),
    }


class EvidenceUploadSerializer(StrictInput):
    file = serializers.FileField(
        allow_empty_file=True,  # refused by the service, with the rule that says why
        help_text="PDF, PNG, JPEG or UTF-8 text, at most 5 MiB",
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- Digests and their sources ---------------------------------------------------------------


class DigestSourcesSerializer(StrictInput):
    sources = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=100, help_text="Source ids"
    )


# --- Reports ---------------------------------------------------------------------------------


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    generated_on = serializers.DateField()
    summary = serializers.DictField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
