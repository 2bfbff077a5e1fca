"""Sign-in lockout: after too many wrong passwords for one account, or from one address,
password sign-in is refused until a time the person is told.

Failures are rows (`SignInFailure`), so every worker counts the same ones and a cache
outage cannot open the door. A lockout is derived from them, never stored: an account
with `limit` failures in the last `window` is locked until the oldest of those
`limit` leaves the window. Attempts for one account are serialised by a transaction
advisory lock, so parallel guesses cannot slip past the count. A refused attempt is not
counted (a lockout does not feed itself), and a correct password clears the account's
failures. Accounts are counted by a hash of the address, whether or not it belongs to
anyone, so a lockout tells nothing about who has an account. Wrong second-factor codes
are counted against the person apart from passwords (`of_second_factor`), so signing in
again with the right password does not clear them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from accounts.models import SignInFailure
from core.request_context import client_ip


def account_key(username: str) -> str:
    """The account an attempt counts against: the stored address of the person the
    database finds for what was typed (it matches case-insensitively, and so folds
    look-alikes such as the dotless i, U+0131, together), else what was typed, upper-cased the
    same way."""
    typed = username.strip()
    stored = (
        get_user_model().objects.filter(email__iexact=typed).values_list("email", flat=True).first()
    )
    return hashlib.sha256((stored or typed).upper().encode()).hexdigest()


def second_factor_key(user) -> str:
    """Codes are counted apart from passwords, against the person: a right password
    clears its own count, never the count of wrong codes."""
    return hashlib.sha256(f"second-factor:{user.pk}".encode()).hexdigest()


def window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)


@dataclass(frozen=True)
class SignInAttempt:
    account: str
    address: str | None

    @classmethod
    def of(cls, username: str, request=None) -> SignInAttempt:
        return cls(account_key(username), client_ip(request) if request is not None else None)

    @classmethod
    def of_second_factor(cls, user, request=None) -> SignInAttempt:
        return cls(second_factor_key(user), client_ip(request) if request is not None else None)

    def serialise(self) -> None:
        """Hold this account's lock to the end of the transaction."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ["sign-in:" + self.account]
            )

    def locked_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When sign-in opens again for this account and address; None if it is open."""
        now = now or timezone.now()
        since = now - window()
        until = None
        for field, value, limit in (
            ("account", self.account, settings.SIGN_IN_FAILURES_PER_ACCOUNT),
            ("address", self.address, settings.SIGN_IN_FAILURES_PER_ADDRESS),
        ):
            if value is None:
                continue
            # The limit-th most recent failure in the window: while it is in, so are
            # `limit` failures.
            nth = (
                SignInFailure.objects.filter(**{field: value}, at__gt=since)
                .order_by("-at")
                .values_list("at", flat=True)[limit - 1 : limit]
            )
            for at in nth:
                opens = at + window()
                until = opens if until is None else max(until, opens)
        return until

    def failed(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """Count a wrong password; when sign-in opens again if this one locked it."""
        now = now or timezone.now()
        SignInFailure.objects.filter(at__lte=now - window()).delete()
        SignInFailure.objects.create(account=self.account, address=self.address, at=now)
        return self.locked_until(now)

    def succeeded(self) -> None:
        SignInFailure.objects.filter(account=self.account).delete()


def clear(username: str) -> None:
    """Forget an account's failures (its password was just reset)."""
    SignInFailure.objects.filter(account=account_key(username)).delete()
