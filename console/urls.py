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
    path("t/<slug:tenant>/members/", views.MembersPage.as_view(), name="members"),
    path("t/<slug:tenant>/api-keys/", views.ApiKeysPage.as_view(), name="api_keys"),
    path("t/<slug:tenant>/audit/", views.AuditPage.as_view(), name="audit"),
]
