"""Our steps of python-social-auth's pipeline (settings.SOCIAL_AUTH_PIPELINE).

After the library has found the identity by (connection, subject):

- `provision`: a known identity keeps its user. A new one is attached to the user with
  its email, or a new user, only when the email's domain is verified by the connection's
  tenant: that tenant proved it controls the domain, so its provider speaks for those
  addresses. The person then becomes a member with the connection's default role, and
  an open invitation of theirs to the tenant is accepted.
- `apply_roles`: the provider's groups map to roles, again at every sign-in.
- `record_sign_in`: the audit event, with how the provider says the person proved who
  they are (OIDC `amr`, SAML authentication context), when it says.

A refusal raises `SignInRefused`; the view shows it as a page and records it.
"""

from __future__ import annotations

from django.db import transaction

from audit import services as audit
from audit.models import AuditEvent
from audit.signals import record_sign_in as _record
from sso.models import Connection
from sso.services import SignInRefused, domain_is_verified, sign_in_role
from tenants.models import Membership, Role, User
from tenants.services.invitations import accept_by_sso
from tenants.services.members import member_change_role, membership_add


def _connection(backend) -> Connection:
    return backend.strategy.connection


def provision(backend, details, response, user=None, social=None, *args, **kwargs):
    connection = _connection(backend)
    tenant = connection.tenant
    email = (details.get("email") or "").strip().lower()
    is_new = False
    domain_checked = False  # the address's domain was found verified for this tenant
    if user is None:
        if not email or "@" not in email:
            raise SignInRefused("no_email", "Your identity provider did not send an email address.")
        if not backend.email_verified(response):
            raise SignInRefused(
                "email_unverified", "Your identity provider says your email is not verified."
            )
        if not domain_is_verified(tenant, email):
            raise SignInRefused(
                "domain_not_verified",
                f"{email.rsplit('@', 1)[1]} is not a verified domain of {tenant.name}, so "
                "no account can be created for this address. Ask your administrator.",
            )
        domain_checked = True
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, full_name=details.get("fullname") or "")
            is_new = True
        elif not backend.email_confirmed(response):
            # Linking this identity to an existing account on the strength of an address
            # the provider has not vouched for would hand that account to whoever typed it.
            raise SignInRefused(
                "email_unconfirmed",
                "An account with this address exists, and your identity provider has not "
                "confirmed that the address is yours (email_verified), so it cannot be "
                "linked. Ask your administrator.",
            )
    if not user.is_active:
        raise SignInRefused("inactive", "This account is disabled.")
    if user.is_staff or user.is_superuser:
        # Operators' accounts reach every tenant through the admin; no tenant's provider
        # may sign into them.
        raise SignInRefused(
            "operator_account", "Operator accounts sign in with their password, not SSO."
        )
    membership = (
        Membership.objects.select_related("role").filter(user=user).first()
    )  # the tenant is current: the connection's
    if membership is None:
        if not domain_checked and not domain_is_verified(tenant, user.email):
            raise SignInRefused(
                "domain_not_verified",
                f"{user.email.rsplit('@', 1)[1]} is not a verified domain of {tenant.name}, "
                "so you cannot join it through single sign-on. Ask your administrator.",
            )
        with transaction.atomic():
            membership = membership_add(tenant=tenant, user=user, role=connection.default_role)
            audit.record(
                "member.provisioned",
                actor=user,
                target=audit.Target.of(membership, user.email),
                changes={
                    "role": [None, connection.default_role.slug],
                    "connection": [None, connection.name],
                },
            )
    accept_by_sso(user)
    return {"user": user, "is_new": is_new, "membership": membership}


def apply_roles(backend, user, response, membership=None, *args, **kwargs):
    if membership is None:
        return None
    slug, _ = sign_in_role(_connection(backend), membership, set(backend.groups(response)))
    if slug != membership.role.slug:
        role = Role.objects.filter(slug=slug).first()
        if role is not None:
            membership = member_change_role(actor=None, membership=membership, role=role)
    return {"membership": membership}


def record_sign_in(backend, user, response=None, *args, **kwargs):
    connection = _connection(backend)
    _record(
        user,
        method=f"sso:{connection.protocol}",
        outcome=AuditEvent.Outcome.SUCCESS,
        reason=f"connection {connection.name}",
        factors=backend.authentication_methods(response or {}),
    )
