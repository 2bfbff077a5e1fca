"""Outgoing webhooks: endpoints a tenant's admins register, and every delivery to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from tenants.scoping import TenantOwnedModel

# Events a subscriber may ask for. They are signals: the payload names the object and
# the receiver fetches its current state through the API.
EVENTS = (
    "digest.created",
    "digest.published",
    "digest.updated",
    "digest.archived",
    "digest.deleted",
    "license.expiring",
)


class WebhookEndpoint(TenantOwnedModel):
    url = models.URLField(max_length=1000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    # Needed in clear to sign each delivery (a hash would not do); shown once at creation.
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "is_active"], name="webhook_tenant_active")]
        permissions = [("manage_webhook", "Register webhooks, see and redeliver deliveries")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantOwnedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"  # waiting for its first or next attempt
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"  # every attempt failed; an admin may redeliver

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    # Sent as Webhook-Id; unique per delivery, the same across its retries.
    delivery_id = models.UUIDField(default=uuid.uuid4, editable=False)
    # The event itself: one id for every endpoint (and redelivery) of the same event.
    event_id = models.UUIDField()
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "delivery_id"], name="webhook_delivery_id")
        ]
        indexes = [
            models.Index(fields=["tenant", "endpoint", "-id"], name="webhook_delivery_endpoint"),
            models.Index(
                fields=["status", "next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.endpoint_id}"
