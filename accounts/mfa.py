"""Two-factor sign-in for passwords: an authenticator app (TOTP, RFC 6238, with pyotp)
and single-use recovery codes.

A password sign-in of a person with a confirmed authenticator leaves the session
*pending* (MFA_PENDING_SESSION_KEY): accounts.middleware lets such a session reach only
the code page and sign-out, whatever signed it in (the sign-in page, the admin's). The
right code clears it and notes how the factor was given (MFA_SESSION_KEY), which a
tenant that requires two factors checks on every request (tenants.api_base). SSO
sign-ins rely on the provider's own factors, whose `amr` the SSO pipeline notes.

A code works once (the device keeps the last time step accepted); wrong codes count
towards the sign-in lockout (accounts.lockout) like wrong passwords.
"""

from __future__ import annotations

import hashlib
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from accounts.models import RecoveryCode, TotpDevice
from audit.signals import record_for_each_tenant
from core.exceptions import Conflict
from sso import crypto
from sso.sessions import PASSWORD_BACKENDS
from tenants.authentication import MFA_SESSION_KEY
from tenants.context import platform_scope
from tenants.models import Membership
from tenants.principals import Principal, require_grantable
from tenants.services.members import require_only_here

ISSUER = "Digest Platform"
RECOVERY_CODE_COUNT = 10
MFA_PENDING_SESSION_KEY = "_mfa_pending"


def confirmed_device(user) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def tenants_requiring_mfa(user) -> list:
    with platform_scope():
        return [
            m.tenant
            for m in Membership.objects.unscoped()
            .filter(user=user, tenant__require_mfa=True)
            .select_related("tenant")
        ]


@receiver(user_logged_in)
def _hold_password_sign_in(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session.pop(MFA_SESSION_KEY, None)
    if session.get(BACKEND_SESSION_KEY) in PASSWORD_BACKENDS and confirmed_device(user):
        session[MFA_PENDING_SESSION_KEY] = True
    else:
        session.pop(MFA_PENDING_SESSION_KEY, None)


# --- Enrolment -------------------------------------------------------------------------------


@transaction.atomic
def enrolment_start(user) -> str:
    """A new secret for an authenticator not yet confirmed (any earlier unconfirmed one
    is replaced); refused while one is confirmed."""
    if confirmed_device(user):
        raise Conflict("two-factor sign-in is already on; turn it off first", code="mfa_on")
    secret = pyotp.random_base32()
    TotpDevice.objects.update_or_create(
        user=user, defaults={"secret": crypto.encrypt(secret), "confirmed_at": None, "last_step": 0}
    )
    return secret


def pending_secret(user) -> str | None:
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    return crypto.decrypt(device.secret) if device else None


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The URI as an SVG QR code, to scan with the authenticator app."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


@transaction.atomic
def enrolment_confirm(user, code: str) -> list[str] | None:
    """Confirm the pending authenticator with a code from it; its recovery codes (shown
    once), or None if the code is wrong."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.confirmed_at is not None or not _totp_accepts(device, code):
        return None
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at", "last_step"])
    codes = _new_recovery_codes(user)
    record_for_each_tenant(user, "auth.mfa_enabled", changes={"method": "totp"})
    return codes


@transaction.atomic
def recovery_codes_replace(user) -> list[str]:
    codes = _new_recovery_codes(user)
    record_for_each_tenant(user, "auth.mfa_recovery_codes_replaced")
    return codes


@transaction.atomic
def member_mfa_reset(*, actor: Principal, membership: Membership) -> bool:
    """An admin removes a member's authenticator (lost phone, no recovery codes left): the
    member signs in with their password alone, then sets a new one up where a tenant
    requires it. Only for a role the admin could grant, and for someone who belongs to
    no other tenant (the authenticator guards those too); whether there was one."""
    if not (actor.user and actor.user.pk == membership.user_id):
        require_grantable(actor, membership.role)
    require_only_here(membership.user, "second factor")
    return mfa_turn_off(membership.user, by=actor.user or actor.api_key)


@transaction.atomic
def mfa_turn_off(user, *, by=None) -> bool:
    """Remove the authenticator and recovery codes (`by`: the admin resetting it, None:
    the person); whether there was one."""
    had = TotpDevice.objects.filter(user=user).delete()[0] > 0
    RecoveryCode.objects.filter(user=user).delete()
    if had:
        changes = {"by": str(by)} if by is not None else {}
        record_for_each_tenant(user, "auth.mfa_disabled", changes=changes)
    return had


# --- Checking a code ---------------------------------------------------------------------------


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "-".join(secrets.token_hex(5)[i : i + 5] for i in (0, 5))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=_hash(c)) for c in codes)
    return codes


def _totp_accepts(device: TotpDevice, code: str) -> bool:
    """A code of this step or the one either side (clocks drift), never one of a step
    already used."""
    code = code.replace(" ", "").strip()
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(crypto.decrypt(device.secret))
    now = totp.timecode(timezone.now())
    for step in (now - 1, now, now + 1):
        if step > device.last_step and secrets.compare_digest(totp.generate_otp(step), code):
            device.last_step = step
            return True
    return False


@transaction.atomic
def verify(user, code: str) -> str | None:
    """How `code` proves the second factor: "totp", "recovery_code", or None."""
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    if device is None:
        return None
    if _totp_accepts(device, code):
        device.save(update_fields=["last_step"])
        return "totp"
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return "recovery_code" if used else None


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
