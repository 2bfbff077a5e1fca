"""Metrics of webhook deliveries (core/metrics.py serves them).

Attempts are counted where they run, in the Celery worker's processes: a scrape of the
web server sees them when the workers share its PROMETHEUS_MULTIPROC_DIR
(docs/operations.md "Metrics"). How late the deliveries are is read from the database
when scraped, wherever the attempts run.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.db.models import Min
from django.utils import timezone
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

from core.metrics import PREFIX, register_collector
from tenants.context import platform_scope
from webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

# What an attempt left its delivery: delivered, to be tried again, or given up on.
OUTCOMES = {
    WebhookDelivery.Status.SUCCEEDED: "succeeded",
    WebhookDelivery.Status.PENDING: "retrying",
    WebhookDelivery.Status.FAILED: "failed",
}
ATTEMPTS = Counter(
    PREFIX + "webhook_attempts",
    "Delivery attempts made, by outcome: succeeded, retrying (failed, another attempt is "
    "scheduled) or failed (failed, no attempt left, or the endpoint is disabled).",
    ["outcome"],
)
for _outcome in OUTCOMES.values():
    ATTEMPTS.labels(_outcome)  # every outcome shows, at 0, before its first attempt


def count_attempt(status: str) -> None:
    ATTEMPTS.labels(OUTCOMES[status]).inc()


class OverdueDeliveriesCollector:
    """Seconds since the oldest pending delivery fell due (0 when none is waiting): how
    far the workers are behind, whether its message sits in the queue, waits in a
    worker, or was never queued. One index read (`webhook_delivery_due`) per scrape."""

    NAME = PREFIX + "webhook_oldest_due_seconds"
    HELP = "Seconds since the oldest pending webhook delivery became due; 0 when none is due."

    def describe(self):
        return [GaugeMetricFamily(self.NAME, self.HELP)]

    def collect(self):
        now = timezone.now()
        try:
            with platform_scope():
                oldest = (
                    WebhookDelivery.objects.unscoped()
                    .filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
                    .aggregate(oldest=Min("next_attempt_at"))["oldest"]
                )
        except DatabaseError as exc:
            logger.warning("metrics: the oldest due webhook delivery is unknown: %s", exc)
            return []
        age = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
        return [GaugeMetricFamily(self.NAME, self.HELP, value=age)]


register_collector(OverdueDeliveriesCollector())
