"""The two python-social-auth backends every tenant connection runs through.

Both read their settings from the flow's connection (sso/strategy.py). Identities are
stored as `<connection id>:<subject>`, so the same subject at two connections (two
tenants, or one tenant's two providers) is never one identity.
"""

from __future__ import annotations

from django.conf import settings
from social_core.backends.open_id_connect import OpenIdConnectAuth
from social_core.backends.saml import SAMLAuth
from social_core.exceptions import AuthProviderError

from sso import services
from sso.models import Connection
from webhooks import net


def _connection(backend) -> Connection:
    connection = getattr(backend.strategy, "connection", None)
    if connection is None:
        raise RuntimeError("an SSO flow needs a TenantStrategy carrying its connection")
    return connection


class TenantOIDCAuth(OpenIdConnectAuth):
    name = "tenant-oidc"
    DEFAULT_USE_PKCE = True

    def request(self, url: str, *args, **kwargs):
        """Every call to the provider (discovery, JWKS, token, userinfo): its address
        must be public, and a redirect is not followed to another one. A tenant admin
        names the issuer, and its discovery document names the rest; neither may point
        the server at its own network. Development and the tests' loopback providers
        (SSO_ALLOW_HTTP) are exempt."""
        if not settings.SSO_ALLOW_HTTP:
            try:
                net.resolve(url, allow_private=False)
            except net.UrlRefused as exc:
                raise AuthProviderError(self, code="provider_url_refused") from exc
        response = super().request(url, *args, **kwargs)
        if response.history and not settings.SSO_ALLOW_HTTP:
            raise AuthProviderError(self, code="provider_redirected")
        return response

    def get_user_id(self, details, response):
        subject = super().get_user_id(details, response)
        return f"{_connection(self).pk}:{subject}"

    def groups(self, response) -> list[str]:
        claim = _connection(self).claim("groups", "groups")
        for source in (self.id_token or {}, response or {}):
            if claim in source:
                return _as_list(source[claim])
        return []

    def authentication_methods(self, response) -> list[str]:
        """How the provider says the person proved who they are (the ID token's `amr`,
        RFC 8176: `pwd`, `otp`, `mfa`, `hwk`...); recorded with the sign-in."""
        return _as_list((self.id_token or {}).get("amr"))

    def _email_verified_claim(self, response):
        return (self.id_token or {}).get("email_verified", (response or {}).get("email_verified"))

    def email_verified(self, response) -> bool:
        """False only when the provider says outright that the address is unverified."""
        value = self._email_verified_claim(response)
        return value is not False and str(value).lower() != "false"

    def email_confirmed(self, response) -> bool:
        """True only when the provider says outright that it verified the address: what
        linking to an existing account needs (some providers let people type any address
        and send no claim at all)."""
        value = self._email_verified_claim(response)
        return value is True or str(value).lower() == "true"


class TenantSAMLAuth(SAMLAuth):
    name = "tenant-saml"

    def _create_saml_auth(self, idp):
        # Kept so the replay check below can read the validated assertion's id.
        self._saml_auth = super()._create_saml_auth(idp)
        return self._saml_auth

    def _check_entitlements(self, idp, attributes) -> None:
        """Runs after python3-saml validated signature, audience, destination, times and
        InResponseTo: refuse an assertion id this connection has already accepted."""
        auth = self._saml_auth
        services.assertion_consume(
            connection=_connection(self),
            assertion_id=auth.get_last_assertion_id(),
            not_on_or_after=auth.get_last_assertion_not_on_or_after(),
        )

    def authentication_methods(self, response) -> list[str]:
        """The assertion's authentication context class references (for example
        `urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport`, or the
        provider's own for multi-factor); recorded with the sign-in."""
        auth = getattr(self, "_saml_auth", None)
        return _as_list(auth.get_last_authn_contexts()) if auth is not None else []

    def groups(self, response) -> list[str]:
        attribute = _connection(self).claim("groups", "groups")
        return _as_list((response.get("attributes") or {}).get(attribute))

    def email_verified(self, response) -> bool:
        return True  # a SAML IdP asserts the address it manages

    def email_confirmed(self, response) -> bool:
        return True


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if item is not None]
    return []
