"""An invitation to a tenant that requires SSO: the link offers only the provider, and
signing in through it accepts the invitation with the invited role."""

from __future__ import annotations

from django.test import Client

from tenants.context import tenant_context
from tenants.models import Invitation
from tests import factories
from tests.sso.conftest import oidc_sign_in


def test_an_invitee_of_a_tenant_requiring_sso_joins_through_the_provider(
    world, provider, acme_oidc, mailbox, django_capture_on_commit_callbacks
):
    with tenant_context(world.acme):
        world.acme.require_sso = True
        world.acme.save(update_fields=["require_sso"])
    with django_capture_on_commit_callbacks(execute=True):
        factories.invitation(world.acme, "editor", "sso.invitee@acme.test")
    (message,) = mailbox.wait_for("sso.invitee@acme.test")
    assert "signs in with single sign-on" in message.text
    (link,) = [u for u in message.links() if "/accounts/invitations/" in u]
    path = link.split("127.0.0.1:8000", 1)[-1]

    browser = Client()
    page = browser.get(path)
    assert b"Continue with single sign-on" in page.content
    assert b"new_password1" not in page.content
    refused = browser.post(path, {"new_password1": "x-long-passphrase-1", "new_password2": "x"})
    assert refused.status_code == 409

    provider.next_user.update(sub="invitee-at-idp", email="sso.invitee@acme.test")
    assert oidc_sign_in(browser).status_code == 302
    me = browser.get("/api/v1/me").json()
    assert [(m["tenant"]["slug"], m["role"]["slug"]) for m in me["memberships"]] == [
        ("acme", "editor")
    ]
    with tenant_context(world.acme):
        invitation = Invitation.objects.get(user__email="sso.invitee@acme.test")
    assert invitation.accepted_with == "sso"
    assert Client().get(path).status_code == 404
