"""The operators' admin: platform-wide, so every view runs in platform scope."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tenants.context import platform_scope
from tenants.models import ApiKey, Membership, Role, Tenant, User

_original_admin_view = admin.site.admin_view


def _platform_admin_view(view, cacheable=False):
    wrapped = _original_admin_view(view, cacheable)

    def inner(request, *args, **kwargs):
        with platform_scope():
            return wrapped(request, *args, **kwargs)

    return inner


admin.site.admin_view = _platform_admin_view
admin.site.site_header = "Digest Platform operations"


class UnscopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return self.model.objects.unscoped()


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ()
    list_filter = ["is_staff", "is_active"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["slug", "name"]


@admin.register(Role)
class RoleAdmin(UnscopedAdmin):
    list_display = ["slug", "name", "tenant", "preset"]
    list_filter = ["preset"]
    search_fields = ["slug", "tenant__slug"]
    readonly_fields = ["group"]


@admin.register(Membership)
class MembershipAdmin(UnscopedAdmin):
    list_display = ["user", "tenant", "role", "created_at"]
    search_fields = ["user__email", "tenant__slug"]
    list_select_related = ["user", "tenant", "role"]
    raw_id_fields = ["user", "invited_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(UnscopedAdmin):
    list_display = [
        "prefix",
        "name",
        "tenant",
        "role",
        "accountable_person",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    search_fields = ["prefix", "name", "tenant__slug"]
    raw_id_fields = ["accountable_person"]
    readonly_fields = ["prefix", "secret_hash", "last_used_at", "created_at"]
    list_select_related = ["tenant", "role", "accountable_person"]
