"""Append-only, hash-chained audit events: one chain per tenant."""

from __future__ import annotations

from django.db import models

from tenants.scoping import TenantOwnedModel

GENESIS = "0" * 64
# Everything the application's runtime role may do on the audit tables, as (privilege,
# columns or None for the whole row); grant_runtime_role revokes the rest of its
# blanket grant. Events are appended and read. A chain head is created at the genesis
# and moved forward by the append path (a trigger checks it reaches the newest event,
# migration 0004); its anchor and retention belong to the owner role, and it is never
# deleted by the application.
RUNTIME_PRIVILEGES = {
    "audit_auditevent": (("SELECT", None), ("INSERT", None)),
    "audit_auditchain": (
        ("SELECT", None),
        ("INSERT", ("tenant_id", "last_seq", "last_hash", "anchor_seq", "anchor_hash")),
        ("UPDATE", ("last_seq", "last_hash")),
    ),
}
# Events that record where the kept chain starts once older events were purged: the
# newest one names the anchor (`anchor_seq`, `anchor_hash` in its changes) that the
# oldest kept event must link to. Being events, they are hash-chained and append-only.
CHECKPOINT_ACTIONS = ("audit.purged", "audit.anchored")


class AuditChain(TenantOwnedModel):
    """The head of a tenant's chain. Appending locks this row, so concurrent writers
    take turns and the chain never forks; it also holds the anchor left by purges.

    Verification trusts none of it: it walks the events themselves, from the oldest
    present to the newest, and reports a head that disagrees with them."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    # After a purge the first kept event's prev_hash is the anchor verification starts from.
    anchor_seq = models.BigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64, default=GENESIS)
    retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Events older than this are purged; empty: keep all."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="auditchain_one_per_tenant")]


class AuditEvent(TenantOwnedModel):
    class ActorType(models.TextChoices):
        USER = "user", "User"
        API_KEY = "api_key", "API key"
        SCIM_TOKEN = "scim_token", "SCIM token"
        SYSTEM = "system", "System"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        DENIED = "denied", "Denied"
        FAILURE = "failure", "Failure"

    seq = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    actor_type = models.CharField(max_length=16, choices=ActorType.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_display = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=50, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_display = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    repeat_count = models.PositiveIntegerField(
        default=1, help_text="Denied attempts: how many identical ones this event stands for."
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="auditevent_tenant_seq_unique")
        ]
        indexes = [
            models.Index(fields=["tenant", "-occurred_at"], name="auditevent_tenant_time"),
            models.Index(fields=["tenant", "action"], name="auditevent_tenant_action"),
            models.Index(fields=["tenant", "target_type", "target_id"], name="auditevent_target"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}#{self.seq} {self.action}"


class AuditSink(TenantOwnedModel):
    """Where a tenant's events are streamed as they are recorded (audit/sinks.py): every
    event at least once, in chain order, from `cursor` on. The cursor is the `seq` of
    the newest event the receiver accepted; a delivery resumes from it after any failure
    or restart, and a purge never deletes events an enabled sink has not received."""

    class Kind(models.TextChoices):
        HTTPS = "https", "HTTPS (signed JSON batches)"
        SYSLOG = "syslog", "Syslog (RFC 5424 over TCP, TLS optional)"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)
    enabled = models.BooleanField(default=True)
    # HTTPS: where batches are POSTed, and the key of their signature (needed in clear
    # to sign, as a webhook's is; shown once, at creation or rotation).
    url = models.URLField(max_length=1000, blank=True)
    secret = models.CharField(max_length=100, blank=True)
    # Syslog: the receiver, and for TLS the CA that signed its certificate (PEM; empty:
    # the system's trusted CAs) and the name its certificate carries (empty: `host`).
    host = models.CharField(max_length=253, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    tls = models.BooleanField(default=False)
    ca_certificate = models.TextField(blank=True)
    server_name = models.CharField(max_length=253, blank=True)
    cursor = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0, help_text="Failed attempts in a row.")
    last_error = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "enabled"], name="auditsink_tenant_enabled")]
        permissions = [("manage_auditsink", "Stream the audit log to HTTPS and syslog sinks")]

    def __str__(self) -> str:
        if self.kind == self.Kind.HTTPS:
            return self.url
        return f"syslog{'+tls' if self.tls else ''}://{self.host}:{self.port}"


class AuditRetention(TenantOwnedModel):
    """How long the tenant's owners want audit events kept, as they set it through the
    API (audit.retention). `AuditChain.retention_days`, which only the database owner may
    write, stays the operator's override.

    A longer retention, or none, holds at once; a shorter one only from `effective_at`,
    some days later, so that whoever takes over an owner's account cannot have the trail
    of it purged the same day. Purging is `audit_purge`, run as the database owner.
    """

    days = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: keep all.")
    effective_at = models.DateTimeField()
    # What held before this setting took effect, while it has not yet.
    previous_days = models.PositiveIntegerField(null=True, blank=True)
    set_by = models.CharField(max_length=254, blank=True)
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="auditretention_one_per_tenant")
        ]
        default_permissions = ()
        permissions = [("manage_retention", "Set how long the audit log is kept")]

    def days_at(self, now) -> int | None:
        return self.days if self.effective_at <= now else self.previous_days
