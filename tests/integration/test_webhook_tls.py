"""HTTPS deliveries: the connection goes to the address the SSRF check approved, while
the certificate and SNI are checked against the URL's host name (never skipped)."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings

from tenants.context import tenant_context
from tests import factories
from webhooks import services
from webhooks.models import WebhookDelivery


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path):
    cert, key = _self_signed(tmp_path)
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
