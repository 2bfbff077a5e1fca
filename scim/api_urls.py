from django.urls import include, path
from rest_framework.routers import SimpleRouter

from scim import api

router = SimpleRouter(trailing_slash=True)
router.register("scim-tokens", api.ScimTokenViewSet, basename="scim-token")

urlpatterns = [path("", include(router.urls))]
