from django.http import HttpResponsePermanentRedirect
from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from digests import api, sync_api

router = SimpleRouter(trailing_slash=True)
router.register("digests", api.DigestViewSet, basename="digest")


def _with_slash(request, **kwargs):
    """The paths as they were before they took the trailing slash every other path has:
    a 308, so that a POST is sent again, body and all, to the path with the slash."""
    target = request.path + "/"
    if request.META.get("QUERY_STRING"):
        target += "?" + request.META["QUERY_STRING"]
    return HttpResponsePermanentRedirect(target, preserve_request=True)


urlpatterns = [
    path(
        "digests/import/",
        api.DigestImportViewSet.as_view({"post": "create"}),
        name="digest-import",
    ),
    path(
        "digests/changes/",
        sync_api.DigestChangesViewSet.as_view({"get": "changes"}),
        name="digest-changes",
    ),
    path(
        "digests/export/",
        sync_api.DigestExportViewSet.as_view({"get": "export"}),
        name="digest-export",
    ),
    re_path(
        r"^digests/(?P<pk>[0-9]+)/export/$",
        sync_api.DigestExportViewSet.as_view({"get": "export_one"}),
        name="digest-export-one",
    ),
    re_path(r"^digests/(?:import|changes|export|[0-9]+/export)$", _with_slash),
    path("", include(router.urls)),
]
