"""A real syslog receiver on loopback for the audit sink tests: TCP (TLS optional, RFC
5425), octet-counted frames (RFC 6587), each parsed as an RFC 5424 message."""

from __future__ import annotations

import json
import re
import socket
import socketserver
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = re.compile(rb"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")
_PARAM = re.compile(r'([^\s="\]]+)="((?:[^"\\]|\\.)*)"')
BOM = b"\xef\xbb\xbf"


@dataclass
class Message:
    pri: int
    timestamp: str
    hostname: str
    app_name: str
    procid: str
    msgid: str
    sd_id: str
    params: dict[str, str]
    body: dict


def parse(message: bytes) -> Message:
    """One RFC 5424 message with one structured-data element and a UTF-8 (BOM) MSG."""
    header = _HEADER.match(message)
    if header is None:
        raise ValueError(f"not an RFC 5424 header: {message[:80]!r}")
    rest = message[header.end() :].decode()
    if not rest.startswith("["):
        raise ValueError("no structured data")
    # The element ends at the first ']' not escaped by a backslash.
    end, escaped = 1, False
    while escaped or rest[end] != "]":
        escaped = rest[end] == "\\" and not escaped
        end += 1
    element = rest[1:end]
    sd_id, _, params = element.partition(" ")
    values = {name: re.sub(r"\\(.)", r"\1", value) for name, value in _PARAM.findall(params)}
    msg = rest[end + 1 :].encode()
    if not msg.startswith(b" " + BOM):
        raise ValueError("MSG is not BOM-marked UTF-8")
    pri, timestamp, hostname, app_name, procid, msgid = header.groups()
    return Message(
        pri=int(pri),
        timestamp=timestamp.decode(),
        hostname=hostname.decode(),
        app_name=app_name.decode(),
        procid=procid.decode(),
        msgid=msgid.decode(),
        sd_id=sd_id,
        params=values,
        body=json.loads(msg[1 + len(BOM) :]),
    )


def frames(data: bytes) -> list[bytes]:
    """Split octet-counted frames; refuses a stream that is not exactly frames."""
    out, at = [], 0
    while at < len(data):
        space = data.index(b" ", at)
        length = int(data[at:space])
        out.append(data[space + 1 : space + 1 + length])
        if len(out[-1]) != length:
            raise ValueError("a frame is cut short")
        at = space + 1 + length
    return out


@dataclass
class SyslogReceiver:
    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    connections: int = 0
    drop: int = 0  # the next this many connections are reset before anything is read
    stall: float = 0.0  # seconds to wait, after reading everything, before closing
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seqs(self) -> list[int]:
        with self.lock:
            return [int(m.params["seq"]) for m in self.messages]

    def wait_for(self, count: int, timeout: float = 20) -> list[Message]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        receiver: SyslogReceiver = self.server.receiver
        sock = self.request
        with receiver.lock:
            receiver.connections += 1
            dropping = receiver.drop > 0
            receiver.drop -= 1 if dropping else 0
        if dropping:
            # A receiver falling over: reset, nothing read (closed here: socketserver's
            # own close would half-close first, a clean end of stream).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            return
        context = self.server.tls_context
        try:
            if context is not None:
                sock = context.wrap_socket(sock, server_side=True)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            if context is not None:
                sock = sock.unwrap()  # answer the sender's close_notify
            parsed = [parse(f) for f in frames(data)]
        except (OSError, ValueError) as exc:
            with receiver.lock:
                receiver.errors.append(f"{type(exc).__name__}: {exc}")
            return
        with receiver.lock:
            receiver.messages.extend(parsed)
            stall = receiver.stall
        time.sleep(stall)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SyslogServer:
    """`with SyslogServer() as receiver:`; `tls=(cert_path, key_path)` for RFC 5425."""

    def __init__(self, tls: tuple[Path, Path] | None = None):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.tls_context = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.tls_context = context
        self.server.receiver = SyslogReceiver("127.0.0.1", self.server.server_address[1])

    def __enter__(self) -> SyslogReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server.receiver

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
