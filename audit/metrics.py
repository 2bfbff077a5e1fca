"""Metrics of the audit log (core/metrics.py serves them)."""

from __future__ import annotations

from prometheus_client import Histogram

from core.metrics import PREFIX

# From milliseconds (an uncontended append) to seconds (writers queued on the chain lock).
APPEND_SECONDS = Histogram(
    PREFIX + "audit_append_seconds",
    "Time to append audit events to a tenant's chain, waiting for its lock included.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
