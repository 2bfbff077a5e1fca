"""Pages for people: sign in and out, set and reset passwords, follow an invitation.

Django's own authentication views with this platform's forms and templates; what they
do to the database goes through services (tenants.services.invitations) or Django's
forms, and each change is recorded in the audit log of every tenant of the person.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import lockout
from accounts.forms import PasswordResetForm, SignInForm
from audit.signals import record_for_each_tenant
from core import mail
from core.exceptions import ServiceError
from tenants.context import platform_scope
from tenants.models import Membership
from tenants.services import invitations

PASSWORD_BACKEND = "sso.auth.PasswordBackend"


def page(request, template: str, context: dict, *, status: int = 200):
    """A page for a person: HTML even for an error status, never a problem document."""
    response = render(request, template, context, status=status)
    response.problem_exempt = True
    return response


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm


class SignOutView(auth_views.LogoutView):
    pass


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site": mail.site_url(self.request)}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        lockout.clear(user.email)
        record_for_each_tenant(user, "auth.password_reset", changes={"method": "emailed link"})
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record_for_each_tenant(form.user, "auth.password_changed")
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@method_decorator(never_cache, name="dispatch")
class InvitationView(View):
    """GET: who invites whom to what, and how to come in. POST: set a password and come
    in, or accept as the person already signed in."""

    template_name = "accounts/invitation.html"

    def _invitation(self, secret: str):
        try:
            return invitations.invitation_by_secret(secret), None
        except invitations.InvitationInvalid as refusal:
            return None, page(
                self.request,
                "accounts/message.html",
                {"title": "This invitation cannot be used", "message": refusal.detail},
                status=404,
            )

    def _show(self, invitation, form=None, error: str = "", status: int = 200):
        signed_in = self.request.user if self.request.user.is_authenticated else None
        return page(
            self.request,
            self.template_name,
            {
                "invitation": invitation,
                "tenant": invitation.tenant,
                "form": form or SetPasswordForm(invitation.user),
                "may_set_password": invitations.may_set_password(invitation),
                "signed_in": signed_in,
                "signed_in_as_invitee": signed_in is not None
                and signed_in.pk == invitation.user_id,
                "sso_url": reverse("sso:login", args=[invitation.tenant.slug]),
                "sign_in_url": f"{reverse('accounts:login')}?next={self.request.path}",
                "error": error,
            },
            status=status,
        )

    def get(self, request, secret: str):
        invitation, refusal = self._invitation(secret)
        return refusal or self._show(invitation)

    def post(self, request, secret: str):
        invitation, refusal = self._invitation(secret)
        if refusal:
            return refusal
        signed_in = request.user if request.user.is_authenticated else None
        form = None
        if signed_in is None and not invitations.may_set_password(invitation):
            how = "single sign-on" if invitation.tenant.require_sso else "your password"
            return self._show(
                invitation, error=f"Sign in with {how} to accept this invitation.", status=409
            )
        if signed_in is None:
            form = SetPasswordForm(invitation.user, request.POST)
            if not form.is_valid():
                return self._show(invitation, form=form, status=400)
        try:
            accepted = invitations.invitation_accept(
                secret=secret,
                password=form.cleaned_data["new_password1"] if form else None,
                signed_in=signed_in,
            )
        except ValidationError as error:
            return self._show(invitation, form=form, error=" ".join(error.messages), status=400)
        except ServiceError as error:
            return self._show(invitation, form=form, error=error.detail, status=409)
        if signed_in is None:
            auth_login(request, accepted.user, backend=PASSWORD_BACKEND)
        messages.success(
            request,
            f"Welcome to {accepted.tenant.name}: you are a member as {accepted.role.name}.",
        )
        return redirect(reverse("accounts:welcome", args=[accepted.tenant.slug]))


class WelcomeView(LoginRequiredMixin, View):
    """Where an accepted invitation lands: the tenant, the role, and where to go next."""

    def get(self, request, tenant: str):
        with platform_scope():
            membership = (
                Membership.objects.unscoped()
                .filter(user=request.user, tenant__slug=tenant)
                .select_related("tenant", "role")
                .first()
            )
        if membership is None:
            return page(
                request,
                "accounts/message.html",
                {"title": "Not a member", "message": "You are not a member of this organisation."},
                status=404,
            )
        return page(request, "accounts/welcome.html", {"membership": membership})
