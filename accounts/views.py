"""Pages for people: sign in and out, set and reset passwords, follow an invitation.

Django's own authentication views with this platform's forms and templates; what they
do to the database goes through services (tenants.services.invitations) or Django's
forms, and each change is recorded in the audit log of every tenant of the person.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache

from accounts import lockout, mfa
from accounts.forms import (
    CodeForm,
    EmailStepForm,
    PasswordChangeForm,
    PasswordResetForm,
    SignInForm,
)
from audit.models import AuditEvent
from audit.signals import record_for_each_tenant
from core import mail
from core.exceptions import ServiceError
from sso import services as sso_services
from sso import sessions
from tenants.authentication import MFA_SESSION_KEY
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
    """Email first: a verified domain whose tenant requires single sign-on is sent to its
    provider, with the reason said on the page; everyone else is asked for a password
    (and offered their organisation's SSO where it has one). A form that posts email and
    password together signs in at once."""

    template_name = "accounts/sign_in.html"
    form_class = SignInForm

    def post(self, request, *args, **kwargs):
        if "password" in request.POST:
            return super().post(request, *args, **kwargs)
        form = EmailStepForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(email_form=form))
        email = form.cleaned_data["email"]
        connection = sso_services.discover(email)
        context = {"email": email, "step": "password", "connection": connection}
        if connection is not None:
            context["sso_url"] = reverse("sso:login", args=[connection.tenant.slug])
            if connection.tenant.require_sso and not request.POST.get("use_password"):
                context["step"] = "sso"
        form = self.get_form_class()(request, initial={"username": email})
        # The email is known: the cursor starts in the password.
        form.fields["username"].widget.attrs.pop("autofocus", None)
        form.fields["password"].widget.attrs["autofocus"] = True
        return self.render_to_response(self.get_context_data(form=form, **context))

    def get_context_data(self, **kwargs):
        form = kwargs.get("form")
        kwargs.setdefault("step", "password" if form is not None and form.is_bound else "email")
        kwargs.setdefault("email_form", EmailStepForm())
        return super().get_context_data(**kwargs)

    def get_success_url(self):
        """On to the second factor when the password was only the first, or to setting
        one up when a tenant of the person's requires it."""
        url = super().get_success_url()
        if self.request.session.get(mfa.MFA_PENDING_SESSION_KEY):
            return f"{reverse('accounts:mfa_verify')}?{urlencode({'next': url})}"
        user = self.request.user
        if mfa.tenants_requiring_mfa(user) and not mfa.confirmed_device(user):
            return f"{reverse('accounts:mfa')}?{urlencode({'next': url})}"
        return url


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"site": mail.site_url(self.request)}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"timeout_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


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
    form_class = PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

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


MAX_CODE_ATTEMPTS = 5


class CodeLocked(Exception):
    def __init__(self, until):
        self.message = f"Too many wrong codes. Try again after {until:%H:%M} UTC."


def check_code(request, user, code: str) -> str | None:
    """How `code` proves the second factor ("totp", "recovery_code") or None; wrong codes
    count towards the person's own lockout (accounts.lockout), audited, and a locked
    person's codes are not even checked (CodeLocked)."""
    attempt = lockout.SignInAttempt.of_second_factor(user, request)
    attempt.serialise()
    until = attempt.locked_until()
    if until is not None:
        raise CodeLocked(until)
    how = mfa.verify(user, code)
    if how is None:
        attempt.failed()
        record_for_each_tenant(
            user, "auth.mfa_failed", outcome=AuditEvent.Outcome.FAILURE, changes={}
        )
    else:
        attempt.succeeded()
    return how


def _safe_next(request, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else default


@method_decorator(never_cache, name="dispatch")
class MfaVerifyView(View):
    """The second step of a password sign-in: a code from the authenticator, or a
    recovery code. Wrong codes count towards the lockout; five in one session end it."""

    def dispatch(self, request, *args, **kwargs):
        if not request.session.get(mfa.MFA_PENDING_SESSION_KEY):
            return redirect(settings.LOGIN_URL)
        if not request.user.is_authenticated:  # deactivated or deleted meanwhile
            request.session.flush()
            return redirect(settings.LOGIN_URL)
        return super().dispatch(request, *args, **kwargs)

    def _show(self, form, status=200):
        return page(
            self.request,
            "accounts/mfa_verify.html",
            {"form": form, "next": _safe_next(self.request, settings.LOGIN_REDIRECT_URL)},
            status=status,
        )

    def get(self, request):
        return self._show(CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        user = request.user
        try:
            how = check_code(request, user, form.data.get("code", "")) if form.is_valid() else None
        except CodeLocked as locked:
            auth_logout(request)
            messages.error(request, locked.message)
            return redirect(settings.LOGIN_URL)
        if how is None:
            failures = request.session.get("_mfa_failures", 0) + 1
            if failures >= MAX_CODE_ATTEMPTS:
                auth_logout(request)
                messages.error(request, "Too many wrong codes: sign in again.")
                return redirect(settings.LOGIN_URL)
            request.session["_mfa_failures"] = failures
            form.add_error("code", "That code is not right, or was used already.")
            return self._show(form, status=400)
        request.session.pop(mfa.MFA_PENDING_SESSION_KEY, None)
        request.session.pop("_mfa_failures", None)
        request.session[MFA_SESSION_KEY] = how
        request.session.cycle_key()
        record_for_each_tenant(user, "auth.mfa_verified", changes={"method": how})
        if how == "recovery_code":
            left = mfa.recovery_codes_left(user)
            messages.warning(
                request, f"You used a recovery code; {left} left. Replace them at /accounts/mfa/."
            )
        return redirect(_safe_next(request, settings.LOGIN_REDIRECT_URL))


@method_decorator(never_cache, name="dispatch")
class MfaView(LoginRequiredMixin, View):
    """Turn two-factor sign-in on (scan, confirm with a code, keep the recovery codes) or
    off, and replace the recovery codes."""

    def _show(self, *, form=None, codes=None, error="", status=200):
        user = self.request.user
        secret = mfa.pending_secret(user)
        uri = mfa.provisioning_uri(user, secret) if secret else ""
        return page(
            self.request,
            "accounts/mfa.html",
            {
                "on": mfa.confirmed_device(user) is not None,
                "secret": secret,
                "qr_code": mark_safe(mfa.qr_code_svg(uri)) if uri else "",  # noqa: S308 (made here)
                "form": form or CodeForm(),
                "codes": codes,
                "codes_left": mfa.recovery_codes_left(user),
                "required_by": [t.name for t in mfa.tenants_requiring_mfa(user)],
                "next": _safe_next(self.request, ""),
                "error": error,
            },
            status=status,
        )

    def get(self, request):
        return self._show()

    def post(self, request):
        user = request.user
        action = request.POST.get("action")
        if action == "start":
            try:
                mfa.enrolment_start(user)
            except ServiceError as error:
                return self._show(error=error.detail, status=409)
            return self._show()
        form = CodeForm(request.POST)
        code = form.data.get("code", "")
        if action == "confirm":
            codes = mfa.enrolment_confirm(user, code) if form.is_valid() else None
            if codes is None:
                form.add_error(
                    "code", "That code is not right: check the app's clock, and try the next code."
                )
                return self._show(form=form, status=400)
            # Confirming proves the authenticator is at hand: this session has both
            # factors, and every other session (which had one) ends.
            request.session[MFA_SESSION_KEY] = "totp"
            sessions.end_sessions(user, keep=request.session.session_key)
            return self._show(codes=codes)
        if action in ("replace_codes", "turn_off"):
            try:
                how = check_code(request, user, code) if form.is_valid() else None
            except CodeLocked as locked:
                return self._show(form=form, error=locked.message, status=429)
            if how is None:
                form.add_error("code", "That code is not right, or was used already.")
                return self._show(form=form, status=400)
            if action == "replace_codes":
                return self._show(codes=mfa.recovery_codes_replace(user))
            required_by = [t.name for t in mfa.tenants_requiring_mfa(user)]
            if required_by:
                return self._show(
                    error=f"{', '.join(required_by)} requires two-factor sign-in: it stays on.",
                    status=409,
                )
            mfa.mfa_turn_off(user)
            request.session.pop(MFA_SESSION_KEY, None)
            return self._show()
        return self._show(error="Unknown action.", status=400)
