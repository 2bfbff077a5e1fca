"""Tenant-owned models: a non-null tenant and a default manager that fails closed."""

from __future__ import annotations

from django.db import models

from tenants.context import TenantNotSet, current_tenant_id, in_platform_scope


class TenantScopedQuerySet(models.QuerySet):
    pass


class TenantScopedManager(models.Manager.from_queryset(TenantScopedQuerySet)):
    """`Model.objects`: only the current tenant's rows; raises when no tenant is current.

    `Model.objects.unscoped()` drops the ORM filter. It is the grep-able door for
    platform work and should appear only inside `platform_scope()` (on PostgreSQL the
    row-level-security policy still confines it to the current tenant otherwise).
    """

    def get_queryset(self) -> TenantScopedQuerySet:
        tenant_id = current_tenant_id()
        if tenant_id is None:
            raise TenantNotSet(
                f"{self.model.__name__}.objects used with no current tenant; use "
                "tenant_context(tenant), or platform_scope() with .unscoped()"
            )
        return super().get_queryset().filter(tenant_id=tenant_id)

    def unscoped(self) -> TenantScopedQuerySet:
        return super().get_queryset()

    def none(self) -> TenantScopedQuerySet:
        # An empty result reveals nothing, so it needs no tenant (schema generation uses it).
        return super().get_queryset().none()


class TenantOwnedModel(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")

    objects = TenantScopedManager()

    # Related-object access and cascades use Django's plain `_base_manager`, not this
    # one: a membership's role is reachable wherever the membership is. Row-level
    # security still applies to those queries on PostgreSQL.

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        tenant_id = current_tenant_id()
        if self.tenant_id is None and tenant_id is not None:
            self.tenant_id = tenant_id
        if tenant_id is not None and not in_platform_scope() and self.tenant_id != tenant_id:
            # A write into another tenant from inside a tenant's request is always a bug.
            raise TenantNotSet(
                f"refusing to save {type(self).__name__} for tenant {self.tenant_id} "
                f"while tenant {tenant_id} is current"
            )
        super().save(*args, **kwargs)


# Uniqueness that deliberately spans tenants: (model label, constraint or field name) ->
# why. Every other unique constraint of a tenant-owned model includes the tenant, as
# Citus requires of a table distributed by `tenant_id` (platform/scale-out.md lists
# these and what each becomes there). tests/test_unique_constraints.py reads this.
GLOBAL_UNIQUE: dict[tuple[str, str], str] = {
    ("tenants.ApiKey", "apikey_prefix_unique"): (
        "A token names its key by prefix before any tenant is known: authentication "
        "looks the prefix up across tenants."
    ),
    ("tenants.Role", "group"): (
        "Each role owns one Django group (auth_group is shared by every tenant), so "
        "object grants can name a role."
    ),
    ("sso.Connection", "public_id"): (
        "The identity provider calls back to /sso/.../<public_id>/ with no tenant in the "
        "URL: the id alone finds the connection."
    ),
    ("sso.VerifiedDomain", "sso_domain_verified_once"): (
        "A verified domain routes sign-ins to one tenant: two tenants may never both own it."
    ),
    ("tenants.Invitation", "secret_hash"): (
        "An invitation's link carries only its secret, with no tenant in the URL: the hash "
        "alone finds the invitation."
    ),
}
