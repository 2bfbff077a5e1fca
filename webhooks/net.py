"""Where the server may send a request of a tenant's choosing, and sending it to exactly
the address that was checked: webhooks and audit sinks (`post`), an identity provider's
SAML metadata (`get`, sso/metadata.py); the SSO backends use the same address check.

A URL is refused when its host resolves to any address that is not public: loopback,
private (RFC 1918, unique-local), link-local (cloud metadata at 169.254.169.254),
carrier-grade NAT, multicast, reserved or unspecified, including IPv4 written inside
IPv6. The check runs when an endpoint is registered and again before every attempt,
and the connection goes to the address the second check approved (the Host header and
TLS server name keep the URL's name): a DNS answer that changes between check and
connect (rebinding) cannot redirect a delivery to an internal address.
Redirects are never followed, and each exchange is bounded in time as a whole (and a
`get` in size). `WEBHOOK_ALLOW_PRIVATE_URLS` lifts the address rule for development and
tests only (callers may pass their own setting: `resolve(allow_private=...)`).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

from core import tracing


class UrlRefused(ValueError):
    """The URL may not be called; the message says why (safe to show)."""


class TooLarge(ValueError):
    """An answer's body is longer than the caller allows; nothing more is read."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]  # the approved IP addresses, tried in order

    @property
    def address(self) -> str:
        return self.addresses[0]


# IPv6 forms that carry an IPv4 address, which the host, a gateway or a relay may end up
# talking to. A translation form stands for its IPv4 address alone, so it is judged by
# it; a tunnel form (6to4, Teredo) is a real IPv6 address that must be public itself
# and carry only public IPv4 addresses.
_IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # ::ffff:a.b.c.d
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix, IPv4 in the last 32 bits
_SIXTOFOUR = ipaddress.ip_network("2002::/16")  # 2002:AABB:CCDD::/48
_TEREDO = ipaddress.ip_network("2001::/32")  # server in bits 32-63, client NOT-ed at the end
# Refused whatever they carry: the local-use NAT64 prefix may embed IPv4 at any of
# several offsets, and IPv4-compatible addresses (deprecated) include :: and ::1.
_ALWAYS_REFUSED = (ipaddress.ip_network("64:ff9b:1::/48"), ipaddress.ip_network("::/96"))
_LAST_32_BITS = 0xFFFFFFFF


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, translated, NAT64, 6to4,
    Teredo server and client); empty for a plain IPv6 address."""
    value = int(address)
    if address in _IPV4_MAPPED or address in _IPV4_TRANSLATED or address in _NAT64:
        return (ipaddress.IPv4Address(value & _LAST_32_BITS),)
    if address in _SIXTOFOUR:
        return (ipaddress.IPv4Address((value >> 80) & _LAST_32_BITS),)
    if address in _TEREDO:
        server = ipaddress.IPv4Address((value >> 64) & _LAST_32_BITS)
        client = ipaddress.IPv4Address(~value & _LAST_32_BITS)
        return (server, client)
    return ()


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an outgoing request (a webhook, a call to an identity provider) may go to
    `address`: a globally reachable unicast address, and every IPv4 address an IPv6 form
    carries is one too. The one check both guards use."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _ALWAYS_REFUSED):
            return False
        carried = embedded_ipv4(address)
        if not all(is_public(ipv4) for ipv4 in carried):
            return False
        if address in _IPV4_MAPPED or address in _IPV4_TRANSLATED or address in _NAT64:
            return True  # nothing but the IPv4 address it stands for, judged above
    return address.is_global and not address.is_multicast


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable URL, or UrlRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("only http and https URLs are allowed")
    if parts.username or parts.password:
        raise UrlRefused("credentials in the URL are not allowed")
    if not parts.hostname:
        raise UrlRefused("the URL has no host")
    if parts.fragment:
        raise UrlRefused("the URL may not have a fragment")
    port = port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, parts.hostname, port, path


def resolve(url: str, *, allow_private: bool | None = None) -> Target:
    """Check `url` and resolve its host once; the address to connect to, or UrlRefused.
    Private and loopback addresses are refused unless `allow_private` (by default the
    WEBHOOK_ALLOW_PRIVATE_URLS setting)."""
    if allow_private is None:
        allow_private = settings.WEBHOOK_ALLOW_PRIVATE_URLS
    scheme, host, port, path = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UrlRefused(f"the host {host!r} does not resolve") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise UrlRefused(f"the host {host!r} does not resolve")
    if not allow_private:
        # Any private answer refuses the host: a mixed answer is how rebinding starts.
        for address in addresses:
            if not is_public(address):
                raise UrlRefused(
                    f"the host {host!r} resolves to a private, loopback or reserved address"
                )
    return Target(scheme, host, port, path, tuple(dict.fromkeys(str(a) for a in addresses)))


def open_connection(
    addresses: tuple[str, ...], port: int, timeout: float, until: float
) -> socket.socket:
    """A connection to the first approved address that answers (as create_connection does
    for a name, but never resolving again), all of them tried before `until` (a
    time.monotonic() value): a host of many silent addresses cannot stretch the
    exchange's deadline."""
    error: OSError | None = None
    for address in addresses:
        left = until - time.monotonic()
        if left <= 0:
            raise TimeoutError("no connection before the deadline")
        try:
            return socket.create_connection((address, port), min(timeout, left))
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float, until: float, fired: threading.Event):
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses, self._until, self._fired = target.addresses, until, fired

    def _open(self) -> socket.socket:
        """The connected socket, set as `sock` at once so that the deadline can cut it;
        refused if the deadline passed while connecting (it could not cut it then)."""
        self.sock = open_connection(self._addresses, self.port, self.timeout, self._until)
        if self._fired.is_set():
            raise TimeoutError("the deadline passed while connecting")
        return self.sock

    def connect(self):
        self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection, http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, until: float, fired: threading.Event):
        http.client.HTTPSConnection.__init__(
            self, target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._addresses, self._until, self._fired = target.addresses, until, fired

    def connect(self):
        sock = self._open()  # the handshake below can be cut through it
        # Certificate and SNI are checked against the URL's host name, not the address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""  # read by `get` only
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


def post(target: Target, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST `body` to the approved address; redirects are not followed (a redirect is
    an answer like any other non-2xx, so it cannot lead a delivery elsewhere). Only the
    status is read, never the body."""
    return _request("POST", target, body, headers, timeout, read=None)


def get(
    target: Target, *, max_bytes: int, timeout: float, headers: dict[str, str] | None = None
) -> Answer:
    """GET from the approved address and read the body, at most `max_bytes` of it
    (TooLarge beyond, without reading on). Redirects are not followed: a 3xx is an
    answer like any other, for the caller to refuse."""
    return _request("GET", target, None, headers or {}, timeout, read=max_bytes)


def _request(method, target, body, headers, timeout, *, read) -> Answer:
    """One exchange. With tracing on, it is a client span (core.tracing); no trace
    context is sent to the receiver, whose headers are the documented ones."""
    if not tracing.enabled:
        return _exchange(method, target, body, headers, timeout, read)
    with tracing.outgoing_request(method, target.scheme, target.host, target.port) as span:
        answer = _exchange(method, target, body, headers, timeout, read)
        tracing.answered(span, answer.status)
        return answer


def _exchange(method, target, body, headers, timeout, read: int | None) -> Answer:
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    # `timeout` bounds each socket operation; this bounds the whole exchange, so a
    # receiver trickling its answer a byte at a time cannot hold a worker, nor a host of
    # many silent addresses.
    fired = threading.Event()
    connection = cls(target, timeout, time.monotonic() + timeout, fired)
    deadline = threading.Timer(timeout, _abort, args=(connection, fired))
    deadline.start()
    try:
        connection.request(method, target.path, body=body, headers=headers)
        response = connection.getresponse()
        found = {name.lower(): value for name, value in response.getheaders()}
        if read is None:
            return Answer(status=response.status, headers=found)
        announced = found.get("content-length", "")
        if announced.isdigit() and int(announced) > read:
            raise TooLarge(f"the answer is {int(announced)} bytes, more than {read}")
        content = response.read(read + 1)
        if len(content) > read:
            raise TooLarge(f"the answer is more than {read} bytes")
        return Answer(status=response.status, body=content, headers=found)
    except (OSError, http.client.HTTPException):
        # Whatever the cut exchange raised (a reset, a half-read status line): a timeout.
        # The flag, not the timer thread's liveness: that thread may still be finishing.
        if fired.is_set():
            raise TimeoutError(f"no complete answer within {timeout} s") from None
        raise
    finally:
        deadline.cancel()
        connection.close()


def _abort(connection: http.client.HTTPConnection, fired: threading.Event) -> None:
    fired.set()  # before the shutdown, so the exchange it breaks sees it
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
