"""Two ways a receiver could still reach inward or hold a worker: IPv6 forms that carry
a private IPv4 address, and an answer trickled a byte at a time."""

from __future__ import annotations

import contextlib
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
        ("::ffff:8.8.8.8", True),
        ("::ffff:0:127.0.0.1", False),  # IPv4-translated (::ffff:0:0:0/96)
        ("::ffff:0:a9fe:a9fe", False),  # IPv4-translated 169.254.169.254 (metadata)
        ("::ffff:0:e000:1", False),  # IPv4-translated multicast 224.0.0.1
        ("::ffff:0:8.8.8.8", True),
        ("::a00:5", False),  # IPv4-compatible 10.0.0.5
        ("::808:808", False),  # IPv4-compatible: deprecated, refused whatever it carries
        ("2002:7f00:1::1", False),  # 6to4 through 127.0.0.1
        ("2002:c0a8:10a::", False),  # 6to4 through 192.168.1.10
        ("2002:808:808::1", True),  # 6to4 through 8.8.8.8
        ("2001:0:808:808::80ff:fffe", False),  # Teredo, client 127.0.0.1 (NOT-ed)
        ("2001:0:a00:1::f7f7:f7f7", False),  # Teredo, server 10.0.0.1
        ("2001:0:808:808::f7f7:f7f7", False),  # Teredo: not globally reachable anyway
        ("2001:4860:4860::8888", True),
    ],
)
def test_ipv6_forms_of_private_addresses_are_not_public(address, public):
    assert net.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("address", "carried"),
    [
        ("::ffff:10.1.2.3", ["10.1.2.3"]),
        ("::ffff:0:127.0.0.1", ["127.0.0.1"]),
        ("64:ff9b::a00:5", ["10.0.0.5"]),
        ("2002:c0a8:10a::", ["192.168.1.10"]),
        # Teredo: the server in bits 32-63, the client's bits inverted in the last 32.
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", ["65.54.227.120", "192.0.2.45"]),
        ("2001:4860:4860::8888", []),
    ],
)
def test_the_ipv4_address_inside_each_ipv6_form(address, carried):
    found = net.embedded_ipv4(ipaddress.ip_address(address))
    assert [str(a) for a in found] == carried


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


def test_silent_addresses_cannot_stretch_the_deadline():
    """A host whose every address takes connections into a full backlog (a blackhole):
    each attempt gets what is left of the one deadline, not a timeout of its own."""
    blackhole = socket.socket()
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    port = blackhole.getsockname()[1]
    fillers = []
    for _ in range(3):  # fill the backlog: further connections wait for a SYN-ACK
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    target = net.Target("http", "idp.example.test", port, "/", ("127.0.0.1",) * 3)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        net.get(target, max_bytes=1000, timeout=1)
    assert time.monotonic() - started < 2  # three attempts of 1 s each would take 3
    for each in (*fillers, blackhole):
        each.close()
