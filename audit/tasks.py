"""Jobs the worker runs for the audit log (docs/operations.md "Audit streaming")."""

from __future__ import annotations

from django.conf import settings

from audit import sinks
from config.celery import app


# Each send is bounded by WEBHOOK_TIMEOUT_SECONDS; a run sends at most
# sinks.BATCHES_PER_RUN batches, and the limits are a wall should anything hang.
@app.task(
    name=sinks.DELIVER_TASK,
    acks_late=True,
    ignore_result=True,
    soft_time_limit=settings.WEBHOOK_TIMEOUT_SECONDS * sinks.BATCHES_PER_RUN + 30,
    time_limit=settings.WEBHOOK_TIMEOUT_SECONDS * sinks.BATCHES_PER_RUN + 60,
)
def deliver_sink(tenant_id: int, sink_id: int) -> int:
    return sinks.deliver(tenant_id, sink_id)


@app.task(name="audit.sweep_sinks", ignore_result=True)
def sweep_sinks() -> int:
    """Queue a delivery for every sink behind its chain's head (the safety net and the
    way new events reach the sinks: recording an event queues nothing)."""
    return sinks.sweep()
