"""Metrics of the audit log (core/metrics.py serves them).

Sink batches are counted where they are sent, in the Celery workers (a scrape of the web
server sees them when the workers share its PROMETHEUS_MULTIPROC_DIR); how far the sinks
are behind is read from the database when scraped.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.db.models import F, Max, Min, OuterRef, Subquery
from django.utils import timezone
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from core.metrics import PREFIX, register_collector

logger = logging.getLogger(__name__)

# From milliseconds (an uncontended append) to seconds (writers queued on the chain lock).
APPEND_SECONDS = Histogram(
    PREFIX + "audit_append_seconds",
    "Time to append audit events to a tenant's chain, waiting for its lock included.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SINK_BATCHES = Counter(
    PREFIX + "audit_sink_batches",
    "Batches of audit events sent to sinks, by outcome: accepted or failed (retried).",
    ["outcome"],
)
for _outcome in ("accepted", "failed"):
    SINK_BATCHES.labels(_outcome)  # both show, at 0, before the first batch


class SinksBehindCollector:
    """For the enabled sinks, across tenants: the most events any one is behind its
    chain's head, and the longest any one has been failing (0 when none is)."""

    LAG = PREFIX + "audit_sink_lag_events"
    LAG_HELP = "Most audit events an enabled sink has not yet accepted."
    FAILING = PREFIX + "audit_sink_failing_seconds"
    FAILING_HELP = "Seconds the longest-failing enabled audit sink has been failing; 0: none."

    def describe(self):
        return [
            GaugeMetricFamily(self.LAG, self.LAG_HELP),
            GaugeMetricFamily(self.FAILING, self.FAILING_HELP),
        ]

    def collect(self):
        from audit.models import AuditChain, AuditSink
        from tenants.context import platform_scope

        now = timezone.now()
        head = AuditChain.objects.unscoped().filter(tenant_id=OuterRef("tenant_id"))
        try:
            with platform_scope():
                found = (
                    AuditSink.objects.unscoped()
                    .filter(enabled=True)
                    .annotate(head=Subquery(head.values("last_seq")[:1]))
                    .aggregate(lag=Max(F("head") - F("cursor")), since=Min("failing_since"))
                )
        except DatabaseError as exc:
            logger.warning("metrics: the audit sinks' lag is unknown: %s", exc)
            return []
        lag = max(found["lag"] or 0, 0)
        since = found["since"]
        failing = 0.0 if since is None else max((now - since).total_seconds(), 0.0)
        return [
            GaugeMetricFamily(self.LAG, self.LAG_HELP, value=lag),
            GaugeMetricFamily(self.FAILING, self.FAILING_HELP, value=failing),
        ]


register_collector(SinksBehindCollector())
