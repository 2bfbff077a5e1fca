"""A SAML identity provider for the tests: real keys, real XML signatures (xmlsec).

It reads the AuthnRequest our login redirect carries (HTTP-Redirect binding: deflated,
base64), and answers with a Response whose Assertion is signed with RSA-SHA256 by a key
and self-signed certificate generated here with `cryptography`. Options produce the bad
responses the service must refuse: unsigned, tampered after signing, expired, for
another audience, signed by a key the connection does not trust, a reused assertion id.

`SamlIdpServer` serves it over HTTP on loopback, as a hosted provider does: its
metadata, and a single sign-on endpoint that answers a browser with the form that posts
the signed response to our assertion consumer service.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import html
import secrets
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from tests.loopback_http import LoopbackHttpServer

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
REDIRECT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
NSMAP = {"samlp": SAMLP, "saml": SAML}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SigningKey:
    key_pem: bytes
    cert_pem: bytes

    @classmethod
    def generate(cls, common_name: str = "test-idp") -> SigningKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        return cls(
            key_pem=key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        )

    @property
    def cert_text(self) -> str:
        return self.cert_pem.decode()


@dataclass
class AuthnRequest:
    id: str
    acs_url: str
    sp_entity_id: str
    relay_state: str

    @classmethod
    def from_redirect(cls, location: str) -> AuthnRequest:
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        xml = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15)
        root = etree.fromstring(xml)
        return cls(
            id=root.get("ID"),
            acs_url=root.get("AssertionConsumerServiceURL"),
            sp_entity_id=root.find(_q(SAML, "Issuer")).text,
            relay_state=query.get("RelayState", ""),
        )


@dataclass
class SamlIdp:
    entity_id: str = "https://idp.saml.test/metadata"
    sso_url: str = "https://idp.saml.test/sso"
    key: SigningKey = field(default_factory=SigningKey.generate)

    def metadata(self) -> str:
        """This provider's SAML metadata, as identity providers publish theirs."""
        return metadata_xml(self.entity_id, self.sso_url, self.key.cert_text)

    def response(
        self,
        request: AuthnRequest,
        *,
        name_id: str,
        attributes: dict[str, list[str]],
        sign: bool = True,
        signing_key: SigningKey | None = None,
        audience: str | None = None,
        issued: dt.datetime | None = None,
        lifetime: dt.timedelta = dt.timedelta(minutes=5),
        assertion_id: str | None = None,
        tamper=None,
    ) -> str:
        """A base64 SAMLResponse for `request`; `tamper(root)` edits it after signing."""
        issued = issued or dt.datetime.now(dt.UTC)
        expires = issued + lifetime
        assertion_id = assertion_id or f"_a{secrets.token_hex(16)}"
        root = etree.Element(_q(SAMLP, "Response"), nsmap=NSMAP)
        root.set("ID", f"_r{secrets.token_hex(16)}")
        root.set("Version", "2.0")
        root.set("IssueInstant", _time(issued))
        root.set("Destination", request.acs_url)
        root.set("InResponseTo", request.id)
        etree.SubElement(root, _q(SAML, "Issuer")).text = self.entity_id
        status = etree.SubElement(root, _q(SAMLP, "Status"))
        etree.SubElement(status, _q(SAMLP, "StatusCode")).set(
            "Value", "urn:oasis:names:tc:SAML:2.0:status:Success"
        )

        assertion = etree.SubElement(root, _q(SAML, "Assertion"))
        assertion.set("ID", assertion_id)
        assertion.set("Version", "2.0")
        assertion.set("IssueInstant", _time(issued))
        etree.SubElement(assertion, _q(SAML, "Issuer")).text = self.entity_id
        subject = etree.SubElement(assertion, _q(SAML, "Subject"))
        name = etree.SubElement(subject, _q(SAML, "NameID"))
        name.set("Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        name.text = name_id
        confirmation = etree.SubElement(subject, _q(SAML, "SubjectConfirmation"))
        confirmation.set("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
        data = etree.SubElement(confirmation, _q(SAML, "SubjectConfirmationData"))
        data.set("NotOnOrAfter", _time(expires))
        data.set("Recipient", request.acs_url)
        data.set("InResponseTo", request.id)
        conditions = etree.SubElement(assertion, _q(SAML, "Conditions"))
        conditions.set("NotBefore", _time(issued - dt.timedelta(seconds=30)))
        conditions.set("NotOnOrAfter", _time(expires))
        restriction = etree.SubElement(conditions, _q(SAML, "AudienceRestriction"))
        etree.SubElement(restriction, _q(SAML, "Audience")).text = audience or request.sp_entity_id
        authn = etree.SubElement(assertion, _q(SAML, "AuthnStatement"))
        authn.set("AuthnInstant", _time(issued))
        authn.set("SessionIndex", f"_s{secrets.token_hex(8)}")
        context = etree.SubElement(authn, _q(SAML, "AuthnContext"))
        etree.SubElement(
            context, _q(SAML, "AuthnContextClassRef")
        ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        statement = etree.SubElement(assertion, _q(SAML, "AttributeStatement"))
        for attribute_name, values in attributes.items():
            attribute = etree.SubElement(statement, _q(SAML, "Attribute"))
            attribute.set("Name", attribute_name)
            for value in values:
                etree.SubElement(attribute, _q(SAML, "AttributeValue")).text = value

        if sign:
            _sign(assertion, signing_key or self.key)
        if tamper is not None:
            tamper(root)
        return base64.b64encode(etree.tostring(root)).decode()


def metadata_xml(entity_id: str, sso_url: str, *cert_pems: str) -> str:
    """An identity provider's metadata naming its entity id, HTTP-Redirect sign-on URL
    and signing certificates."""
    keys = "".join(
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        "<ds:X509Certificate>"
        + "".join(line for line in pem.splitlines() if "-----" not in line)
        + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for pem in cert_pems
    )
    return (
        f'<md:EntityDescriptor xmlns:md="{MD}" xmlns:ds="{DS}" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}"
        f'<md:SingleSignOnService Binding="{REDIRECT_BINDING}" Location="{sso_url}"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _sign(element, key: SigningKey) -> None:
    """An enveloped RSA-SHA256 signature over `element`, placed after its Issuer."""
    signature = xmlsec.template.create(
        element, xmlsec.constants.TransformExclC14N, xmlsec.constants.TransformRsaSha256, ns="ds"
    )
    element.find(_q(SAML, "Issuer")).addnext(signature)
    reference = xmlsec.template.add_reference(
        signature, xmlsec.constants.TransformSha256, uri=f"#{element.get('ID')}"
    )
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
    xmlsec.template.add_transform(reference, xmlsec.constants.TransformExclC14N)
    key_info = xmlsec.template.ensure_key_info(signature)
    xmlsec.template.add_x509_data(key_info)
    context = xmlsec.SignatureContext()
    signing_key = xmlsec.Key.from_memory(key.key_pem, xmlsec.constants.KeyDataFormatPem)
    signing_key.load_cert_from_memory(key.cert_pem, xmlsec.constants.KeyDataFormatPem)
    context.key = signing_key
    context.register_id(element, "ID")
    context.sign(signature)


@dataclass
class Canned:
    """An answer served at a path instead of the provider's own."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_length: bool = True  # False: the body ends when the connection closes


class SamlIdpServer(LoopbackHttpServer):
    """`SamlIdp` over HTTP on 127.0.0.1: `GET /metadata` answers its metadata (the
    current key's certificate), `GET /sso` signs in `name_id` with `attributes` and
    answers the browser a page whose form posts the signed response to the request's
    assertion consumer service (submitted at once by a script, as providers do).
    `canned[path]` serves something else at a path; `asked` lists the paths requested."""

    def __init__(self, *, name_id: str = "alice@acme.test", attributes=None):
        super().__init__(_IdpHandler)
        self._server.idp_server = self
        self.idp = SamlIdp(entity_id=f"{self.base}/metadata", sso_url=f"{self.base}/sso")
        self.name_id = name_id
        self.attributes: dict[str, list[str]] = attributes or {"email": [name_id]}
        self.canned: dict[str, Canned] = {}
        self.asked: list[str] = []

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/metadata"

    def rotate_key(self) -> SigningKey:
        """A new signing key and certificate, as a provider rolls its certificate over."""
        self.idp.key = SigningKey.generate()
        return self.idp.key

    def sign_in_page(self, path: str) -> str:
        request = AuthnRequest.from_redirect(path)
        response = self.idp.response(request, name_id=self.name_id, attributes=self.attributes)
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<link rel="icon" href="data:,"><title>Signing in</title></head><body>'
            f'<form id="saml" method="post" action="{html.escape(request.acs_url)}">'
            f'<input type="hidden" name="SAMLResponse" value="{html.escape(response)}">'
            f'<input type="hidden" name="RelayState" value="{html.escape(request.relay_state)}">'
            '<button type="submit">Continue</button></form>'
            '<script>document.getElementById("saml").submit();</script></body></html>'
        )


class _IdpHandler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_GET(self):
        provider: SamlIdpServer = self.server.idp_server
        path = urlsplit(self.path).path
        provider.asked.append(path)
        if path in provider.canned:
            answer = provider.canned[path]
        elif path == "/metadata":
            answer = Canned(
                body=provider.idp.metadata().encode(),
                headers={"Content-Type": "application/samlmetadata+xml"},
            )
        elif path == "/sso":
            answer = Canned(
                body=provider.sign_in_page(self.path).encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
            )
        else:
            answer = Canned(status=404, body=b"not found", headers={"Content-Type": "text/plain"})
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.content_length:
            self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        # The client may stop reading (a body over its limit): that is its right.
        with contextlib.suppress(OSError):
            self.wfile.write(answer.body)
