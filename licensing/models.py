"""Rights holders, sources, licenses (versioned, reviewed), evidence, and digest links.

A license covers one source or every source of one rights holder. Its terms are
versioned: every edit writes a new `LicenseVersion` that waits for review, while the
last approved version stays in force. What is in force is mirrored, one row per use, in
`LicenseTerm`: that table is what effective rights and the content policies' license
gate query, so "is this digest licensed for this use" is one indexed SQL condition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.scoping import TenantOwnedModel


class RightsHolder(TenantOwnedModel):
    """Whoever grants rights: a publisher, a network, a collecting society."""

    name = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="rightsholder_tenant_name")
        ]

    def __str__(self) -> str:
        return self.name


class Source(TenantOwnedModel):
    """What a digest is made from: a feed, an episode, a video or an article."""

    class Kind(models.TextChoices):
        FEED = "feed", "Feed"
        EPISODE = "episode", "Episode"
        VIDEO = "video", "Video"
        ARTICLE = "article", "Article"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=300)
    canonical_url = models.URLField(max_length=1000, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    rights_holder = models.ForeignKey(
        RightsHolder, on_delete=models.SET_NULL, null=True, blank=True, related_name="sources"
    )
    # An episode's feed: a license for the feed covers its episodes.
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children"
    )
    # Identity of a source made by the importer (publisher, kind, title), so a re-import
    # links to the same source; NULL for sources made by hand.
    import_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "import_key"],
                name="source_tenant_import_key",
                condition=models.Q(import_key__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "rights_holder"], name="source_tenant_holder")]

    def __str__(self) -> str:
        return self.title


class License(TenantOwnedModel):
    """Rights granted for one source, or for every source of one rights holder."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, null=True, blank=True, related_name="licenses"
    )
    rights_holder = models.ForeignKey(
        RightsHolder, on_delete=models.CASCADE, null=True, blank=True, related_name="licenses"
    )
    # The newest version (what the review queue shows) and the one in force (the last
    # approved one, which keeps applying while a newer version waits for review).
    latest = models.ForeignKey(
        "LicenseVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    in_force = models.ForeignKey(
        "LicenseVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source__isnull=False, rights_holder__isnull=True)
                    | models.Q(source__isnull=True, rights_holder__isnull=False)
                ),
                name="license_covers_source_or_holder",
            )
        ]
        permissions = [
            ("review_license", "Approve, reject or query licenses"),
            ("view_compliance_report", "Run and export compliance reports"),
        ]

    def __str__(self) -> str:
        return f"license {self.pk}"


class LicenseVersion(TenantOwnedModel):
    """One version of a license's terms. Terms never change once written; the review
    status does, through decisions (`LicenseReview`)."""

    class Origin(models.TextChoices):
        CONTRACT = "contract", "Contract"
        OPEN_LICENSE = "open_license", "Open license"
        PUBLISHED_TERMS = "published_terms", "Publisher's published terms"
        MANUAL = "manual", "Manual entry"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
        REJECTED = "rejected", "Rejected"
        NEEDS_INFORMATION = "needs_information", "Needs information"

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    origin = models.CharField(max_length=20, choices=Origin.choices)
    spdx_id = models.CharField(max_length=100, help_text="An SPDX identifier or LicenseRef-...")
    permitted_uses = models.JSONField(default=list)
    prohibited_uses = models.JSONField(default=list)
    territory = models.CharField(max_length=200, blank=True, help_text="e.g. worldwide, EU, US")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    attribution = models.TextField(blank=True)
    terms_url = models.URLField(max_length=1000, blank=True)
    payment_notes = models.TextField(blank=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING)
    conditions = models.TextField(blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_by_display = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When `license.expiring` was announced for this version (once per version).
    expiry_announced_on = models.DateField(null=True, blank=True)
    # Where today fell in this version's dates when last looked at (before, during,
    # after): crossing a date changes what a license gate lets through, so the digests
    # it covers are re-sent by the changes feed (licensing.services.refresh_validity).
    validity_seen = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "license", "number"], name="licenseversion_number"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(valid_from__isnull=True)
                    | models.Q(valid_until__isnull=True)
                    | models.Q(valid_until__gte=models.F("valid_from"))
                ),
                name="licenseversion_dates_in_order",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="licenseversion_status")]

    def __str__(self) -> str:
        return f"{self.license_id}v{self.number}"


class LicenseReview(TenantOwnedModel):
    """One compliance decision on one version, kept forever."""

    version = models.ForeignKey(LicenseVersion, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=32, choices=LicenseVersion.Status.choices)
    notes = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    # The exact terms decided on, as a digest of the version's fields.
    terms_sha256 = models.CharField(max_length=64)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewer_display = models.CharField(max_length=254)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]


class LicenseTerm(TenantOwnedModel):
    """The terms in force, one row per (license, use): what rights queries read.

    Rewritten by the licensing services whenever a license's version in force changes;
    never edited by hand. Scope columns are copied from the license so a query needs no
    join: `source` for a source's own license, `rights_holder` for a holder-wide one.
    """

    class Effect(models.TextChoices):
        PERMIT = "permit", "Permit"
        PROHIBIT = "prohibit", "Prohibit"

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="terms")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, null=True, related_name="+")
    rights_holder = models.ForeignKey(
        RightsHolder, on_delete=models.CASCADE, null=True, related_name="+"
    )
    use = models.CharField(max_length=32)
    effect = models.CharField(max_length=8, choices=Effect.choices)
    valid_from = models.DateField(null=True)
    valid_until = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "source", "use"], name="licenseterm_source_use"),
            models.Index(fields=["tenant", "rights_holder", "use"], name="licenseterm_holder_use"),
        ]


class Evidence(TenantOwnedModel):
    """A file backing a license: a signed contract, a screenshot of published terms."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="evidence")
    version_number = models.PositiveIntegerField(help_text="The license version it was added to.")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_display = models.CharField(max_length=254, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)


class DigestSource(TenantOwnedModel):
    """A digest derives from a source."""

    digest = models.ForeignKey("digests.Digest", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.RESTRICT, related_name="digest_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "digest", "source"], name="digestsource_unique"
            )
        ]
        indexes = [models.Index(fields=["tenant", "source"], name="digestsource_source")]
