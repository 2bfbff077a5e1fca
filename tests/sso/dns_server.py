"""A real DNS server on loopback (dnslib) that answers TXT queries from a dict."""

from __future__ import annotations

import threading

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class _Zone(BaseResolver):
    def __init__(self, records: dict[str, list[str]]):
        self.records = records

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if name not in self.records:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in self.records[name]:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


class TxtServer:
    """`with TxtServer() as dns: dns.records["example.test"] = ["..."]`; UDP on dns.port."""

    def __init__(self):
        self.records: dict[str, list[str]] = {}
        self._server = DNSServer(
            _Zone(self.records),
            address="127.0.0.1",
            port=0,
            logger=DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data"),
        )

    @property
    def port(self) -> int:
        return self._server.server.server_address[1]

    def __enter__(self) -> TxtServer:
        self._thread = threading.Thread(
            target=self._server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)
