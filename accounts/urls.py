from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/mfa/", views.MfaVerifyView.as_view(), name="mfa_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/", views.MfaView.as_view(), name="mfa"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("invitations/<str:secret>/", views.InvitationView.as_view(), name="invitation"),
    path("welcome/<slug:tenant>/", views.WelcomeView.as_view(), name="welcome"),
]
