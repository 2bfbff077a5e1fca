"""`/metrics` (core/metrics.py): who may read it, and that its numbers move with the work
they count: requests, policy decisions, webhook attempts, audit appends, the job queue."""

from __future__ import annotations

import datetime as dt
import os
import runpy
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from audit import services as audit
from tenants.context import tenant_context
from tests import factories
from tests.policies import DIGESTS, page, publish, rule
from webhooks import services as webhooks
from webhooks.models import WebhookDelivery

ROOT = Path(__file__).resolve().parents[2]
P = "digest_platform_"
TOKEN = "metrics-token-for-the-tests-0123456789"


def parse(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a scrape."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(**headers) -> dict[tuple[str, tuple], float]:
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    return parse(response.content.decode())


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def matching(samples: dict, name: str, **labels) -> dict[tuple, float]:
    """The samples of `name` carrying at least `labels`."""
    return {
        key: found
        for key, found in samples.items()
        if key[0] == name and set(labels.items()) <= set(key[1])
    }


# --- Access ---------------------------------------------------------------------------------


def not_found_elsewhere():
    return Client().get("/no-such-page", REMOTE_ADDR="192.0.2.1")


def assert_hidden(response) -> None:
    """The answer of a path that does not exist: nothing says /metrics is there."""
    elsewhere = not_found_elsewhere()
    assert response.status_code == 404
    assert response.content == elsewhere.content
    assert response["Content-Type"] == elsewhere["Content-Type"]
    assert P not in response.content.decode()


def test_loopback_reads_the_metrics_without_a_session_or_tenant(db):
    scrape()
    samples = scrape()
    assert value(samples, f"{P}http_requests_total", method="GET", route="metrics", status="200")
    assert value(samples, f"{P}db_connections_opened_total") >= 1


@pytest.mark.parametrize("address", ["192.0.2.10", "10.1.2.3", "2001:db8::1"])
def test_other_addresses_get_a_plain_404(db, address):
    for method in ("get", "head", "post"):
        response = getattr(Client(), method)("/metrics", REMOTE_ADDR=address)
        if method == "head":
            assert response.status_code == 404
        else:
            assert_hidden(response)


def test_an_allowed_caller_may_only_read(db):
    response = Client().post("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 405


@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"])
def test_the_allowed_networks_come_from_the_settings(db):
    assert Client().get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert_hidden(Client().get("/metrics", REMOTE_ADDR="127.0.0.1"))


@override_settings(METRICS_ALLOWED_NETWORKS=[])
def test_no_allowed_network_turns_the_endpoint_off(db):
    assert_hidden(Client().get("/metrics", REMOTE_ADDR="127.0.0.1"))


@override_settings(METRICS_TOKEN=TOKEN)
def test_with_a_token_only_its_bearer_reads(db):
    for authorization in (None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"):
        headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
        assert_hidden(Client().get("/metrics", REMOTE_ADDR="127.0.0.1", **headers))
    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    # The token does not open the endpoint to other networks.
    assert_hidden(
        Client().get("/metrics", REMOTE_ADDR="192.0.2.10", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    )


def test_a_request_through_an_unknown_proxy_is_refused(db):
    """Without NUM_PROXIES the connection's address is a local proxy's: a request it
    forwards (from anywhere) must not pass for a local scraper."""
    for header in ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"):
        assert_hidden(Client().get("/metrics", REMOTE_ADDR="127.0.0.1", **{header: "127.0.0.1"}))


def test_behind_trusted_proxies_the_forwarded_address_decides(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    public = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7")
    assert_hidden(public)
    local = Client().get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7, 127.0.0.1"
    )
    assert local.status_code == 200


def test_the_endpoint_is_not_in_the_openapi_document(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert not [path for path in schema["paths"] if "metrics" in path]


# --- The numbers move -----------------------------------------------------------------------


def test_requests_are_counted_by_url_pattern_with_latency_and_statements(world):
    factories.digest(world.acme, title="Counted")
    client = world.client("viewer")
    before = scrape()
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    assert client.get(f"{DIGESTS}999999/").status_code == 404
    after = scrape()

    counted = {
        (labels["route"], labels["status"]): found - before.get(key, 0.0)
        for key, found in matching(after, f"{P}http_requests_total", method="GET").items()
        if found != before.get(key, 0.0) and (labels := dict(key[1]))["route"] != "metrics"
    }
    [(route, _), (detail, _)] = sorted(counted, key=lambda pair: len(pair[0]))
    assert counted == {(route, "200"): 2, (detail, "404"): 1}
    # The patterns, not the paths.
    assert route.startswith("api/v1/tenants/<slug:tenant>/") and route.endswith("digests/")
    assert detail.startswith(route) and "999999" not in detail

    durations = f"{P}http_request_duration_seconds_count"
    assert moved(before, after, durations, method="GET", route=route) == 2
    assert moved(before, after, f"{P}db_statements_total", route=route) >= 2
    assert moved(before, after, f"{P}db_statement_seconds_total", route=route) > 0
    # No label anywhere carries a tenant or an id.
    assert not [key for key in after if "acme" in str(key[1]) or "999999" in str(key[1])]


def test_an_odd_method_is_counted_as_other(world):
    before = scrape()
    world.client("viewer").generic("BREW", DIGESTS)
    after = scrape()
    requests = f"{P}http_requests_total"
    others = [
        sum(matching(samples, requests, method="other").values()) for samples in (before, after)
    ]
    assert others[1] - others[0] == 1
    assert not matching(after, f"{P}http_requests_total", method="BREW")


def test_policy_decisions_are_counted_by_rule_kind_and_mode(world):
    for n in range(3):
        factories.digest(world.acme, title=f"Secret code {n}00 inside")
    publish(
        world,
        rule("regex_redact", "codes", pattern=r"secret code \d+"),
        rule("regex_redact", "watch", mode="monitor", pattern=r"inside"),
    )
    findings, decisions = f"{P}policy_findings_total", f"{P}policy_decisions_total"
    before = scrape()
    shown = page(world.client("viewer"))
    after = scrape()

    assert moved(before, after, decisions) == len(shown) >= 3
    by_rule = {"content/codes": 0, "content/watch": 0}
    for digest in shown:
        for finding in digest["policy"]["findings"]:
            by_rule[finding["rule"]] += 1
    enforced = moved(before, after, findings, kind="regex_redact", mode="enforce")
    monitored = moved(before, after, findings, kind="regex_redact", mode="monitor")
    assert (enforced, monitored) == (by_rule["content/codes"], by_rule["content/watch"])
    assert enforced >= 3 and monitored >= 3


def test_webhook_attempts_are_counted_by_outcome(world):
    endpoint = factories.webhook(world.acme)  # loopback: refused at the attempt, retried
    retried = factories.webhook_delivery(world.acme, endpoint)
    attempts = f"{P}webhook_attempts_total"
    before = scrape()
    assert webhooks.attempt(world.acme.pk, retried.pk) == WebhookDelivery.Status.PENDING
    with tenant_context(world.acme):
        endpoint.is_active = False
        endpoint.save()
        given_up = WebhookDelivery.objects.create(
            tenant=world.acme,
            endpoint=endpoint,
            event_id=uuid.uuid4(),
            event="digest.updated",
            payload={},
            next_attempt_at=timezone.now(),
        )
    assert webhooks.attempt(world.acme.pk, given_up.pk) == WebhookDelivery.Status.FAILED
    after = scrape()
    assert {
        outcome: moved(before, after, attempts, outcome=outcome)
        for outcome in ("succeeded", "retrying", "failed")
    } == {"succeeded": 0, "retrying": 1, "failed": 1}


def test_the_oldest_due_delivery_gives_the_queue_its_age(db):
    oldest = f"{P}webhook_oldest_due_seconds"
    assert value(scrape(), oldest) == 0  # nothing pending
    acme = factories.tenant("acme")
    endpoint = factories.webhook(acme)
    delivery = factories.webhook_delivery(acme, endpoint)
    later = factories.webhook_delivery(acme, endpoint, object_id=2)
    with tenant_context(acme):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(minutes=5)
        )
        WebhookDelivery.objects.filter(pk=later.pk).update(
            next_attempt_at=timezone.now() + dt.timedelta(minutes=5)  # not due yet
        )
    assert 300 <= value(scrape(), oldest) < 400


def test_audit_appends_are_timed(world):
    count = f"{P}audit_append_seconds_count"
    before = scrape()
    audit.record_for(world.acme, "metrics.tested")
    with tenant_context(world.acme):
        audit.record_many([audit.Entry("metrics.one"), audit.Entry("metrics.two")])
    after = scrape()
    assert moved(before, after, count) == 2  # one per stretch appended
    assert moved(before, after, f"{P}audit_append_seconds_sum") > 0


def test_database_connections_are_counted_as_they_open_and_close(db):
    now_open, opened = f"{P}db_connections_open", f"{P}db_connections_opened_total"
    before = scrape()
    other = connection.copy()
    other.ensure_connection()
    during = scrape()
    other.close()
    other.close()  # once closed, closing again changes nothing
    after = scrape()
    assert (moved(before, during, now_open), moved(before, during, opened)) == (1, 1)
    assert (moved(during, after, now_open), moved(during, after, opened)) == (-1, 0)


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs the job queue's Redis")
def test_the_job_queue_depth_is_read_from_redis(db):
    import redis

    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        client.lpush(queue, "one", "two")
        client.lpush(queue + "\x06\x169", "urgent")  # a message sent with a priority
        with override_settings(CELERY_TASK_DEFAULT_QUEUE=queue):
            assert value(scrape(), f"{P}job_queue_depth", queue=queue) == 3
    finally:
        client.delete(queue, queue + "\x06\x169")


def test_without_a_broker_the_queue_depth_is_absent_not_zero(db):
    with override_settings(CELERY_BROKER_URL=None):
        assert not matching(scrape(), f"{P}job_queue_depth")
    # Nor when Redis does not answer.
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:9/0"):
        assert not matching(scrape(), f"{P}job_queue_depth")


# --- Several processes ----------------------------------------------------------------------

MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import django
    from django.test import Client

    django.setup()
    client = Client(HTTP_HOST="localhost")
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    print(client.get("/metrics").content.decode())
    """
)


def test_in_multiprocess_mode_a_scrape_adds_up_every_process(db, tmp_path, monkeypatch):
    """PROMETHEUS_MULTIPROC_DIR: each process writes its own files there, a scrape in any
    one of them adds up all; gunicorn's child_exit drops a dead worker's live gauges."""
    database = {**connection.settings_dict}
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or ''}"
            f":{database['PORT'] or 5432}/{database['NAME']}"
        ),
        "API_KEY_CACHE": "0",
        "LOG_LEVEL": "WARNING",
    }

    def run() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", MULTIPROCESS_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return parse(done.stdout)

    healthz = {"method": "GET", "route": "healthz", "status": "200"}
    assert value(run(), f"{P}http_requests_total", **healthz) == 3
    # A second process: its scrape includes the first one's requests.
    assert value(run(), f"{P}http_requests_total", **healthz) == 6
    assert list(tmp_path.glob("counter_*.db"))

    conf = runpy.run_path(str(ROOT / "platform" / "gunicorn.conf.py"))
    live = tmp_path / "gauge_livesum_4242.db"
    live.write_bytes(b"")
    kept = tmp_path / "counter_4242.db"
    kept.write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf["child_exit"](server=None, worker=SimpleNamespace(pid=4242))
    assert not live.exists() and kept.exists()
