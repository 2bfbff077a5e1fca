"""SSO test set-up: a real OpenID Connect provider on loopback and acme connected to it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from tests import factories
from tests.sso.oidc_provider import OidcProvider
from tests.sso.saml_idp import SamlIdp


@pytest.fixture(autouse=True)
def _http_providers(settings):
    settings.SSO_ALLOW_HTTP = True  # the test providers listen on http://127.0.0.1


@pytest.fixture
def provider():
    with OidcProvider(client_id="acme-portal", client_secret="acme-secret") as running:
        yield running


@pytest.fixture
def acme_oidc(world, provider):
    """acme's OIDC connection to `provider`; acme has verified acme.test."""
    factories.sso_domain(world.acme, "acme.test")
    return factories.sso_connection(
        world.acme,
        name="Acme IdP",
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scopes=["openid", "email", "profile"],
    )


@pytest.fixture
def idp():
    return SamlIdp()


@pytest.fixture
def acme_saml(world, idp):
    factories.sso_domain(world.acme, "acme.test")
    return factories.sso_connection(
        world.acme,
        protocol="saml",
        name="Acme SAML",
        idp_entity_id=idp.entity_id,
        idp_sso_url=idp.sso_url,
        idp_certificates=[idp.key.cert_text],
        mapping={"email": "email", "groups": "memberOf"},
        group_roles=[{"group": "Digest Editors", "role": "editor"}],
    )


def start(client: Client, tenant: str = "acme", query: str = "") -> str:
    """Begin at /sso/<tenant>/login; the provider's authorization URL."""
    response = client.get(f"/sso/{tenant}/login{query}")
    assert response.status_code == 302, response.content
    return response["Location"]


def at_provider(authorization_url: str) -> str:
    """What a browser does at the provider: the redirect back to us (path and query)."""
    answer = requests.get(authorization_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def oidc_sign_in(client: Client, tenant: str = "acme", query: str = ""):
    """The whole authorization-code flow over real HTTP; our callback's response."""
    return client.get(at_provider(start(client, tenant, query)))
