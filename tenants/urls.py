from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tenants import api

router = SimpleRouter(trailing_slash=True)
router.register("members", api.MemberViewSet, basename="member")
router.register("invitations", api.InvitationViewSet, basename="invitation")
router.register("roles", api.RoleViewSet, basename="role")
router.register("permissions", api.PermissionViewSet, basename="permission")
router.register("api-keys", api.ApiKeyViewSet, basename="api-key")

urlpatterns = [
    path("", include(router.urls)),
    path("archive/", api.TenantArchiveViewSet.as_view({"get": "download"}), name="tenant-archive"),
    path(
        "deletion/",
        api.TenantDeletionViewSet.as_view({"get": "show", "post": "ask", "delete": "cancel"}),
        name="tenant-deletion",
    ),
]
