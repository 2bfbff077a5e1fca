"""Invitations: the mail that lets an invited member in, and what its link does.

`member_invite` makes the membership and its invitation together. The link carries a
secret of which only a hash is kept; it works once, until it expires, and resending
replaces it. Following it, the person sets a password (only if their account has none:
an invitation never replaces a password someone already signs in with) or, where the
tenant requires SSO, signs in through the tenant's provider, which accepts it too.
Messages are sent after the transaction commits, and a failure to send is kept on the
invitation (`send_error`) rather than undoing the invitation.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit import services as audit
from core import mail
from core.exceptions import Conflict, ServiceError
from tenants.context import current_tenant, platform_scope, tenant_context
from tenants.models import Invitation, Membership, Role, User
from tenants.principals import Principal
from tenants.services.keys import hash_secret

SECRET_PREFIX = "inv"


@dataclass(frozen=True)
class InvitationLink:
    invitation: Invitation
    secret: str  # in the link only, never stored

    @property
    def path(self) -> str:
        return reverse("accounts:invitation", args=[self.secret])


def _new_secret() -> tuple[str, str]:
    secret = f"{SECRET_PREFIX}_{secrets.token_urlsafe(32)}"
    return secret, hash_secret(secret)


def _expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(days=settings.INVITATION_DAYS)


def invitation_create(
    *, actor: Principal | None, user: User, role: Role, site: str | None = None
) -> InvitationLink:
    """A new invitation for a membership made this transaction; mailed at commit, with
    links starting at `site` (core.mail.site_url)."""
    secret, secret_hash = _new_secret()
    invitation = Invitation.objects.create(
        tenant=current_tenant(),
        user=user,
        role=role,
        invited_by=actor.user if actor else None,
        secret_hash=secret_hash,
        expires_at=_expiry(),
    )
    link = InvitationLink(invitation, secret)
    _send_on_commit(link, site)
    return link


@transaction.atomic
def invitation_resend(
    *, actor: Principal | None, invitation: Invitation, site: str | None = None
) -> Invitation:
    """A new link for an invitation not yet accepted or revoked: the old one stops
    working, and the new one works for INVITATION_DAYS from now."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(
            f"this invitation is {invitation.state_at(timezone.now())}; only a pending or "
            "expired one can be sent again",
            code="invitation_closed",
        )
    secret, invitation.secret_hash = _new_secret()
    invitation.expires_at = _expiry()
    invitation.save(update_fields=["secret_hash", "expires_at"])
    audit.record(
        "member.invitation_resent",
        actor=actor,
        target=audit.Target.of(invitation, invitation.user.email),
    )
    _send_on_commit(InvitationLink(invitation, secret), site)
    return invitation


def close_open_invitations(user: User) -> None:
    """A member removed: their open invitation to this tenant stops working."""
    Invitation.objects.filter(user=user, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )


def _send_on_commit(link: InvitationLink, site: str | None) -> None:
    """`site`: where the link starts (core.mail.site_url)."""
    url = (site or mail.site_url()) + link.path
    tenant, pk = current_tenant(), link.invitation.pk
    transaction.on_commit(lambda: _send(tenant, pk, url), robust=True)


def _send(tenant, pk: int, url: str) -> None:
    with tenant_context(tenant):
        invitation = Invitation.objects.select_related("user", "role", "invited_by").get(pk=pk)
        error = mail.send(
            "tenants/mail/invitation",
            to=invitation.user.email,
            context={
                "url": url,
                "tenant": tenant,
                "role": invitation.role,
                "invited_by": invitation.invited_by,
                "expires_at": invitation.expires_at,
                "sso_only": tenant.require_sso,
            },
        )
        fields = {"send_error": error}
        if not error:
            fields.update(sent_at=timezone.now(), send_count=invitation.send_count + 1)
        Invitation.objects.filter(pk=pk).update(**fields)


# --- Following the link ------------------------------------------------------------------------


class InvitationInvalid(ServiceError):
    def __init__(self, detail: str):
        super().__init__(detail, code="invitation_invalid")


def invitation_by_secret(secret: str) -> Invitation:
    """The open invitation a link names, with its tenant, person and role; the same
    refusal for a link that never existed, was replaced, used, revoked or expired."""
    with platform_scope():
        invitation = (
            Invitation.objects.unscoped()
            .select_related("tenant", "user", "role", "invited_by")
            .filter(secret_hash=hash_secret(secret))
            .first()
        )
    if invitation is None or invitation.state_at(timezone.now()) != Invitation.State.PENDING:
        raise InvitationInvalid(
            "This invitation link is not valid: it has been used, replaced by a newer one, "
            "withdrawn, or it has expired. Ask whoever invited you to send it again."
        )
    if not invitation.tenant.is_active:
        raise InvitationInvalid("This organisation is not active.")
    return invitation


def may_set_password(invitation: Invitation) -> bool:
    """Whether following the link may set the person's password: not when they already
    sign in with one, nor when the tenant requires SSO."""
    return not invitation.user.has_usable_password() and not invitation.tenant.require_sso


@transaction.atomic
def invitation_accept(
    *, secret: str, password: str | None = None, signed_in: User | None = None
) -> Invitation:
    """Accept with a new password, or as the person already signed in; returns it with
    its user, ready to be signed in."""
    found = invitation_by_secret(secret)
    with tenant_context(found.tenant):
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("tenant", "user", "role")
            .filter(pk=found.pk, secret_hash=hash_secret(secret))
            .first()
        )
        if invitation is None or invitation.state_at(timezone.now()) != Invitation.State.PENDING:
            raise InvitationInvalid("This invitation has just been used, replaced or withdrawn.")
        if not Membership.objects.filter(user=invitation.user).exists():
            raise InvitationInvalid("This invitation no longer leads to a membership.")
        user = invitation.user
        if signed_in is not None:
            if signed_in.pk != user.pk:
                raise ServiceError(
                    f"This invitation is for {user.email}; you are signed in as "
                    f"{signed_in.email}. Sign out and follow the link again.",
                    code="invitation_other_person",
                )
            how = "signed_in"
        else:
            if not may_set_password(invitation):
                raise ServiceError(
                    "Sign in to accept this invitation.", code="invitation_needs_sign_in"
                )
            password_validation.validate_password(password or "", user)
            user.set_password(password)
            user.save(update_fields=["password"])
            how = "password"
        _accept(invitation, how=how, actor=user)
        return invitation


def accept_by_sso(user: User) -> None:
    """The person signed in through the current tenant's SSO: their open invitation to
    it, if any, is accepted."""
    for invitation in Invitation.objects.select_for_update().filter(
        user=user, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ):
        _accept(invitation, how="sso", actor=user)


def _accept(invitation: Invitation, *, how: str, actor: User) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_with = how
    invitation.save(update_fields=["accepted_at", "accepted_with"])
    audit.record(
        "member.invitation_accepted",
        actor=actor,
        target=audit.Target.of(invitation, invitation.user.email),
        changes={"with": [None, how]},
    )
