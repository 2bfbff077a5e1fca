"""The operators' admin: platform-wide, so every view runs in platform scope."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction

from audit import services as audit
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


# Never written into an event, whatever an admin form carries.
_SECRET_FIELDS = frozenset({"password", "secret", "client_secret", "secret_hash", "key_hash"})


class AuditedAdmin(admin.ModelAdmin):
    """An operator's change, addition or deletion in the admin is recorded like any other
    change (`admin.changed`, `admin.added`, `admin.deleted`, the operator as the actor) in
    the chain of every tenant it affects (`audit_tenants`), in the admin's transaction."""

    def audit_tenants(self, obj) -> list[Tenant]:
        """The tenants whose trail an edit of `obj` belongs in."""
        if isinstance(obj, Tenant):
            return [obj]
        if isinstance(obj, User):
            return [
                m.tenant
                for m in Membership.objects.unscoped().filter(user=obj).select_related("tenant")
            ]
        tenant_id = getattr(obj, "tenant_id", None)
        return list(Tenant.objects.filter(pk=tenant_id)) if tenant_id else []

    def _record(self, request, obj, action: str, changes: dict | None = None) -> None:
        target = audit.Target(type=type(obj).__name__.lower(), id=obj.pk, display=str(obj))
        for tenant in self.audit_tenants(obj):
            audit.record_for(tenant, action, actor=request.user, target=target, changes=changes)

    def save_model(self, request, obj, form, change):
        names = [n for n in form.changed_data if n not in _SECRET_FIELDS]
        fields = {f.name: f for f in obj._meta.concrete_fields}
        before = {n: form.initial.get(n) for n in names if n in fields}
        super().save_model(request, obj, form, change)
        after = {n: fields[n].value_from_object(obj) for n in before}
        if change and before:
            self._record(request, obj, "admin.changed", audit.diff(before, after))
        elif not change:
            self._record(request, obj, "admin.added", audit.diff({}, after))

    def delete_model(self, request, obj):
        self._record(request, obj, "admin.deleted")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._record(request, obj, "admin.deleted")
            super().delete_queryset(request, queryset)


class UnscopedAdmin(AuditedAdmin):
    def get_queryset(self, request):
        return self.model.objects.unscoped()


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
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

    def has_delete_permission(self, request, obj=None):
        # Deleting a person would drop their memberships and keys in every tenant by
        # cascade, past the services' checks and audit: deactivate them instead (their
        # keys stop at once, tenants/migrations/0008), and remove them from a tenant
        # through the members API.
        return False

    def user_change_password(self, request, id, form_url=""):
        """A password an operator sets or disables is recorded (never the password)."""
        with transaction.atomic():
            before = User.objects.filter(pk=id).values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = User.objects.filter(pk=id).first()
            if user is not None and before is not None and user.password != before:
                usable = user.has_usable_password()
                self._record(
                    request, user, "admin.password_set", {"usable_password": [None, usable]}
                )
        return response


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    """Operators rename and suspend tenants here. A tenant is created by `create_tenant`
    (its preset roles and first owner come with it) and SSO enforcement is the tenant's
    own setting (the SSO settings API, audited); a tenant is never deleted here (its
    audit trail is append-only)."""

    list_display = ["slug", "name", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["slug", "name"]
    fields = ["slug", "name", "status", "require_sso", "created_at"]
    readonly_fields = ["slug", "require_sso", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ThroughServicesOnly(UnscopedAdmin):
    """Rows that change only through the tenants services, which check who may, revoke
    keys beyond their people, end sessions and write the audit log: the admin shows
    them, and never adds, changes or deletes them. Operators use the API and the
    management commands (create_api_key, ...) instead."""

    def get_readonly_fields(self, request, obj=None):
        # Every field, from the model: the admin builds no form field for any of them
        # (which would ask a tenant-scoped manager for choices, outside any tenant).
        return [f.name for f in (*self.model._meta.fields, *self.model._meta.many_to_many)]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(ThroughServicesOnly):
    list_display = ["slug", "name", "tenant", "preset"]
    list_filter = ["preset"]
    search_fields = ["slug", "tenant__slug"]


@admin.register(Membership)
class MembershipAdmin(ThroughServicesOnly):
    list_display = ["user", "tenant", "role", "created_at"]
    search_fields = ["user__email", "user__full_name", "tenant__slug", "role__slug", "role__name"]
    list_select_related = ["user", "tenant", "role"]


@admin.register(ApiKey)
class ApiKeyAdmin(ThroughServicesOnly):
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
    list_select_related = ["tenant", "role", "accountable_person"]
