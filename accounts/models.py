from __future__ import annotations

from django.conf import settings
from django.db import models


class SignInFailure(models.Model):
    """One wrong password, kept while it counts towards a lockout (accounts.lockout).

    The account is stored as a hash of the address typed, so the table holds no list of
    addresses, and one that belongs to nobody is counted like one that exists.
    """

    account = models.CharField(max_length=64)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "at"], name="signinfailure_account_at"),
            models.Index(fields=["address", "at"], name="signinfailure_address_at"),
            models.Index(fields=["at"], name="signinfailure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.account[:12]} from {self.address} at {self.at:%Y-%m-%d %H:%M:%S}"


class TotpDevice(models.Model):
    """A person's authenticator app (RFC 6238 TOTP), the second factor of password
    sign-ins. The shared secret is encrypted at rest (sso.crypto, SSO_ENCRYPTION_KEY).
    Unconfirmed until the person types a first code from it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    secret = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step a code was accepted for: a code works once.
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"authenticator of user {self.user_id}"


class RecoveryCode(models.Model):
    """A single-use code standing in for the authenticator; only a hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of user {self.user_id}"
