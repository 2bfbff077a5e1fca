"""Content policies: a draft you edit and numbered published versions that never change."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from tenants.models import SLUG_VALIDATOR
from tenants.scoping import TenantOwnedModel


class Policy(TenantOwnedModel):
    """A named set of rules. Every enabled policy's active version applies at once."""

    slug = models.CharField(max_length=50, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    draft_rules = models.JSONField(default=list, blank=True)
    draft_updated_at = models.DateTimeField(null=True, blank=True)
    active_version = models.ForeignKey(
        "PolicyVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="policy_tenant_slug_unique")
        ]
        permissions = [("publish_policy", "Publish and roll back policies")]

    def __str__(self) -> str:
        return self.slug


class PolicyVersion(TenantOwnedModel):
    """One published version: its rules are frozen; rollback publishes a copy."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True)
    copied_from = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version a rollback copied."
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_by_display = models.CharField(max_length=254, blank=True)
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "policy", "number"], name="policyversion_number_unique"
            )
        ]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.policy_id}@{self.number}"


class PolicyRuleDay(TenantOwnedModel):
    """How often one rule acted on the digests shown to one reader on one day: a role's
    people together, or one API key (policies.insight). Never the text a rule matched:
    counts, the first digests' ids, and who read."""

    # Labels are the values: the words findings use (policies.engine).
    class Mode(models.TextChoices):
        ENFORCE = "enforce", "enforce"
        MONITOR = "monitor", "monitor"

    class Action(models.TextChoices):
        # `hide` in enforce mode: a detail refused (policies.insight).
        HIDE = "hide", "hide"
        HIDE_FIELD = "hide_field", "hide_field"
        HIDE_SECTION = "hide_section", "hide_section"
        REDACT = "redact", "redact"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    rule = models.CharField(max_length=100, help_text="`<policy slug>/<rule id>`.")
    kind = models.CharField(max_length=20)
    mode = models.CharField(max_length=7, choices=Mode.choices)
    action = models.CharField(max_length=12, choices=Action.choices)
    role = models.CharField(max_length=50, help_text="The reader's role (its slug).")
    api_key = models.CharField(
        max_length=16, blank=True, help_text="The reader's API key prefix; blank for people."
    )
    count = models.BigIntegerField(default=0, help_text="Digests shown (or refused) so.")
    digests = ArrayField(
        models.BigIntegerField(), default=list, help_text="The first distinct digest ids."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "tenant",
                    "day",
                    "policy",
                    "rule",
                    "kind",
                    "mode",
                    "action",
                    "role",
                    "api_key",
                ],
                name="policyruleday_unique",
            )
        ]
        # Read through `policies.view_policy`: no permissions of its own.
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.rule} {self.day} {self.mode}/{self.action}"
