from importlib import import_module

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from accounts import api as sessions_api
from accounts.views import SignInView
from core import health, metrics
from core.middleware import allows_inline_styles
from tenants.api import MeView

# Every tenant's endpoints under one prefix, matched once; the digest routes, which
# internal apps call all day, are tried first.
_TENANT_URLCONFS = (
    "digests.urls",
    "tenants.urls",
    "accounts.api_urls",
    "audit.urls",
    "policies.urls",
    "licensing.urls",
    "sso.api_urls",
    "webhooks.urls",
    "scim.api_urls",
)
api_v1 = [
    path("me", MeView.as_view(), name="me"),
    path("me/sessions/", sessions_api.MySessionsView.as_view(), name="my-sessions"),
    path(
        "me/sessions/end-others/",
        sessions_api.MyOtherSessionsView.as_view(),
        name="my-other-sessions",
    ),
    path("me/sessions/<int:pk>/", sessions_api.MySessionView.as_view(), name="my-session"),
    path(
        "tenants/<slug:tenant>/",
        include(
            [
                pattern
                for module in _TENANT_URLCONFS
                for pattern in import_module(module).urlpatterns
            ]
        ),
    ),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so
    # the Content-Security-Policy can forbid them.
    path(
        "api/docs/",
        allows_inline_styles(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path(
        "api/redoc/",
        allows_inline_styles(SpectacularRedocView.as_view(url_name="schema")),
        name="redoc",
    ),
    # One sign-in page for people, also at the address the browsable API links to.
    path("api/auth/login/", SignInView.as_view()),
    path("api/auth/", include("rest_framework.urls")),
    path("accounts/", include("accounts.urls")),
    path("sso/", include("sso.urls")),
    # SCIM 2.0 provisioning for identity providers; not in the OpenAPI document (docs/sso.md).
    path("scim/v2/<slug:tenant>/", include("scim.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Prometheus's, for allowed callers only (core/metrics.py); a plain Django view, so
    # not in the OpenAPI document.
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # The console for people: last, so that every path above stays the API's.
    path("", include("console.urls")),
]

handler400 = "core.problems.bad_request"
handler403 = "core.problems.permission_denied"
handler404 = "console.views.page_not_found"
handler500 = "core.problems.server_error"
