from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from config import health
from tenants.api import MeView

api_v1 = [
    path("me", MeView.as_view(), name="me"),
    path("tenants/<slug:tenant>/", include("tenants.urls")),
    path("tenants/<slug:tenant>/", include("digests.urls")),
    path("tenants/<slug:tenant>/", include("audit.urls")),
    path("tenants/<slug:tenant>/", include("policies.urls")),
    path("tenants/<slug:tenant>/", include("licensing.urls")),
    path("tenants/<slug:tenant>/", include("sso.api_urls")),
    path("tenants/<slug:tenant>/", include("webhooks.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so
    # the Content-Security-Policy can forbid them.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/auth/", include("rest_framework.urls")),
    path("sso/", include("sso.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]

handler400 = "config.problems.bad_request"
handler403 = "config.problems.permission_denied"
handler404 = "config.problems.page_not_found"
handler500 = "config.problems.server_error"
