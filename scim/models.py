"""SCIM 2.0 provisioning: each tenant's bearer tokens, and what its identity provider
says about people and groups that has no home in `tenants`.

A SCIM User is a person (`tenants.User`, keyed by email = userName) together with their
membership in the tenant; `ScimUser` keeps the provider's view of them in this tenant
(externalId, names, emails), so one tenant's provider never rewrites what another tenant
sees. A SCIM Group is a `ScimGroup`; its display name is what the SSO connection's
`group_roles` maps to a role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tenants.scoping import TenantOwnedModel

TOKEN_PREFIX = "scim"  # every token reads scim_<prefix>_<secret>


class ScimToken(TenantOwnedModel):
    """A bearer token an identity provider provisions the tenant with; only a hash is
    stored. Tokens read `scim_<prefix>_<secret>`; the URL names the tenant, so the prefix
    is looked up within it."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["tenant", "prefix"], name="scim_token_tenant_prefix")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at is not None else "active"


class ScimUser(TenantOwnedModel):
    """What the tenant's provider says about one person. The row outlives the membership:
    a deactivated user keeps it (and their groups) so reactivating restores them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_users"
    )
    external_id = models.CharField(max_length=255, blank=True)
    given_name = models.CharField(max_length=150, blank=True)
    family_name = models.CharField(max_length=150, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    # [{"value": ..., "type": ..., "primary": ...}] as the provider sent them.
    emails = models.JSONField(default=list, blank=True)
    # The enterprise extension's attributes (department, employeeNumber, manager, ...) as
    # sent; Entra ID's default mappings send them. Kept to be shown back, used for nothing.
    enterprise = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="scim_user_tenant_user")
        ]

    def __str__(self) -> str:
        return f"scim user {self.user_id}"


class ScimGroup(TenantOwnedModel):
    """A group the provider pushes; its display name is looked up in the SSO mapping."""

    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "display_name"], name="scim_group_tenant_display_name"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class ScimGroupMember(TenantOwnedModel):
    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "group", "user"], name="scim_group_member_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"
