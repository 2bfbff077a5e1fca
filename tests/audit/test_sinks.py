"""Audit sinks: every event reaches a real receiver on loopback (syslog over TCP, with and
without TLS, or signed HTTP batches) once, in chain order, from the sink's cursor on,
through failures and restarts; and the sinks' API for owners."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from audit import services as audit
from audit import sinks
from audit.metrics import SinksBehindCollector
from audit.models import AuditEvent, AuditSink
from audit.verify import verify_chain
from tenants.context import tenant_context
from tests import factories
from tests.audit.helpers import events, last_seq, only
from tests.certificates import self_signed
from tests.syslog_server import SyslogServer
from webhooks import services as webhooks

SINKS = "/api/v1/tenants/acme/audit/sinks/"


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01  # a failed sink is due again at once
    settings.CELERY_BROKER_URL = None  # nothing queued: the tests run each delivery


@pytest.fixture
def syslog():
    with SyslogServer() as receiver:
        yield receiver


def record(tenant, count: int, prefix: str = "test.event") -> None:
    for n in range(count):
        audit.record_for(tenant, f"{prefix}{n}", changes={"n": [None, n]})


def sink_of(tenant, sink) -> AuditSink:
    with tenant_context(tenant):
        return AuditSink.objects.get(pk=sink.pk)


def test_syslog_gets_every_event_once_in_chain_order_as_rfc5424(world, syslog):
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    first = last_seq(world.acme)  # the sink's own creation event
    record(world.acme, 5)
    record(world.globex, 3)

    assert sinks.deliver(world.acme.pk, sink.pk) == 6

    kept = events(world.acme, seq__gte=first)
    assert syslog.seqs() == [e.seq for e in kept] == list(range(first, first + 6))
    for message, event in zip(syslog.messages, kept, strict=True):
        assert message.pri == 13 * 8 + 6  # log audit, informational
        assert (message.app_name, message.msgid) == ("digest-platform", event.action)
        assert message.sd_id == "audit@32473"
        assert message.params == {
            "seq": str(event.seq),
            "tenant": "acme",
            "actor": event.actor_display,
            "actor_type": event.actor_type,
            "outcome": event.outcome,
            "hash": event.hash,
        }
        assert message.body["hash"] == event.hash and message.body["tenant"] == "acme"
        assert message.body["prev_hash"] == event.prev_hash
        assert message.timestamp.endswith("Z")
    assert sink_of(world.acme, sink).cursor == kept[-1].seq
    # Caught up: a second run sends nothing; a new event goes alone.
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    record(world.acme, 1, prefix="later.")
    assert sinks.deliver(world.acme.pk, sink.pk) == 1
    assert syslog.seqs() == list(range(first, first + 7))
    assert syslog.messages[-1].msgid == "later.0"
    assert syslog.errors == []


def test_a_sink_of_one_tenant_never_gets_anothers_events(world, syslog):
    acme_sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    globex_sink = factories.audit_sink(world.globex, host="127.0.0.1", port=syslog.port)
    record(world.globex, 4)
    record(world.acme, 2)
    # Each run is for one sink and reads only its tenant's chain.
    sinks.deliver(world.acme.pk, acme_sink.pk)
    assert {m.params["tenant"] for m in syslog.messages} == {"acme"}
    assert len(syslog.messages) == 3
    # A run named with another tenant's id finds no such sink there.
    assert sinks.deliver(world.acme.pk, globex_sink.pk) == 0
    assert len(syslog.messages) == 3
    sinks.deliver(world.globex.pk, globex_sink.pk)
    assert [m.params["tenant"] for m in syslog.messages[3:]] == ["globex"] * 5


def test_failures_are_retried_and_nothing_is_lost_or_reordered(world, syslog, monkeypatch):
    monkeypatch.setattr(sinks, "BATCH_SIZE", 3)
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    first = last_seq(world.acme)
    record(world.acme, 7)  # 8 events with the sink's own: batches of 3, 3, 2

    # The first batch is accepted, then the receiver falls over twice.
    assert sinks.deliver(world.acme.pk, sink.pk, batches=1) == 3
    syslog.drop = 2
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    failing = sink_of(world.acme, sink)
    assert failing.cursor == first + 2 and failing.failures == 1
    assert failing.failing_since is not None and failing.next_attempt_at is not None
    assert "Error" in failing.last_error
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    assert sink_of(world.acme, sink).failures == 2
    since = sink_of(world.acme, sink).failing_since
    assert since == failing.failing_since  # when it started failing, kept
    lag, failing_seconds = (m.samples[0].value for m in SinksBehindCollector().collect())
    assert lag >= 5 and failing_seconds > 0

    assert sinks.deliver(world.acme.pk, sink.pk) == 5
    healthy = sink_of(world.acme, sink)
    assert (healthy.failures, healthy.last_error, healthy.failing_since) == (0, "", None)
    assert healthy.last_success_at is not None
    assert syslog.seqs() == list(range(first, first + 8))
    assert syslog.connections == 1 + 2 + 2  # a batch, two failures, two batches
    assert [m.samples[0].value for m in SinksBehindCollector().collect()][1] == 0


def test_a_receiver_that_never_closes_is_a_failure_and_the_batch_is_sent_again(
    world, syslog, settings
):
    """Syslog has no acknowledgement: until the receiver closes cleanly the batch is not
    accepted, so it is sent again (at least once: a receiver dedupes by tenant + seq)."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    first = last_seq(world.acme)
    record(world.acme, 2)
    syslog.stall = 3
    started = time.monotonic()
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    assert time.monotonic() - started < 2.5  # bounded by the timeout, not the receiver
    stalled = sink_of(world.acme, sink)
    assert stalled.cursor == first - 1 and "TimeoutError" in stalled.last_error
    syslog.stall = 0
    assert sinks.deliver(world.acme.pk, sink.pk) == 3
    batch = list(range(first, first + 3))
    assert syslog.seqs() == batch + batch


def test_a_failed_sink_waits_out_its_backoff(world, syslog, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    syslog.drop = 1
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    assert syslog.connections == 1  # not due: not tried
    wait = sink_of(world.acme, sink).next_attempt_at - timezone.now()
    assert timedelta(seconds=55) < wait <= timedelta(seconds=67)
    assert (world.acme.pk, sink.pk) not in sinks.behind()  # nor swept while it waits


def test_the_cursor_survives_a_restart(world, syslog, monkeypatch):
    """Each run starts from the stored cursor: a worker that stops after one batch (or
    dies) is followed by a new run that sends the rest, never the start again."""
    monkeypatch.setattr(sinks, "BATCH_SIZE", 2)
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    first = last_seq(world.acme)
    record(world.acme, 4)
    assert sinks.deliver(world.acme.pk, sink.pk, batches=1) == 2
    assert sink_of(world.acme, sink).cursor == first + 1
    assert (world.acme.pk, sink.pk) in sinks.behind()
    assert sinks.deliver(world.acme.pk, sink.pk, batches=1) == 2
    assert sinks.deliver(world.acme.pk, sink.pk) == 1
    assert syslog.seqs() == list(range(first, first + 5))
    assert (world.acme.pk, sink.pk) not in sinks.behind()


def test_a_disabled_sink_sends_nothing_and_resumes_from_its_cursor(world, syslog):
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port)
    first = last_seq(world.acme)
    with tenant_context(world.acme):
        sinks.sink_update(actor=None, sink=sink, data={"enabled": False})
    record(world.acme, 2)
    assert sinks.deliver(world.acme.pk, sink.pk) == 0
    assert (world.acme.pk, sink.pk) not in sinks.behind()
    with tenant_context(world.acme):
        sinks.sink_update(actor=None, sink=sink, data={"enabled": True})
    assert sinks.deliver(world.acme.pk, sink.pk) == 5  # created, updated x2, two events
    assert syslog.seqs() == list(range(first, first + 5))


def test_backfill_streams_every_event_kept(world, syslog):
    record(world.acme, 3)
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port, backfill=True)
    sinks.deliver(world.acme.pk, sink.pk)
    assert syslog.seqs() == [e.seq for e in events(world.acme)]
    assert syslog.seqs()[0] == 1


def test_syslog_over_tls_checks_the_certificate_against_the_given_ca(world, tmp_path):
    cert, key = self_signed(tmp_path)
    with SyslogServer(tls=(cert, key)) as receiver:
        untrusted = factories.audit_sink(world.acme, host="localhost", port=receiver.port, tls=True)
        assert sinks.deliver(world.acme.pk, untrusted.pk) == 0
        assert "CERTIFICATE_VERIFY_FAILED" in sink_of(world.acme, untrusted).last_error
        assert receiver.messages == []
        assert "UNKNOWN_CA" in receiver.errors.pop()  # the sender gave up in the handshake

        trusted = factories.audit_sink(
            world.acme,
            host="localhost",
            port=receiver.port,
            tls=True,
            ca_certificate=cert.read_text(),
        )
        first = sink_of(world.acme, trusted).cursor + 1
        record(world.acme, 2)
        assert sinks.deliver(world.acme.pk, trusted.pk) == 3
        assert receiver.seqs() == [first, first + 1, first + 2]
        assert receiver.errors == []

        wrong_name = factories.audit_sink(
            world.acme,
            host="127.0.0.1",
            port=receiver.port,
            tls=True,
            ca_certificate=cert.read_text(),
            server_name="elsewhere.test",
        )
        assert sinks.deliver(world.acme.pk, wrong_name.pk) == 0
        assert "CERTIFICATE_VERIFY_FAILED" in sink_of(world.acme, wrong_name).last_error


def test_https_batches_are_signed_like_webhooks_and_retried_until_accepted(
    world, receiver, monkeypatch
):
    monkeypatch.setattr(sinks, "BATCH_SIZE", 2)
    sink = factories.audit_sink(world.acme, kind="https", url=receiver.url)
    secret = sink.secret
    assert secret.startswith("whsec_")
    first = last_seq(world.acme)
    record(world.acme, 4)
    receiver.answers = [500, 503]

    assert sinks.deliver(world.acme.pk, sink.pk) == 0  # 500
    assert sink_of(world.acme, sink).last_error == "answered 500"
    assert sinks.deliver(world.acme.pk, sink.pk) == 0  # 503
    assert sinks.deliver(world.acme.pk, sink.pk) == 5
    requests = receiver.wait_for(5)
    accepted = requests[2:]  # the first two were answered with errors
    seqs = []
    for request in requests:
        assert webhooks.verify(secret, request.headers, request.body)
        assert request.headers["Webhook-Event"] == "audit.events"
    for request in accepted:
        body = json.loads(request.body)
        assert body["tenant"] == "acme" and body["sink"] == sink.pk and body["test"] is False
        seqs += [e["seq"] for e in body["events"]]
        assert request.headers["Webhook-Id"] == (
            f"audit-acme-{sink.pk}-{body['events'][0]['seq']}-{body['events'][-1]['seq']}"
        )
    assert seqs == list(range(first, first + 5))
    assert not webhooks.verify("whsec_wrong", requests[0].headers, requests[0].body)


def test_loopback_receivers_are_refused_without_the_development_setting(world, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with tenant_context(world.acme), pytest.raises(Exception, match="private, loopback"):
        sinks.sink_create(actor=None, kind="syslog", host="127.0.0.1", port=514)
    client = world.client("owner")
    response = client.post(SINKS, {"kind": "https", "url": "http://127.0.0.1:9/"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "audit_sink_refused"


def test_a_purge_keeps_what_an_enabled_sink_has_not_received(world, syslog):
    record(world.acme, 3)
    sink = factories.audit_sink(world.acme, host="127.0.0.1", port=syslog.port, backfill=True)
    syslog.drop = 1
    sinks.deliver(world.acme.pk, sink.pk)  # fails: the sink owes every event
    with tenant_context(world.acme):
        assert audit.purge_before(timezone.now() + timedelta(days=1)) == 0

    sinks.deliver(world.acme.pk, sink.pk)
    received = sink_of(world.acme, sink).cursor
    record(world.acme, 2)
    with tenant_context(world.acme):
        assert audit.purge_before(timezone.now() + timedelta(days=1)) == received
        assert verify_chain().ok
    sinks.deliver(world.acme.pk, sink.pk)
    assert syslog.seqs() == list(range(1, received + 4))  # ... two events, the purge
    assert syslog.messages[-1].msgid == "audit.purged"


# --- API ------------------------------------------------------------------------------------


def test_owners_manage_sinks_and_every_change_is_audited(world, syslog):
    client = world.client("owner")
    created = client.post(
        SINKS,
        {"kind": "https", "url": "http://127.0.0.1:9/audit", "name": "SIEM"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and created["Cache-Control"] == "no-store"
    pk = body["id"]
    shown = client.get(f"{SINKS}{pk}/").json()
    assert "secret" not in shown and shown["cursor"] == last_seq(world.acme) - 1
    assert "secret" not in client.get(SINKS).json()["results"][0]

    event = only(world.acme, "audit.sink_created")
    assert event.actor_display == "owner@acme.test"
    assert event.changes["url"] == [None, "http://127.0.0.1:9/audit"]
    assert body["secret"] not in str(event.changes)

    patched = client.patch(f"{SINKS}{pk}/", {"name": "SIEM 2", "enabled": False}, format="json")
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert only(world.acme, "audit.sink_updated").changes == {
        "enabled": [True, False],
        "name": ["SIEM", "SIEM 2"],
    }
    rotated = client.post(f"{SINKS}{pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]
    only(world.acme, "audit.sink_secret_rotated")
    assert client.delete(f"{SINKS}{pk}/").status_code == 204
    only(world.acme, "audit.sink_deleted")


def test_the_test_action_sends_one_message_and_reports(world, syslog):
    client = world.client("owner")
    created = client.post(
        SINKS, {"kind": "syslog", "host": "127.0.0.1", "port": syslog.port}, format="json"
    )
    pk = created.json()["id"]
    cursor = created.json()["cursor"]
    answer = client.post(f"{SINKS}{pk}/test/")
    assert answer.status_code == 200 and answer.json() == {"ok": True, "error": None}
    [message] = syslog.wait_for(1)
    assert message.msgid == "audit.sink_test" and message.params["seq"] == "0"
    assert client.get(f"{SINKS}{pk}/").json()["cursor"] == cursor
    assert only(world.acme, "audit.sink_tested").outcome == AuditEvent.Outcome.SUCCESS

    syslog.drop = 1
    answer = client.post(f"{SINKS}{pk}/test/").json()
    assert answer["ok"] is False and "Error" in answer["error"]


def test_sinks_are_for_owners_only(world):
    for role in ("admin", "auditor", "editor"):
        response = world.client(role).get(SINKS)
        assert response.status_code == 403, role


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "syslog", "host": "127.0.0.1"},
        {"kind": "syslog", "port": 514},
        {"kind": "https"},
        {"kind": "https", "url": "http://127.0.0.1:9/", "host": "127.0.0.1"},
        {"kind": "syslog", "host": "127.0.0.1", "port": 514, "url": "http://127.0.0.1:9/"},
        {"kind": "syslog", "host": "127.0.0.1", "port": 514, "tls": True, "ca_certificate": "x"},
        {"kind": "syslog", "host": "127.0.0.1", "port": 514, "ca_certificate": "x"},
    ],
)
def test_incomplete_or_mixed_sinks_are_refused(world, data):
    response = world.client("owner").post(SINKS, data, format="json")
    assert response.status_code == 400, response.content
    with tenant_context(world.acme):
        assert not AuditSink.objects.exists()
