from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("t/<slug:tenant>/", views.LibraryPage.as_view(), name="library"),
    path("t/<slug:tenant>/digests/<int:pk>/", views.DigestPage.as_view(), name="digest"),
    path("t/<slug:tenant>/sources/", views.SourcesPage.as_view(), name="sources"),
    path("t/<slug:tenant>/policies/", views.PoliciesPage.as_view(), name="policies"),
    path("t/<slug:tenant>/policies/<int:pk>/", views.PolicyPage.as_view(), name="policy"),
    path("t/<slug:tenant>/reviews/", views.ReviewsPage.as_view(), name="reviews"),
    path("t/<slug:tenant>/licenses/<int:pk>/", views.LicensePage.as_view(), name="license"),
    # The same page, at an address whose suffix lets an evidence file through the request
    # size limit (core.middleware.RequestSizeLimitMiddleware).
    path(
        "t/<slug:tenant>/licenses/<int:pk>/evidence/upload/",
        views.LicensePage.as_view(),
        name="license-evidence-upload",
    ),
    path("t/<slug:tenant>/reports/", views.ReportsPage.as_view(), name="reports"),
    path("t/<slug:tenant>/members/", views.MembersPage.as_view(), name="members"),
    path("t/<slug:tenant>/roles/", views.RolesPage.as_view(), name="roles"),
    path("t/<slug:tenant>/webhooks/", views.WebhooksPage.as_view(), name="webhooks"),
    path("t/<slug:tenant>/api-keys/", views.ApiKeysPage.as_view(), name="api_keys"),
    path("t/<slug:tenant>/sso/", views.SsoPage.as_view(), name="sso"),
    path(
        "t/<slug:tenant>/sso/new/<slug:provider>/", views.SsoSetupPage.as_view(), name="sso_setup"
    ),
    path(
        "t/<slug:tenant>/sso/connections/<int:pk>/",
        views.SsoConnectionPage.as_view(),
        name="sso_connection",
    ),
    path("t/<slug:tenant>/audit/", views.AuditPage.as_view(), name="audit"),
]
