"""Single sign-on: each tenant's identity-provider connections, its verified domains, and
the SAML assertions already used.

python-social-auth keeps its settings global; here every provider setting lives on a
`Connection` row and is handed to the library at run time (sso/strategy.py). Identities
are python-social-auth's `UserSocialAuth` rows whose uid is `<connection id>:<subject>`,
so one subject at one connection is one identity, and an email alone never is.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from sso import crypto
from tenants.scoping import TenantOwnedModel


class Connection(TenantOwnedModel):
    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    # What the login, callback and metadata URLs carry: not guessable, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    protocol = models.CharField(max_length=8, choices=Protocol.choices)
    name = models.CharField(max_length=100)
    enabled = models.BooleanField(default=True)
    default_role = models.ForeignKey(
        "tenants.Role", on_delete=models.PROTECT, related_name="sso_connections"
    )
    # OpenID Connect
    issuer = models.URLField(max_length=500, blank=True)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret_encrypted = models.TextField(blank=True)
    scopes = models.JSONField(default=list, blank=True)
    # SAML 2.0
    idp_entity_id = models.CharField(max_length=500, blank=True)
    idp_sso_url = models.URLField(max_length=500, blank=True)
    idp_certificates = models.JSONField(default=list, blank=True)
    # Where the provider publishes its metadata, when given: fetched again on request.
    idp_metadata_url = models.URLField(max_length=500, blank=True)
    # Which claim (OIDC) or attribute (SAML) holds subject, email, name and groups.
    mapping = models.JSONField(default=dict, blank=True)
    # [{"group": "...", "role": "<role slug>"}], first match wins, applied at every sign-in.
    group_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        permissions = [
            ("view_sso", "See SSO connections, verified domains and enforcement"),
            ("manage_sso", "Manage SSO connections, verified domains and enforcement"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="sso_connection_tenant_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.protocol})"

    @property
    def client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted)

    @client_secret.setter
    def client_secret(self, value: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(value)

    @property
    def backend_name(self) -> str:
        return "tenant-oidc" if self.protocol == self.Protocol.OIDC else "tenant-saml"

    def claim(self, name: str, default: str) -> str:
        value = (self.mapping or {}).get(name)
        return value if isinstance(value, str) and value else default


class VerifiedDomain(TenantOwnedModel):
    """A domain a tenant claims; it routes logins and allows provisioning once verified.

    Verification: a DNS TXT record `digest-platform-verification=<token>` on the domain.
    A verified domain belongs to one tenant at most (the partial unique index, which the
    database enforces whatever the race).
    """

    domain = models.CharField(max_length=253)
    token = models.CharField(max_length=64, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["tenant", "domain"], name="sso_domain_tenant_domain"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="sso_domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def txt_record(self) -> str:
        return f"digest-platform-verification={self.token}"


class SamlAssertion(TenantOwnedModel):
    """A SAML assertion already accepted, kept until it expires so it cannot be replayed."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=256)
    expires_at = models.DateTimeField()

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "connection", "assertion_id"], name="sso_assertion_once"
            )
        ]

    def __str__(self) -> str:
        return self.assertion_id


class UserSession(models.Model):
    """Which sessions belong to whom, so removing a member can end theirs at once, and so a
    person can see theirs (where and when) and end any."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    # The authentication backend that signed it in (password or an SSO backend).
    backend = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The browser's User-Agent and the client address at sign-in, and the last time the
    # session was used (kept to the minute by accounts.middleware).
    user_agent = models.CharField(max_length=300, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"session of user {self.user_id}"
