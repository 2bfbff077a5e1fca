from __future__ import annotations

from django.contrib.auth.models import (
    AbstractBaseUser,
    BaseUserManager,
    Group,
    Permission,
    PermissionsMixin,
)
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from tenants import rbac
from tenants.scoping import TenantOwnedModel

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1 to 50 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
    code="invalid_slug",
)


def slug_from(name: str, max_length: int = 50) -> str:
    """A slug that SLUG_VALIDATOR accepts, made from a display name ('' if it has no
    letters or digits): lowercase, hyphens for anything else, none at either end."""
    return slugify(name).replace("_", "-")[:max_length].strip("-")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Keyed by email; belongs to tenants through memberships."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the operators' admin.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email


class Tenant(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    slug = models.CharField(max_length=50, unique=True, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped whenever the content policies in force change (publish, rollback, enable,
    # delete). The tenant row comes with every authenticated request, so processes can
    # cache what is in force per generation without asking the database each time.
    policy_generation = models.PositiveBigIntegerField(default=0, editable=False)
    # Moved on by the database itself (triggers, migration tenants/0008 and policies/0003)
    # in the transaction of any change to this row, to its API keys (but a last use), its
    # roles or its policies in force. Whatever a process remembers across requests about
    # a tenant's keys, roles or policies is kept with the generation it was read at and
    # used only while a request's own transaction still reads that generation
    # (tenants.authentication.api_key_authenticate, policies.selectors.versions_in_force).
    security_generation = models.PositiveBigIntegerField(default=0, editable=False)
    # Members sign in through the tenant's SSO connection only; passwords are refused to
    # them except to break-glass owners (sso/auth.py).
    require_sso = models.BooleanField(default=False)
    # How long a member's browser session may act in this tenant: since it was last used
    # here, and since it signed in. Null: only the platform's limit (SESSION_COOKIE_AGE).
    # Members who sign in with a password must also give a second factor (accounts.mfa);
    # SSO sign-ins rely on the provider's.
    require_mfa = models.BooleanField(default=False)
    session_idle_minutes = models.PositiveIntegerField(null=True, blank=True)
    session_max_hours = models.PositiveIntegerField(null=True, blank=True)

    # An owner asked for the tenant to be deleted; an operator's `delete_tenant --due`
    # deletes it once `delete_after` has passed, unless an owner cancels first.
    deletion_requested_at = models.DateTimeField(null=True, blank=True)
    deletion_requested_by = models.CharField(max_length=254, blank=True)
    delete_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("export_tenant", "Download everything the tenant holds as one archive")]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Role(TenantOwnedModel):
    """A named set of permissions within one tenant.

    Preset roles (owner, admin, ...) take their permissions from `tenants.rbac.PRESETS`,
    so a new capability reaches every tenant without a data migration; custom roles hold
    theirs in `permissions`. Each role has a Django group so django-guardian object
    grants can name a role as well as a user.
    """

    slug = models.CharField(max_length=50, validators=[SLUG_VALIDATOR])
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    preset = models.BooleanField(default=False)
    permissions = models.ManyToManyField(Permission, blank=True, related_name="+")
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="tenant_role")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "slug"], name="role_tenant_slug_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        # What a person reads (the admin's lists and forms); code names roles by slug.
        return self.name


class Membership(TenantOwnedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An owner who may still sign in with a password when the tenant requires SSO, to
    # repair a broken identity provider.
    break_glass = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_tenant_user_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} as {self.role}"

    @property
    def is_break_glass_owner(self) -> bool:
        """May use a password where the tenant requires SSO (break_glass counts for owners
        only)."""
        return self.break_glass and self.role.preset and self.role.slug == rbac.OWNER


class ApiKey(TenantOwnedModel):
    """A credential for an internal app: one tenant, one role; only a hash is stored.

    Every key that works has an accountable person: a member of the tenant whose role
    holds at least the key's permissions. The person who made it, or for a key made
    with another key, that key's person; an operator's command names one. Removing
    the person revokes their keys, and a new role for them revokes those that hold
    more than it (tenants.services.keys), so a key never outlives or outranks its person.
    """

    name = models.CharField(max_length=100)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="api_keys")
    # Unique across tenants: a token names one key of one tenant (api_key_authenticate
    # relies on it when it looks in the key's own tenant first).
    prefix = models.CharField(max_length=16)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Null only on keys revoked before every key had a person (migration 0007); the
    # check constraint below holds every other key to one. Deleting the person deletes
    # their keys: a key must not work for nobody.
    accountable_person = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix"], name="apikey_prefix_unique"),
            models.CheckConstraint(
                condition=models.Q(accountable_person__isnull=False)
                | models.Q(revoked_at__isnull=False),
                name="apikey_unrevoked_has_accountable_person",
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.prefix} ({self.name})"

    def status_at(self, now) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class Invitation(TenantOwnedModel):
    """A single-use link that lets an invited member in: set a password, or continue
    with the tenant's SSO.

    The membership exists from the invitation on, with the invited role; the person can
    use it once they sign in. Only a hash of the link's secret is stored. Resending
    replaces the secret, so an earlier link stops working; revoking a pending invitation
    removes the membership it came with.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    # Why the last message could not be sent ("" once one is).
    send_error = models.CharField(max_length=300, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # "password" or "sso": how the person came in.
    accepted_with = models.CharField(max_length=16, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open invitation per person and tenant: resending reuses it.
            models.UniqueConstraint(
                fields=["tenant", "user"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_member",
            )
        ]
        ordering = ["-id"]
        # Governed by the membership permissions: an invitation is a membership on its way.
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user} to {self.tenant} as {self.role}"

    @classmethod
    def in_state(cls, state: str, now) -> models.Q:
        """The condition `state_at(now) == state` as a query filter."""
        open_ = models.Q(accepted_at__isnull=True, revoked_at__isnull=True)
        return {
            cls.State.REVOKED: models.Q(revoked_at__isnull=False),
            cls.State.ACCEPTED: models.Q(accepted_at__isnull=False, revoked_at__isnull=True),
            cls.State.EXPIRED: open_ & models.Q(expires_at__lte=now),
            cls.State.PENDING: open_ & models.Q(expires_at__gt=now),
        }[state]

    def state_at(self, now) -> str:
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.PENDING


class DeletionReceipt(models.Model):
    """What is left of a deleted tenant: when, at whose request, how many rows went from
    each table, and the audit chain's last link; `signed` is all of it signed with the
    platform's key (django.core.signing), so a copy can be shown to be ours."""

    tenant_id = models.BigIntegerField()
    slug = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    requested_by = models.CharField(max_length=254, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField()
    rows = models.JSONField()
    audit_chain_head = models.JSONField(null=True)
    signed = models.TextField()

    class Meta:
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"deletion of {self.slug} at {self.deleted_at:%Y-%m-%d %H:%M}"


# What the runtime role may do to tables of this app beyond the usual read and write
# (`grant_runtime_role`): versions are written by their triggers alone.
RUNTIME_PRIVILEGES = {"tenants_dataversion": (("SELECT", None), ("DELETE", None))}


class DataVersion(TenantOwnedModel):
    """How many committed transactions have changed the tenant's rows (one row per tenant).

    The database moves it, never the application: every tenant-owned table has a trigger
    that fires at commit and adds one per transaction (migration 0014,
    tenants/result_cache.py). A result computed from the tenant's rows after reading
    version N is therefore never older than the rows at N, and a cache keyed by the
    version cannot serve a result from before a change to anyone who reads after it.
    """

    version = models.PositiveBigIntegerField(default=0)
    # Drawn afresh by the database at every move, and part of every key kept under it: a
    # database restored to an earlier point, or another database sharing the cache,
    # never meets the keys this one made, even where ids and versions are the same.
    token = models.UUIDField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="data_version_tenant_unique")
        ]
