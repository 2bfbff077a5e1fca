"""The sign-in and password forms, as Django's, with this platform's rules and messages."""

from __future__ import annotations

import math

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.lockout import SignInAttempt
from core import mail
from sso import services as sso
from tenants.context import platform_scope
from tenants.models import Membership


class EmailStepForm(forms.Form):
    """Sign-in's first step: who is signing in, to find how their organisation signs in."""

    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class SignInForm(auth_forms.AuthenticationForm):
    """Email and password. When sign-in fails, says why when that tells nothing about
    who has an account: the lockout (counted for any address typed), or that the
    address's organisation signs in with SSO (known from its verified domain, or, for
    the person's own tenants, only once the password was right)."""

    username = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.sso_url = ""
        self.sso_tenant = None

    def get_invalid_login_error(self):
        locked_until = getattr(self.request, "sign_in_locked_until", None)
        if locked_until is not None:
            minutes = max(1, math.ceil((locked_until - timezone.now()).total_seconds() / 60))
            return ValidationError(
                "Too many failed sign-ins. Password sign-in opens again at "
                f"{locked_until:%H:%M} UTC (in {minutes} minute{'s' if minutes > 1 else ''}); "
                "setting a new password opens it at once.",
                code="locked",
            )
        tenant = self._tenant_requiring_sso()
        if tenant is not None:
            self.sso_tenant = tenant
            self.sso_url = reverse("sso:login", args=[tenant.slug])
            return ValidationError(
                f"{tenant.name} signs in with single sign-on: use the button below.",
                code="sso_required",
            )
        return super().get_invalid_login_error()

    def _tenant_requiring_sso(self):
        email = self.cleaned_data.get("username") or ""
        connection = sso.discover(email) if "@" in email else None
        if connection is not None and connection.tenant.require_sso:
            return connection.tenant
        if getattr(self.request, "sso_password_refused", False):
            with platform_scope():
                membership = (
                    Membership.objects.unscoped()
                    .filter(user__email__iexact=email, tenant__require_sso=True)
                    .select_related("tenant")
                    .order_by("id")
                    .first()
                )
            return membership.tenant if membership else None
        return None


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Sends a set-password link to an active person who may sign in with a password
    somewhere, whether or not they have one yet (an invitee whose link expired); the
    page says the same whether or not the address has an account."""

    def get_users(self, email):
        people = get_user_model().objects.filter(email__iexact=email, is_active=True)
        return (person for person in people if not sso.password_refused(person))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        mail.send("accounts/mail/password_reset", to=to_email, context=context)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
    )


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's, with the current password checked under the sign-in lockout: a session
    left open must not become a way to guess the password."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        attempt = SignInAttempt.of(self.user.email, self.request)
        attempt.serialise()
        if attempt.locked_until() is not None:
            raise ValidationError(
                "Too many wrong passwords: try again later, or set a new one by mail.",
                code="locked",
            )
        try:
            return super().clean_old_password()
        except ValidationError:
            attempt.failed()
            raise
