from django.urls import include, path
from rest_framework.routers import SimpleRouter

from digests import api

router = SimpleRouter(trailing_slash=True)
router.register("digests", api.DigestViewSet, basename="digest")

urlpatterns = [
    path(
        "digests/import", api.DigestImportViewSet.as_view({"post": "create"}), name="digest-import"
    ),
    path("", include(router.urls)),
]
