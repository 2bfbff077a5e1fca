"""Two ways a receiver could still reach inward or hold a worker: IPv6 forms that carry
a private IPv4 address, and an answer trickled a byte at a time."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from webhooks import net


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("64:ff9b::a00:5", False),  # NAT64 of 10.0.0.5
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b:1::a00:5", False),  # local-use NAT64: whatever it embeds
        ("::7f00:1", False),  # IPv4-compatible 127.0.0.1
        ("::ffff:10.1.2.3", False),  # IPv4-mapped
        ("2001:4860:4860::8888", True),
    ],
)
def test_ipv6_forms_of_private_addresses_are_not_public(address, public):
    assert net._is_public(ipaddress.ip_address(address)) is public


def test_a_trickled_answer_is_cut_at_the_deadline():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def trickle():
        conn, _ = listener.accept()
        conn.recv(65536)
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                conn.sendall(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            pass
        finally:
            conn.close()

    threading.Thread(target=trickle, daemon=True).start()
    target = net.resolve(f"http://127.0.0.1:{port}/hook", allow_private=True)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        net.post(target, b"{}", {"Content-Type": "application/json"}, timeout=1)
    assert time.monotonic() - started < 3  # per-read timeouts alone would take ~20 s
    listener.close()
