from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from digests import api, sync_api

router = SimpleRouter(trailing_slash=True)
router.register("digests", api.DigestViewSet, basename="digest")

urlpatterns = [
    path(
        "digests/import", api.DigestImportViewSet.as_view({"post": "create"}), name="digest-import"
    ),
    path(
        "digests/changes",
        sync_api.DigestChangesViewSet.as_view({"get": "changes"}),
        name="digest-changes",
    ),
    path(
        "digests/export",
        sync_api.DigestExportViewSet.as_view({"get": "export"}),
        name="digest-export",
    ),
    re_path(
        r"^digests/(?P<pk>[0-9]+)/export$",
        sync_api.DigestExportViewSet.as_view({"get": "export_one"}),
        name="digest-export-one",
    ),
    path("", include(router.urls)),
]
