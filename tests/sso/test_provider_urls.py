"""A tenant names its identity provider; the provider's discovery document names the
rest. None of those URLs may point the server at its own network (outside development,
where the tests' loopback provider lives)."""

from __future__ import annotations

from django.test import Client

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
