"""Shared test set-up: fast password hashing, the RLS runtime role, and the two-tenant world.

The world follows a simple cast: tenant `acme` with one member per preset role, and
tenant `globex`, whose every visible string carries SENTINEL so a leak into acme's
responses is detectable by searching the raw bytes.
"""

from __future__ import annotations

import fcntl
import http.server
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from digests.models import Digest
from policies.models import Policy
from sso.models import Connection, VerifiedDomain
from tenants import rbac
from tenants.models import ApiKey, Membership, Role, Tenant, User
from tests import factories
from tests.mail_server import SmtpServer

SENTINEL = "SENTINEL-globex-7f3a9c"


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Domain verification never leaves the machine: a loopback port nobody answers on,
    # unless a test starts its own DNS server (tests/sso/dns_server.py).
    settings.SSO_DNS_NAMESERVERS = ["127.0.0.1"]
    settings.SSO_DNS_PORT = 9
    settings.SSO_DNS_TIMEOUT = 0.3
    # Every cached condition and statement is compiled again and compared: SQL that
    # depends on anything besides its reader fails (docs/performance.md).
    settings.SQL_CACHE_CHECK = True
    # Test transactions never commit, so PostgreSQL never delivers the notifications that
    # keep the API key cache right: off, but in tests/tenants/test_key_cache.py, whose
    # changes commit.
    settings.API_KEY_CACHE = False
    # Policy insight is written after each response, not by a thread in batches: test
    # transactions never commit, so another connection would not see their rows.
    settings.POLICY_INSIGHT_FLUSH_SECONDS = 0
    cache.clear()  # throttle counters must not leak between tests
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After migrations: the non-owner runtime role that row-level security binds.

    Under pytest-xdist every worker migrates its own database (pytest-django suffixes the
    name), but the role belongs to the whole server: two workers creating it at once would
    collide, so they take turns through a lock file."""
    from tenants.management.commands.grant_runtime_role import grant_runtime_role

    lock_path = Path(tempfile.gettempdir()) / "digest-platform-test-runtime-role.lock"
    with django_db_blocker.unblock(), open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            grant_runtime_role(settings.DATABASE_RUNTIME_ROLE)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def redis_url_of_worker(url: str, worker_id: str) -> str:
    """The Redis database this test process may use: the configured one for a plain run,
    one below it per pytest-xdist worker (gw0 keeps it, gw1 takes the next lower, ...)."""
    if worker_id in ("", "master"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    database = base - int(worker_id.removeprefix("gw"))
    if database < 0:
        raise RuntimeError(f"too many test workers for Redis databases below {base} in {url}")
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session", autouse=True)
def _redis_of_this_worker(worker_id):
    """Each pytest-xdist worker keeps to its own Redis database. The cache's clear() flushes
    a whole database: on a shared one, a worker would wipe another's throttle counters
    and queued jobs in the middle of its tests."""
    if not settings.REDIS_URL:
        yield None
        return
    url = redis_url_of_worker(settings.REDIS_URL, worker_id)
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    with override_settings(REDIS_URL=url, CACHES=caches, CELERY_BROKER_URL=url):
        yield url


@dataclass
class World:
    acme: Tenant
    globex: Tenant
    members: dict[str, User] = field(default_factory=dict)  # acme role slug -> user
    globex_owner: User | None = None
    globex_role: Role | None = None
    globex_key: ApiKey | None = None
    globex_member: Membership | None = None
    globex_invitation: Any = None
    globex_digest: Digest | None = None
    globex_policy: Policy | None = None
    globex_insight: Any = None
    globex_source: Any = None
    globex_holder: Any = None
    globex_license: Any = None
    globex_evidence: Any = None
    globex_connection: Connection | None = None
    globex_domain: VerifiedDomain | None = None
    globex_webhook: object = None
    globex_delivery: object = None
    globex_scim_token: object = None
    globex_sink: object = None

    def client(self, role: str | None = None, user: User | None = None) -> APIClient:
        client = APIClient()
        person = user or self.members[role]
        client.force_login(person)
        return client


@pytest.fixture
def world(db) -> World:
    acme = factories.tenant("acme", "Acme Media")
    globex = factories.tenant("globex", f"Globex {SENTINEL}")
    w = World(acme=acme, globex=globex)
    for slug in rbac.PRESETS:
        w.members[slug] = factories.member(acme, slug, email=f"{slug}@acme.test")
    w.globex_owner = factories.member(
        globex, rbac.OWNER, email=f"owner-{SENTINEL.lower()}@globex.test"
    )
    w.globex_role = factories.custom_role(
        globex, slug="sentinel-role", name=SENTINEL, permissions=["tenants.view_role"]
    )
    w.globex_member = factories.membership(
        globex, w.globex_role, email=f"member-{SENTINEL.lower()}@globex.test"
    )
    w.globex_invitation = factories.invitation(
        globex, rbac.VIEWER, email=f"invited-{SENTINEL.lower()}@globex.test"
    )
    w.globex_key = factories.api_key(globex, rbac.VIEWER, name=SENTINEL).api_key
    w.globex_digest = factories.digest(
        globex,
        title=f"Globex digest {SENTINEL}",
        summary=f"Summary {SENTINEL}",
        publisher=f"Globex Radio {SENTINEL}",
        topics=[SENTINEL.lower()],
    )
    w.globex_source = factories.digest_source(globex, w.globex_digest)
    w.globex_holder = w.globex_source.rights_holder
    w.globex_license = factories.license(
        globex,
        source=w.globex_source,
        decision="approved",
        attribution=f"Courtesy of {SENTINEL}",
    )
    w.globex_evidence = factories.evidence(globex, w.globex_license, filename=f"{SENTINEL}.txt")
    w.globex_policy = factories.policy(
        globex,
        name=f"Globex policy {SENTINEL}",
        rules=[{"id": "sentinel", "kind": "keyword_block", "params": {"keywords": [SENTINEL]}}],
        publish=True,
    )
    w.globex_insight = factories.policy_insight(
        globex,
        w.globex_policy,
        "sentinel",
        role=w.globex_role.slug,
        api_key=w.globex_key.prefix,
        digests=[w.globex_digest.pk],
    )
    w.globex_connection = factories.sso_connection(
        globex, name=f"Globex IdP {SENTINEL}", client_id=SENTINEL
    )
    w.globex_domain = factories.sso_domain(globex, f"{SENTINEL.lower()}.globex.test")
    w.globex_webhook = factories.webhook(
        globex, url=f"http://127.0.0.1:9/{SENTINEL}", description=SENTINEL
    )
    w.globex_delivery = factories.webhook_delivery(globex, w.globex_webhook)
    w.globex_scim_token = factories.scim_token(globex, name=SENTINEL)
    w.globex_sink = factories.audit_sink(
        globex, name=SENTINEL, tls=True, server_name=f"{SENTINEL.lower()}.test"
    )
    return w


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def mailbox(settings):
    """Mail goes through SMTP to a real server on loopback; what it received."""
    with SmtpServer() as received:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = received.host
        settings.EMAIL_PORT = received.port
        settings.EMAIL_USE_TLS = False
        yield received


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """An HTTP server on loopback that records what it receives and answers with the
    status codes in `answers` (in order; 200 once they run out)."""

    url: str
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            recv: Receiver = state["receiver"]
            with recv.lock:
                recv.received.append(Received(dict(self.headers.items()), body, time.time()))
                code = recv.answers.pop(0) if recv.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def spans(monkeypatch):
    """The spans of what the test does next, kept in memory, through the instrumentation
    `TRACING=otlp` puts in place (core.tracing.instrument), undone afterwards. The test
    must commit (transactional_db): the database connection is closed, so that the next
    statement connects through the instrumented psycopg, and again at the end."""
    from django.db import connection
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from core import tracing

    # `instrument` sets its default for the semantic conventions; restored afterwards.
    monkeypatch.delenv("OTEL_SEMCONV_STABILITY_OPT_IN", raising=False)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    connection.close()  # the next statement connects through the instrumented psycopg
    tracing.instrument(provider)
    try:
        yield exporter
    finally:
        tracing.uninstrument()
        connection.close()
        provider.shutdown()
