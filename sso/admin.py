"""SSO in the operators' admin: read-only views of every tenant's connections and domains
(tenants manage them through the API; secrets are never shown here either)."""

from django.contrib import admin

from sso.models import Connection, VerifiedDomain
from tenants.admin import UnscopedAdmin


class ReadOnlyAdmin(UnscopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "tenant", "protocol", "enabled", "default_role", "updated_at"]
    list_filter = ["protocol", "enabled"]
    search_fields = ["name", "tenant__slug", "issuer", "idp_entity_id"]
    list_select_related = ["tenant", "default_role"]
    # Named, so the admin never builds a form whose role field would query roles with no
    # tenant current; the client secret is not among them.
    fields = readonly_fields = [
        "tenant",
        "name",
        "protocol",
        "enabled",
        "default_role",
        "issuer",
        "client_id",
        "scopes",
        "idp_entity_id",
        "idp_sso_url",
        "mapping",
        "group_roles",
        "public_id",
        "created_at",
        "updated_at",
    ]


@admin.register(VerifiedDomain)
class VerifiedDomainAdmin(ReadOnlyAdmin):
    list_display = ["domain", "tenant", "verified_at", "created_at"]
    search_fields = ["domain", "tenant__slug"]
    list_select_related = ["tenant"]
    fields = readonly_fields = ["tenant", "domain", "verified_at", "created_at"]
