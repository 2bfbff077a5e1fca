"""Nobody gains a role or an account through SSO that they could not get otherwise:
configuring identity providers is owner-level; a connection hands out no role stronger
than its configurer's; an existing account is linked only on an address the provider
confirms; and an SSO session acts only in its connection's tenant."""

from __future__ import annotations

from django.test import Client
from social_django.models import UserSocialAuth

from sso.models import UserSession
from tenants import rbac
from tests import factories
from tests.sso.conftest import oidc_sign_in

CONNECTIONS = "/api/v1/tenants/acme/sso/connections/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


def _oidc_body(**extra) -> dict:
    return {
        "protocol": "oidc",
        "name": "Rogue IdP",
        "issuer": "https://idp.example.test/",
        "client_id": "rogue",
        "client_secret": "rogue-secret",
        "default_role": "viewer",
        **extra,
    }


def test_admins_do_not_configure_identity_providers(world):
    assert "sso.manage_sso" not in rbac.PRESETS[rbac.ADMIN].permissions
    response = world.client("admin").post(CONNECTIONS, _oidc_body(), format="json")
    assert response.status_code == 403
    assert world.client("owner").post(CONNECTIONS, _oidc_body(), format="json").status_code == 201


def test_a_connection_hands_out_no_role_stronger_than_its_configurers(world):
    manager_role = factories.custom_role(
        world.acme, slug="sso-manager", permissions=["sso.view_sso", "sso.manage_sso"]
    )
    manager = factories.membership(world.acme, manager_role, email="sso@acme.test").user
    client = world.client(user=manager)
    for body in (
        _oidc_body(default_role="admin"),
        _oidc_body(group_roles=[{"group": "everyone", "role": "admin"}]),
    ):
        response = client.post(CONNECTIONS, body, format="json")
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "role_exceeds_yours"
    # Within its own permissions it may: the sso-manager role itself.
    ok = client.post(CONNECTIONS, _oidc_body(default_role="sso-manager"), format="json")
    assert ok.status_code == 201, ok.content


def test_an_existing_account_is_linked_only_on_a_confirmed_address(world, provider, acme_oidc):
    editor = world.members["editor"]
    del provider.next_user["email_verified"]  # some providers send no such claim
    provider.next_user.update(sub="typed-any-address", email=editor.email)
    refused = oidc_sign_in(Client())
    assert refused.status_code == 403
    assert "confirmed" in refused.content.decode()
    assert not UserSocialAuth.objects.filter(user=editor).exists()

    provider.next_user.update(sub="editor-at-idp", email_verified=True)
    browser = Client()
    assert oidc_sign_in(browser).status_code == 302
    assert browser.get("/api/v1/me").json()["email"] == editor.email


def test_an_sso_session_acts_only_in_its_connections_tenant(world, provider, acme_oidc):
    editor = world.members["editor"]
    factories.membership(world.globex, factories.role(world.globex, rbac.VIEWER), editor.email)
    provider.next_user.update(sub="editor-at-idp", email=editor.email)
    browser = Client()
    assert oidc_sign_in(browser).status_code == 302
    assert browser.get("/api/v1/tenants/acme/digests/").status_code == 200
    # acme's provider vouches for nobody in globex: as if not a member there.
    assert browser.get("/api/v1/tenants/globex/digests/").status_code == 404
    me = browser.get("/api/v1/me").json()
    assert [m["tenant"]["slug"] for m in me["memberships"]] == ["acme"]

    # A password sign-in in the same browser is not bound to any provider.
    browser.post("/api/auth/login/", {"username": editor.email, "password": PASSWORD})
    assert browser.get("/api/v1/tenants/globex/digests/").status_code == 200


def test_a_tenant_requiring_sso_refuses_password_sessions_but_break_glass(world):
    factories.sso_connection(world.acme, name="Acme IdP")
    owner, editor = world.members["owner"], world.members["editor"]
    owner_browser, editor_browser = Client(), Client()
    owner_browser.force_login(owner)
    editor_browser.force_login(editor)
    # Sessions the sign-in recorder never saw (made before it existed, say): requiring
    # SSO cannot end them, and the check on every request must still refuse them.
    UserSession.objects.filter(user__in=[owner, editor]).delete()
    world.client("owner").patch(
        "/api/v1/tenants/acme/sso/settings/",
        {"require_sso": True, "break_glass": [owner.email]},
        format="json",
    )
    refused = editor_browser.get("/api/v1/tenants/acme/digests/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "sso_required"
    assert owner_browser.get("/api/v1/tenants/acme/digests/").status_code == 200


def test_one_tenant_requiring_sso_does_not_lock_its_members_out_of_another(world):
    editor = world.members["editor"]
    factories.membership(world.globex, factories.role(world.globex, rbac.VIEWER), editor.email)
    factories.sso_connection(world.acme, name="Acme IdP")
    world.client("owner").patch(
        "/api/v1/tenants/acme/sso/settings/", {"require_sso": True}, format="json"
    )
    browser = Client()
    browser.post("/api/auth/login/", {"username": editor.email, "password": PASSWORD})
    assert browser.get("/api/v1/tenants/globex/digests/").status_code == 200
    refused = browser.get("/api/v1/tenants/acme/digests/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "sso_required"
