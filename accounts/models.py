from __future__ import annotations

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
