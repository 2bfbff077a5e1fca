"""A tenant names its identity provider; the provider's discovery document names the
rest. None of those URLs may point the server at its own network (outside development,
where the tests' loopback provider lives)."""

from __future__ import annotations

import pytest
from django.test import Client
from social_core.exceptions import AuthProviderError

from sso.backends import TenantOIDCAuth
from sso.models import Connection
from tenants.context import tenant_context


def test_a_provider_on_a_private_address_is_never_called(world, provider, acme_oidc, settings):
    settings.SSO_ALLOW_HTTP = False  # production: the provider's address is checked
    before = provider.token_requests
    response = Client().get("/sso/acme/login")
    assert response.status_code == 502, response.content
    assert "could not be reached" in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()
    assert provider.token_requests == before
    with tenant_context(world.acme):
        assert Connection.objects.filter(pk=acme_oidc.pk).exists()  # nothing changed


def test_the_same_provider_works_where_loopback_is_allowed(world, provider, acme_oidc):
    response = Client().get("/sso/acme/login")
    assert response.status_code == 302
    assert response["Location"].startswith(provider.issuer)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::ffff:0:127.0.0.1]:9/.well-known/openid-configuration",  # IPv4-translated
        "http://[::ffff:127.0.0.1]:9/token",  # IPv4-mapped
        "http://[64:ff9b::a9fe:a9fe]/jwks",  # NAT64 of the metadata address
        "http://[2002:a00:1::1]/userinfo",  # 6to4 through 10.0.0.1
        "http://[2001:0:808:808::80ff:fffe]/token",  # Teredo, client 127.0.0.1
    ],
)
def test_a_provider_url_carrying_a_private_ipv4_is_refused_before_any_call(settings, url):
    """The SSO guard is the webhooks' one (webhooks.net.is_public): the same IPv6 forms
    are refused, before a connection is tried."""
    settings.SSO_ALLOW_HTTP = False
    with pytest.raises(AuthProviderError) as refused:
        TenantOIDCAuth(None).request(url)
    assert refused.value.code == "provider_url_refused"
