"""Members: people invited into the tenant, given another role, or removed.

Withdrawing an invitation not yet accepted removes the member it made, so it is here.

A tenant always keeps an owner. Whoever changes a membership must be able to grant both
the role taken away and the role given. A removed member loses access at once.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from core.exceptions import Conflict
from tenants import rbac
from tenants.context import current_tenant, platform_scope
from tenants.models import ApiKey, Invitation, Membership, Role, Tenant, User
from tenants.principals import Principal, require_grantable
from tenants.services.invitations import close_open_invitations, invitation_create
from tenants.services.keys import revoke_keys_beyond_their_people
from tenants.signals import member_removed, member_sessions_ending


def user_get_or_create(*, email: str, full_name: str = "") -> User:
    email = User.objects.normalize_email(email.strip()).lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name)
    return user


def membership_add(*, tenant: Tenant, user: User, role: Role, invited_by: User | None = None):
    membership = Membership.objects.create(
        tenant=tenant, user=user, role=role, invited_by=invited_by
    )
    user.groups.add(role.group)
    return membership


@transaction.atomic
def member_invite(
    *, actor: Principal | None, email: str, role: Role, site: str | None = None
) -> Membership:
    """Make `email` a member with `role` and mail them an invitation (its links start
    at `site`, core.mail.site_url)."""
    tenant = current_tenant()
    require_grantable(actor, role)
    user = user_get_or_create(email=email)
    if Membership.objects.filter(user=user).exists():
        raise Conflict(f"{user.email} is already a member", code="already_member")
    try:
        with transaction.atomic():
            membership = membership_add(
                tenant=tenant, user=user, role=role, invited_by=actor.user if actor else None
            )
    except IntegrityError:
        raise Conflict(f"{user.email} is already a member", code="already_member") from None
    audit.record(
        "member.invited",
        actor=actor,
        target=audit.Target.of(membership, user.email),
        changes={"role": [None, role.slug]},
    )
    invitation_create(actor=actor, user=user, role=role, site=site)
    return membership


def _lock_owners() -> list[int]:
    """Lock every owner membership so two concurrent demotions cannot both pass."""
    return list(
        Membership.objects.select_for_update()
        .filter(role__slug=rbac.OWNER, role__preset=True)
        .values_list("pk", flat=True)
    )


@transaction.atomic
def member_change_role(
    *, actor: Principal | None, membership: Membership, role: Role
) -> Membership:
    owners = _lock_owners()
    membership = Membership.objects.select_for_update().select_related("role").get(pk=membership.pk)
    if membership.role_id == role.pk:
        return membership
    require_grantable(actor, membership.role)  # taking a role away is as strong as giving it
    require_grantable(actor, role)
    if membership.pk in owners and len(owners) == 1:
        raise Conflict(
            "the last owner cannot be demoted; make someone else owner first", code="last_owner"
        )
    old_group = membership.role.group
    audit.record(
        "member.role_changed",
        actor=actor,
        target=audit.Target.of(membership, membership.user.email),
        changes={"role": [membership.role.slug, role.slug]},
    )
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    membership.user.groups.remove(old_group)
    membership.user.groups.add(role.group)
    revoke_keys_beyond_their_people(
        actor=actor, keys=ApiKey.objects.filter(accountable_person=membership.user)
    )
    return membership


@transaction.atomic
def member_remove(*, actor: Principal | None, membership: Membership) -> None:
    owners = _lock_owners()
    membership = Membership.objects.select_for_update().select_related("role").get(pk=membership.pk)
    if not (actor and actor.user and actor.user.pk == membership.user_id):
        require_grantable(actor, membership.role)
    if membership.pk in owners and len(owners) == 1:
        raise Conflict(
            "the last owner cannot be removed; make someone else owner first", code="last_owner"
        )
    audit.record(
        "member.removed",
        actor=actor,
        target=audit.Target.of(membership, membership.user.email),
        changes={"role": [membership.role.slug, None]},
    )
    membership.user.groups.remove(membership.role.group)
    membership.delete()
    _end_access(actor=actor, user=membership.user)


def belongs_elsewhere(user: User) -> bool:
    """Whether `user` is also a member of a tenant other than the current one."""
    with platform_scope():
        return (
            Membership.objects.unscoped()
            .filter(user=user)
            .exclude(tenant_id=current_tenant().pk)
            .exists()
        )


def require_only_here(user: User, what: str) -> None:
    """`what` (sessions, a second factor) is the person's across every tenant they belong
    to: one tenant's admin may act on it only for someone who belongs to no other."""
    if belongs_elsewhere(user):
        raise Conflict(
            f"{user.email} also belongs to another organisation, and their {what} serve "
            "it too: they can do this themselves, or ask the platform's operators",
            code="person_in_other_tenants",
        )


@transaction.atomic
def member_end_sessions(*, actor: Principal | None, membership: Membership) -> int:
    """Sign the member out of every browser they use; how many ended. Only for someone
    who belongs to no other tenant: their sessions are theirs in every tenant."""
    membership = Membership.objects.select_related("role", "user").get(pk=membership.pk)
    if not (actor and actor.user and actor.user.pk == membership.user_id):
        require_grantable(actor, membership.role)
    require_only_here(membership.user, "sessions")
    ended = sum(
        count or 0
        for _, count in member_sessions_ending.send(sender=Membership, user=membership.user)
    )
    audit.record(
        "member.sessions_ended",
        actor=actor,
        target=audit.Target.of(membership, membership.user.email),
        changes={"sessions": [ended, 0]},
    )
    return ended


def _end_access(*, actor: Principal | None, user: User) -> None:
    """A removed member loses access at once: their grants on this tenant's digests are
    withdrawn and every session they signed in with is deleted (receivers of
    `member_removed` in digests and sso), and every API key they are accountable for in
    this tenant is revoked (those made with their keys included)."""
    close_open_invitations(user)
    member_removed.send(sender=Membership, user=user)
    revoke_keys_beyond_their_people(
        actor=actor, keys=ApiKey.objects.filter(accountable_person=user)
    )


@transaction.atomic
def invitation_revoke(*, actor: Principal | None, invitation: Invitation) -> Invitation:
    """Withdraw an invitation not yet accepted; the membership it came with goes too."""
    invitation = Invitation.objects.select_for_update().select_related("user").get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(
            f"this invitation is already {invitation.state_at(timezone.now())}",
            code="invitation_closed",
        )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        "member.invitation_revoked",
        actor=actor,
        target=audit.Target.of(invitation, invitation.user.email),
    )
    membership = Membership.objects.filter(user=invitation.user).first()
    if membership is not None:
        member_remove(actor=actor, membership=membership)
    return invitation
