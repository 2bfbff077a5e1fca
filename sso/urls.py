from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("discover", views.DiscoverView.as_view(), name="discover"),
    path("error", views.error, name="error"),
    path("oidc/<uuid:public_id>/callback", views.oidc_callback, name="oidc-callback"),
    path("saml/<uuid:public_id>/acs", views.saml_acs, name="saml-acs"),
    path("saml/<uuid:public_id>/metadata", views.saml_metadata, name="saml-metadata"),
    path("test/<uuid:public_id>/start", views.test_start, name="test-start"),
    path("<slug:tenant>/login", views.login, name="login"),
]
