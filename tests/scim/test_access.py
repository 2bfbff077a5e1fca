"""Who may provision, and what deactivation takes away: a token works for its own tenant
only, a revoked or wrong one not at all; deactivating a member ends their sessions and
revokes the API keys they answer for, and the last owner is never removed."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from audit.models import AuditEvent
from scim.services import scim_token_revoke
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import ApiKey, Membership
from tests import factories
from tests.conftest import SENTINEL
from tests.scim.conftest import SCIM, ScimClient, make_token, user_body


def signed_in(browser: Client) -> bool:
    return browser.get("/api/v1/me").status_code == 200


def assert_unauthorized(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == SCIM
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "401"


def test_deactivation_ends_sessions_and_revokes_the_persons_api_keys(world, scim):
    editor = world.members["editor"]
    browser = Client()
    browser.force_login(editor)
    assert signed_in(browser)
    made = factories.api_key(world.acme, rbac.EDITOR, name="editor's", accountable_person=editor)
    key_client = APIClient()
    key_client.credentials(HTTP_AUTHORIZATION=f"Bearer {made.token}")
    assert key_client.get("/api/v1/tenants/acme/digests/").status_code == 200

    response = scim.patch(f"Users/{editor.pk}", {"op": "replace", "value": {"active": False}})
    assert response.status_code == 200, response.content
    assert not signed_in(browser)
    assert key_client.get("/api/v1/tenants/acme/digests/").status_code == 401
    with tenant_context(world.acme):
        assert ApiKey.objects.get(pk=made.api_key.pk).revoked_at is not None
        assert not Membership.objects.filter(user=editor).exists()
        revoked = AuditEvent.objects.get(action="api_key.revoked")
    assert revoked.changes["reason"] == [None, "accountable_person_left"]


def test_delete_ends_sessions_too(world, scim):
    viewer = world.members["viewer"]
    browser = Client()
    browser.force_login(viewer)
    assert scim.delete(f"Users/{viewer.pk}").status_code == 204
    assert not signed_in(browser)


def test_the_last_owner_is_never_removed(world, scim):
    owner = world.members["owner"]
    for _ in range(2):
        response = scim.patch(f"Users/{owner.pk}", {"op": "replace", "value": {"active": False}})
        assert response.status_code == 409
        body = response.json()
        assert "last owner" in body["detail"]
        assert body["status"] == "409"
    assert scim.delete(f"Users/{owner.pk}").status_code == 409
    put = scim.put(f"Users/{owner.pk}", {**user_body(owner.email), "active": False, "emails": []})
    assert put.status_code == 409
    with tenant_context(world.acme):
        assert Membership.objects.filter(user=owner).exists()
        # Refused requests roll back whole: no event says otherwise.
        assert not AuditEvent.objects.filter(action__startswith="scim.user_").exists()
    # With a second owner, the first may be deprovisioned.
    factories.member(world.acme, rbac.OWNER, email="second-owner@acme.test")
    response = scim.patch(f"Users/{owner.pk}", {"op": "replace", "value": {"active": False}})
    assert response.status_code == 200


def test_a_token_of_another_tenant_is_refused_and_changes_nothing(world, scim):
    globex = make_token(world.globex, name=SENTINEL)
    as_globex_in_acme = ScimClient("acme", globex.secret)
    editor = world.members["editor"]
    assert_unauthorized(as_globex_in_acme.get("Users"))
    assert_unauthorized(as_globex_in_acme.get(f"Users/{editor.pk}"))
    assert_unauthorized(
        as_globex_in_acme.patch(f"Users/{editor.pk}", {"op": "replace", "value": {"active": False}})
    )
    assert_unauthorized(as_globex_in_acme.delete(f"Users/{editor.pk}"))
    assert_unauthorized(as_globex_in_acme.post("Users", user_body("x@acme.example.com")))
    with tenant_context(world.acme):
        assert Membership.objects.filter(user=editor).exists()

    # In its own tenant it works, and sees globex's people only.
    own = ScimClient("globex", globex.secret).get("Users").json()
    assert {r["userName"] for r in own["Resources"]} == {
        world.globex_owner.email,
        world.globex_member.user.email,
        world.globex_invitation.user.email,  # invited: a member from the invitation on
    }
    # acme's token cannot reach globex either, even by a globex person's id.
    assert_unauthorized(ScimClient("globex", scim_secret(scim)).get("Users"))
    assert scim.get(f"Users/{world.globex_owner.pk}").status_code == 404
    assert SENTINEL.encode() not in scim.get("Users").content


def scim_secret(scim) -> str:
    return scim.client._credentials["HTTP_AUTHORIZATION"].split(" ", 1)[1]


def test_wrong_revoked_and_malformed_tokens_are_refused(world, acme_token):
    secret = acme_token.secret
    assert ScimClient("acme", secret).get("Users").status_code == 200
    for wrong in (
        secret[:-2] + "xx",
        "scim_nope_nope",
        "dp_abc_def",
        "",
    ):
        assert_unauthorized(ScimClient("acme", wrong).get("Users"))
    assert_unauthorized(ScimClient("no-such-tenant", secret).get("Users"))
    with tenant_context(world.acme):
        scim_token_revoke(actor=None, scim_token=acme_token.scim_token)
    assert_unauthorized(ScimClient("acme", secret).get("Users"))


def test_an_api_key_is_not_a_scim_token_nor_the_reverse(world, acme_token):
    key = factories.api_key(world.acme, rbac.ADMIN, name="admin key").token
    assert_unauthorized(ScimClient("acme", key).get("Users"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {acme_token.secret}")
    assert client.get("/api/v1/tenants/acme/members/").status_code == 401


def test_a_suspended_tenant_refuses_provisioning(world, scim):
    world.acme.status = "suspended"
    world.acme.save(update_fields=["status"])
    response = scim.get("Users")
    assert response.status_code == 403
    assert response.json()["status"] == "403"


def test_scim_is_throttled_per_token(world, scim, monkeypatch):
    """The API's per-caller limit, counted per token: another token has its own."""
    from core.throttling import PrincipalRateThrottle

    monkeypatch.setattr(
        PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "2/min", "anon": "2/min"}
    )
    answers = [scim.get("ServiceProviderConfig") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["status"] == "429"
    assert "Retry-After" in answers[2]
    other = ScimClient("acme", make_token(world.acme, name="Entra").secret)
    assert other.get("ServiceProviderConfig").status_code == 200
