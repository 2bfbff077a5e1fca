"""Audit streaming through the real job queue: a Celery worker process on Redis sends a
tenant's committed events to a syslog receiver on loopback, queued by the sink's
creation and then by the sweep (recording an event queues nothing)."""

from __future__ import annotations

import time

import pytest

from audit import services as audit
from audit import sinks
from audit.models import AuditSink
from tenants.context import tenant_context
from tests import factories
from tests.syslog_server import SyslogServer

pytestmark = pytest.mark.django_db(transaction=True)


def _cursor(tenant, sink, wanted: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with tenant_context(tenant):
            cursor = AuditSink.objects.get(pk=sink.pk).cursor
        if cursor >= wanted:
            return cursor
        time.sleep(0.1)
    raise AssertionError(f"the sink's cursor stayed at {cursor}, not {wanted}")


def test_a_worker_streams_committed_events_in_order(world, celery_worker, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    with SyslogServer() as syslog:
        sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
        created = sink.cursor + 1
        syslog.wait_for(1)  # its own creation, queued when it committed
        for n in range(5):
            audit.record_for(world.acme, f"test.event{n}")
        audit.record_for(world.globex, "test.elsewhere")
        time.sleep(0.5)
        assert len(syslog.messages) == 1  # recording queued nothing

        assert sinks.sweep() >= 1
        _cursor(world.acme, sink, created + 5)
        messages = syslog.wait_for(6)
        assert [int(m.params["seq"]) for m in messages] == list(range(created, created + 6))
        assert [m.msgid for m in messages[1:]] == [f"test.event{n}" for n in range(5)]
        assert {m.params["tenant"] for m in messages} == {"acme"}
