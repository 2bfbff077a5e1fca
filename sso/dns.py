"""DNS TXT look-ups for domain verification (dnspython).

The resolvers and port come from settings (`SSO_DNS_NAMESERVERS`, `SSO_DNS_PORT`) so
tests can point them at a DNS server of their own on loopback; empty means the system's.
"""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings


def txt_records(domain: str) -> list[str]:
    """Every TXT string on `domain` (each record's parts joined); [] when there are none
    or the resolvers cannot answer."""
    nameservers = list(settings.SSO_DNS_NAMESERVERS)
    resolver = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        resolver.nameservers = nameservers
    resolver.port = settings.SSO_DNS_PORT
    resolver.lifetime = settings.SSO_DNS_TIMEOUT
    resolver.timeout = settings.SSO_DNS_TIMEOUT
    try:
        answer = resolver.resolve(domain, "TXT")
    except (dns.exception.DNSException, OSError):
        return []
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]
