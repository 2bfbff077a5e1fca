"""SSO sign-ins rely on the provider's factors: what it reports (`amr`) is recorded, and
a tenant requiring two factors accepts its own provider's sessions."""

from __future__ import annotations

from django.test import Client

from audit.models import AuditEvent
from tenants.context import tenant_context
from tests.sso.conftest import oidc_sign_in


def test_the_providers_authentication_methods_are_recorded(world, provider, acme_oidc):
    with tenant_context(world.acme):
        world.acme.require_mfa = True
        world.acme.save(update_fields=["require_mfa"])
    provider.next_user.update(sub="editor-at-idp", email=world.members["editor"].email)
    provider.next_user["amr"] = ["pwd", "otp"]
    browser = Client()
    assert oidc_sign_in(browser).status_code == 302
    assert browser.get("/api/v1/tenants/acme/digests/").status_code == 200
    with tenant_context(world.acme):
        event = AuditEvent.objects.filter(action="auth.sign_in").latest("id")
    assert event.changes["factors"] == ["pwd", "otp"]
    assert event.changes["method"] == "sso:oidc"
