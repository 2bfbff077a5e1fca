"""Digests: one row each, content in document columns.

A digest is always read whole (detail) or as a page of whole digests (list), and its
sections are never queried one by one. So key points, sections and topics live in JSON
columns of the digest row: a detail is one indexed row fetch, a list page one query,
with no joins or prefetches whatever the number of sections. What search needs is
flattened into `search_text` and, on PostgreSQL, a weighted `search_vector` kept by a
trigger and indexed with GIN (migration 0002), beside an unstemmed `words_vector` for
content policies' keyword rules (0003).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.jsonfields import JSONField
from tenants.scoping import TenantOwnedModel

# A language tag as BCP 47 writes one (`en`, `de-AT`, `pt-BR`, `zh-Hant`): a language
# code, then subtags. Search indexes a digest with its language's configuration.
# A digest's is at most LANGUAGE_MAX characters, as its column holds
# (`validate_stored_language`); a filter may name any tag.
LANGUAGE_TAG = r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*"
LANGUAGE_MAX = 16
LANGUAGE_PATTERN = f"^{LANGUAGE_TAG}$"  # as OpenAPI writes a pattern
LANGUAGES_PATTERN = f"^{LANGUAGE_TAG}(,{LANGUAGE_TAG})*$"  # comma-separated
validate_language = RegexValidator(
    rf"\A{LANGUAGE_TAG}\Z",
    "Give a language tag such as en, de or pt-BR.",
    code="invalid_language",
)


def validate_stored_language(value: str) -> None:
    """A language tag a digest can keep: `validate_language`, and short enough."""
    validate_language(value)
    if len(value) > LANGUAGE_MAX:
        raise ValidationError(
            f"A language tag has at most {LANGUAGE_MAX} characters.", code="invalid_language"
        )


class Digest(TenantOwnedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    # The composite indexes below all lead with the tenant. Under row-level security the
    # planner counts the tenant twice (the query's condition and the policy's) and
    # expects a few dozen visible rows where a tenant has thousands. Any other index
    # leading with the tenant then looks as good a way to read them all and sort, where
    # walking `digest_tenant_date` stops after one page. A single-column tenant index
    # did this, and so did a (tenant, publisher) index that no query used (the publisher
    # filter compares upper case); migrations 0006 and 0008 dropped them, their commits
    # say by how much. Add one only with its query and a look at the list's plan.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    published_on = models.DateField()
    summary = models.TextField(blank=True)
    key_points = JSONField(default=list, blank=True)
    sections = JSONField(default=list, blank=True)
    topics = JSONField(default=list, blank=True)
    language = models.CharField(
        max_length=LANGUAGE_MAX, default="en", validators=[validate_language]
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    truncated = models.BooleanField(default=False)
    exporter = models.CharField(max_length=100, blank=True)

    # The episode or video the digest summarizes; licensing attaches to it.
    source_publisher = models.CharField(max_length=200, blank=True)
    source_title = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)

    # Restricted digests are visible only to members and roles granted access
    # (django-guardian object permissions), and to those who manage access.
    restricted = models.BooleanField(default=False)

    # Identity of an imported export (publisher, title, date), so a re-import updates.
    # NULL (not "") for digests made through the API, so the partial unique constraint
    # applies to imported ones only.
    import_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # Every word as written (lower-cased, no stemming): what keyword rules match against.
    words_vector = SearchVectorField(null=True, editable=False)
    # The text search configuration `search_vector` is made with: the one PostgreSQL has
    # for `language`, or "simple" (no stemming) when it has none. Set by the trigger
    # (migration 0011) on every write, so an instance may hold a stale value after save.
    search_config = models.CharField(max_length=64, editable=False, db_default="english")
    # The tenant's keyword phrases (`KeywordPhrase`) this digest's words hold, and the
    # newest phrase they were looked for: written only by their own trigger, from
    # `words_vector` (migration 0012). A keyword rule trusts them only for phrases no
    # newer than that (policies.engine), and reads `words_vector` otherwise.
    keyword_hits = ArrayField(models.TextField(), null=True, editable=False)
    keyword_phrases_seen = models.BigIntegerField(db_default=0, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="digest_tenant_slug_unique"),
            models.UniqueConstraint(
                fields=["tenant", "import_key"],
                name="digest_tenant_import_key_unique",
                condition=models.Q(import_key__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-published_on", "-id"], name="digest_tenant_date"),
            models.Index(fields=["tenant", "status", "-published_on"], name="digest_tenant_status"),
            # The configurations other than English a tenant's digests use: what a search
            # stems its query for besides English (digests.search.search_configs). Partial,
            # so that no list's query can read a tenant through it (tests/digests/
            # test_indexes.py): their conditions never imply its own.
            models.Index(
                fields=["tenant", "search_config"],
                name="digest_tenant_search_config",
                condition=~models.Q(search_config="english"),
            ),
        ]
        permissions = [
            ("view_unpublished_digest", "See drafts and archived digests"),
            ("publish_digest", "Publish and archive digests"),
            ("manage_access_digest", "Restrict digests, grant access, see every restricted one"),
        ]

    def __str__(self) -> str:
        return self.title


class DigestUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: grants on one digest to one person."""

    content_object = models.ForeignKey(Digest, on_delete=models.CASCADE)


class DigestGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK guardian table: grants on one digest to a role (its group)."""

    content_object = models.ForeignKey(Digest, on_delete=models.CASCADE)


class DigestChangeCounter(TenantOwnedModel):
    """The last change number handed out in a tenant (one row per tenant).

    Taking a number increments this row, which locks it until the writer's transaction
    ends: numbers are therefore assigned in commit order within a tenant, and a reader
    that sees number N committed also sees every number below it (digests/changes.py).
    """

    last_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="digest_change_counter_tenant_unique")
        ]


class DigestChange(TenantOwnedModel):
    """The latest change of one digest: what the changes feed reads.

    One row per digest ever written (compacted: a new change moves the row to a new,
    higher `seq`), kept after the digest is deleted as its tombstone. `digest_id` is
    not a foreign key for that reason.
    """

    digest_id = models.BigIntegerField()
    seq = models.BigIntegerField()
    changed_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "digest_id"], name="digest_change_tenant_digest_unique"
            ),
            models.UniqueConstraint(fields=["tenant", "seq"], name="digest_change_tenant_seq"),
        ]


class DigestFeedDelivery(TenantOwnedModel):
    """A digest the changes feed gave one reader (an API key, or a person signed in):
    the only readers a tombstone of it may go to (digests/changes.py).

    `gone_seq` is the change at which the reader was first told the digest is gone
    (NULL while it is visible to them): once their cursor is past it, later changes of a
    digest they may no longer see are not theirs to know of.
    """

    # The unique constraint below leads with the tenant: no index of its own.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    reader = models.CharField(max_length=40)
    digest_id = models.BigIntegerField()
    gone_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "reader", "digest_id"], name="digest_feed_delivery_unique"
            )
        ]


class KeywordPhrase(TenantOwnedModel):
    """A phrase the tenant's keyword rules look for, so that each digest's trigger notes
    whether the digest holds it (`Digest.keyword_hits`): a keyword rule then reads a
    short array in the digest's row instead of its word vector, which PostgreSQL keeps
    out of line and, under row-level security, cannot look up by index.

    Never changed; a trigger gives each its id after the tenant's row lock (migration
    0012), so a tenant's phrases commit in the order of their ids."""

    phrase = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "phrase"], name="keyword_phrase_unique")
        ]


class SearchShape(TenantOwnedModel):
    """One way a tenant's digests read after policies: the enforce-mode rules that change
    a digest's text (redactions, hidden fields and sections), in the order they apply.

    Readers whose rules change text search `ShownText` rows of their shape instead of
    the digest's own columns (digests/search.py). `key` is derived from `rules` alone, so
    readers with equal rules share a shape whoever they are, and a shape can never
    describe rules other than its own. `built_at` is set once every digest of the tenant
    has its row; until then the shape is not searched.
    """

    key = models.CharField(max_length=64)
    rules = JSONField(default=list)
    built_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="search_shape_tenant_key")
        ]


class ShownText(TenantOwnedModel):
    """The searchable text of one digest as readers of one shape are shown it, where it
    is not the digest's own: what their search and text filters match instead, so that
    a word a policy masks or a field it hides never selects, ranks or highlights the
    digest for them. A digest without a row for a shape reads to it as stored.

    Written by the application from the digest's current text in the writer's
    transaction (digests/search.py). A trigger (migration 0010) marks the rows of a
    digest whose text is written as *stale* (every text column NULL) for every shape of
    its tenant, before the application writes them again: a stale row matches nothing,
    so a digest is never found by text it does not show. `search_vector` is computed by
    a trigger with the digest's own weighting.
    """

    # The unique constraint below leads with the tenant: no index of its own.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    shape = models.ForeignKey(SearchShape, on_delete=models.CASCADE, related_name="+")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="shown_texts")
    # All NULL: stale. Otherwise title and publisher are text, the others may be NULL
    # where a rule hides them.
    title = models.TextField(null=True)  # noqa: DJ001
    publisher = models.TextField(null=True)  # noqa: DJ001
    summary = models.TextField(null=True)  # noqa: DJ001
    body = models.TextField(null=True)  # noqa: DJ001 (key points and sections, as `search_text`)
    topics = JSONField(null=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "shape", "digest"], name="shown_text_tenant_shape_digest"
            )
        ]
        indexes = [GinIndex(fields=["search_vector"], name="shown_text_search_gin")]
