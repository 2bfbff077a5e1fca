"""Mounted at `scim/v2/<slug:tenant>/` (config/urls.py)."""

from django.urls import path

from scim import views

urlpatterns = [
    path("ServiceProviderConfig", views.ServiceProviderConfigView.as_view()),
    path("ResourceTypes", views.ResourceTypesView.as_view()),
    path("ResourceTypes/<str:name>", views.ResourceTypesView.as_view()),
    path("Schemas", views.SchemasView.as_view()),
    path("Schemas/<str:name>", views.SchemasView.as_view()),
    path("Users", views.UsersView.as_view()),
    path("Users/<str:pk>", views.UserView.as_view()),
    path("Groups", views.GroupsView.as_view()),
    path("Groups/<str:pk>", views.GroupView.as_view()),
]
