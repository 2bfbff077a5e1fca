"""Jobs the worker runs (`celery -A config worker`, docs/operations.md "Workers")."""

from __future__ import annotations

from django.conf import settings

from config.celery import app
from webhooks import services


# An attempt is bounded by WEBHOOK_TIMEOUT_SECONDS (webhooks.net.post); the task limits
# are a second wall should anything else hang.
@app.task(
    name=services.DELIVER_TASK,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 30,
    time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 60,
)
def deliver(tenant_id: int, delivery_id: int) -> str | None:
    return services.attempt(tenant_id, delivery_id)


@app.task(name="webhooks.sweep", ignore_result=True)
def sweep() -> int:
    """Queue again what is due but was never queued or whose message was lost."""
    due = services.due_deliveries()
    for tenant_id, delivery_id in due:
        services.enqueue(tenant_id, [delivery_id])
    return len(due)
