"""Content policies: a draft you edit and numbered published versions that never change."""

from __future__ import annotations

from django.conf import settings
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
