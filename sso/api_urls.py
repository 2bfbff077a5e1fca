from django.urls import include, path
from rest_framework.routers import SimpleRouter

from sso import api

router = SimpleRouter(trailing_slash=True)
router.register("sso/connections", api.ConnectionViewSet, basename="sso-connection")
router.register("sso/domains", api.DomainViewSet, basename="sso-domain")

urlpatterns = [
    path("", include(router.urls)),
    path(
        "sso/settings/",
        api.SsoSettingsViewSet.as_view({"get": "show", "patch": "change"}),
        name="sso-settings",
    ),
]
