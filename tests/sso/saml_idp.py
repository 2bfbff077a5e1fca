"""A SAML identity provider for the tests: real keys, real XML signatures (xmlsec).

It reads the AuthnRequest our login redirect carries (HTTP-Redirect binding: deflated,
base64), and answers with a Response whose Assertion is signed with RSA-SHA256 by a key
and self-signed certificate generated here with `cryptography`. Options produce the bad
responses the service must refuse: unsigned, tampered after signing, expired, for
another audience, signed by a key the connection does not trust, a reused assertion id.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import zlib
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
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
