"""HTTPS deliveries: the connection goes to the address the SSRF check approved, while
the certificate and SNI are checked against the URL's host name (never skipped)."""

from __future__ import annotations

import http.server
import ipaddress
import ssl
import threading

import pytest
from django.test import override_settings

from tenants.context import tenant_context
from tests import factories
from tests.certificates import self_signed
from webhooks import services
from webhooks.models import WebhookDelivery


@pytest.fixture
def tls_receiver(tmp_path):
    cert, key = self_signed(tmp_path)
    seen = {"sni": [], "requests": [], "peers": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen["requests"].append(dict(self.headers.items()))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen["sni"].append(name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen["url"] = f"https://localhost:{server.server_address[1]}/hooks"
    seen["cert"] = cert
    yield seen
    server.shutdown()
    server.server_close()


def _attempt(world, url):
    factories.webhook(world.acme, url=url, events=["digest.updated"])
    with tenant_context(world.acme):
        delivery = services.emit(world.acme, "digest.updated", "digest", 1)[0]
    # Uncommitted (no worker sees it): the attempt runs here.
    services.attempt(world.acme.pk, delivery.pk)
    with tenant_context(world.acme):
        return WebhookDelivery.objects.get(pk=delivery.pk)


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)
def test_an_untrusted_certificate_fails_the_attempt(world, tls_receiver):
    delivery = _attempt(world, tls_receiver["url"])
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert tls_receiver["requests"] == []


@override_settings(WEBHOOK_ALLOW_PRIVATE_URLS=True)
def test_a_trusted_certificate_is_checked_against_the_url_host(world, tls_receiver, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_receiver["cert"]))
    delivery = _attempt(world, tls_receiver["url"])
    assert (delivery.status, delivery.last_status_code) == ("succeeded", 204)
    assert tls_receiver["sni"] == ["localhost"]
    [request] = tls_receiver["requests"]
    assert request["Host"].startswith("localhost:")
    assert ipaddress.ip_address(services.net.resolve(tls_receiver["url"]).address).is_loopback
