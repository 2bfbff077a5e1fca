"""An identity provider's SAML metadata: what it names, and fetching it from its URL.

A tenant admin names the URL, so fetching it goes through the outbound guard the
webhooks use (webhooks.net): the host must resolve to public addresses only, the
connection goes to the address that was checked, no redirect is followed, and the
exchange is bounded in time and in size (the size pasted metadata may have). Outside
development, the URL must be https. SSO_ALLOW_HTTP, as for OpenID Connect providers
(sso.backends), allows http:// and loopback or private addresses: development and the
tests' local providers only.
"""

from __future__ import annotations

import http.client
import ssl

from django.conf import settings
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from webhooks import net

MAX_BYTES = 500_000  # as `idp_metadata` pasted into the API
TIMEOUT_SECONDS = 5


class MetadataError(ValueError):
    """The metadata cannot be had or read; the message says why in one line (safe to
    show to the admin who gave the URL)."""


def fields(xml: bytes | str) -> dict:
    """The entity id, HTTP-Redirect sign-on URL and signing certificates that an
    identity provider's SAML metadata names (python3-saml's parser, which reads no DTD
    or external entity); MetadataError when it names none of them."""
    try:
        parsed = (
            OneLogin_Saml2_IdPMetadataParser.parse(
                xml.encode() if isinstance(xml, str) else xml
            ).get("idp")
            or {}
        )
    except Exception:  # the parser raises plain exceptions for bad XML
        # Its words are not repeated: they could quote what another host answered.
        raise MetadataError(
            "Not SAML metadata an identity provider publishes: the XML cannot be read."
        ) from None
    found = {}
    if parsed.get("entityId"):
        found["idp_entity_id"] = parsed["entityId"]
    if (parsed.get("singleSignOnService") or {}).get("url"):
        found["idp_sso_url"] = parsed["singleSignOnService"]["url"]
    certificates = (parsed.get("x509certMulti") or {}).get("signing") or (
        [parsed["x509cert"]] if parsed.get("x509cert") else []
    )
    if certificates:
        found["idp_certificates"] = certificates
    if not found:
        raise MetadataError("Not SAML metadata: it names no entity id, sign-on URL or certificate.")
    return found


def fetch(url: str) -> bytes:
    """The body `url` answers with 200, or MetadataError saying why not."""
    if not url.startswith("https://") and not settings.SSO_ALLOW_HTTP:
        raise MetadataError("Use an https:// URL.")
    try:
        target = net.resolve(url, allow_private=settings.SSO_ALLOW_HTTP)
    except net.UrlRefused as exc:
        raise MetadataError(f"Refused: {exc}.") from None
    try:
        answer = net.get(
            target,
            max_bytes=MAX_BYTES,
            timeout=TIMEOUT_SECONDS,
            headers={
                "Accept": "application/samlmetadata+xml, application/xml, text/xml",
                "User-Agent": "digest-platform-sso",
            },
        )
    except net.TooLarge:
        raise MetadataError(
            f"Too large: metadata may have at most {MAX_BYTES // 1000} KB."
        ) from None
    except TimeoutError:
        raise MetadataError(f"Not reachable: no answer within {TIMEOUT_SECONDS} s.") from None
    except (OSError, http.client.HTTPException) as exc:
        raise MetadataError(f"Not reachable: {_why(exc)}.") from None
    if 300 <= answer.status < 400:
        # Where it points is not repeated: the answer is another host's to keep.
        raise MetadataError(
            f"The server answered HTTP {answer.status}, a redirect: redirects are not "
            "followed, give the final URL."
        )
    if answer.status != 200:
        raise MetadataError(f"The server answered HTTP {answer.status}.")
    return answer.body


def _why(exc: Exception) -> str:
    """A connection failure in a few words."""
    if isinstance(exc, ssl.SSLError):
        why = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return f"the TLS connection failed ({why})"
    if isinstance(exc, ConnectionRefusedError):
        return "the connection was refused"
    return str(exc) or type(exc).__name__
