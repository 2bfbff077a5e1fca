"""SCIM tokens: made, listed and revoked by owners through the tenant API and by
operators with `manage.py create_scim_token`; stored hashed; every change audited."""

from __future__ import annotations

import io

from django.core.management import call_command

from audit.models import AuditEvent
from scim.models import ScimToken
from tenants.context import tenant_context
from tests.scim.conftest import ScimClient

TOKENS = "/api/v1/tenants/acme/scim-tokens/"


def test_owners_create_list_and_revoke_tokens_to_rotate_them(world):
    owner = world.client("owner")
    created = owner.post(TOKENS, {"name": "Okta"}, format="json")
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    old = created.json()
    assert old["secret"].startswith(f"scim_{old['prefix']}_")
    assert old["status"] == "active"
    assert old["created_by"] == world.members["owner"].email
    with tenant_context(world.acme):
        stored = ScimToken.objects.get(pk=old["id"])
    assert old["secret"] not in stored.secret_hash  # only a hash is kept
    assert ScimClient("acme", old["secret"]).get("Users").status_code == 200

    # Rotation: a new token works alongside the old until the old is revoked.
    new = owner.post(TOKENS, {"name": "Okta (rotated)"}, format="json").json()
    listed = owner.get(TOKENS).json()
    assert {t["id"] for t in listed["results"]} == {old["id"], new["id"]}
    assert all("secret" not in t for t in listed["results"])
    for _ in range(2):
        assert owner.delete(f"{TOKENS}{old['id']}/").status_code == 204
    assert owner.get(f"{TOKENS}{old['id']}/").json()["status"] == "revoked"
    assert ScimClient("acme", old["secret"]).get("Users").status_code == 401
    assert ScimClient("acme", new["secret"]).get("Users").status_code == 200

    with tenant_context(world.acme):
        made = AuditEvent.objects.filter(action="scim.token_created").order_by("seq")
        revoked = AuditEvent.objects.filter(action="scim.token_revoked")
        assert [e.actor_display for e in made] == [world.members["owner"].email] * 2
        assert revoked.count() == 1  # revoking twice records once
        assert revoked.get().target_id == str(old["id"])


def test_only_owners_manage_tokens_and_those_who_see_sso_list_them(world):
    """Making a token takes sso.manage_sso (owners only); listing, sso.view_sso."""
    for role in ("admin", "editor", "viewer", "compliance", "auditor"):
        response = world.client(role).post(TOKENS, {"name": "sneaky"}, format="json")
        assert response.status_code == 403, role
    for role, status in (("admin", 200), ("auditor", 200), ("editor", 403), ("viewer", 403)):
        assert world.client(role).get(TOKENS).status_code == status, role


def test_the_command_prints_the_token_on_its_last_line_and_it_works(world):
    out = io.StringIO()
    call_command("create_scim_token", "--tenant", "acme", "--name", "Entra ID", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("scim_")
    client = ScimClient("acme", secret)
    assert client.get("Users").status_code == 200
    assert ScimClient("globex", secret).get("Users").status_code == 401
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="scim.token_created")
    assert event.actor_type == "system"
    assert event.changes == {"name": [None, "Entra ID"]}


def test_the_command_refuses_an_unknown_tenant(world):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no tenant"):
        call_command("create_scim_token", "--tenant", "nope", stdout=io.StringIO())


def test_provisioning_is_audited_with_the_token_as_actor(world):
    owner = world.client("owner")
    made = owner.post(TOKENS, {"name": "Okta"}, format="json").json()
    client = ScimClient("acme", made["secret"])
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "audit@acme.example.com",
    }
    user_id = client.post("Users", body).json()["id"]
    client.patch(f"Users/{user_id}", {"op": "replace", "value": {"active": False}})
    client.delete(f"Users/{user_id}")
    with tenant_context(world.acme):
        scim_events = list(
            AuditEvent.objects.filter(action__startswith="scim.user_").order_by("seq")
        )
    assert [e.action for e in scim_events] == [
        "scim.user_created",
        "scim.user_activated",
        "scim.user_deactivated",
        "scim.user_deleted",
    ]
    assert {(e.actor_type, e.actor_id) for e in scim_events} == {("scim_token", str(made["id"]))}
    assert {e.actor_display for e in scim_events} == {f"{made['prefix']} (Okta)"}
    # The audit log can be searched for what a token did.
    found = owner.get("/api/v1/tenants/acme/audit/events/", {"actor": f"scim_token:{made['id']}"})
    assert found.status_code == 200, found.content
    assert len(found.json()["results"]) == 4


def test_a_tokens_use_is_noted_so_rotation_can_be_checked(world, acme_token):
    assert acme_token.scim_token.last_used_at is None
    assert ScimClient("acme", acme_token.secret).get("Users").status_code == 200
    with tenant_context(world.acme):
        used = ScimToken.objects.get(pk=acme_token.scim_token.pk).last_used_at
    assert used is not None
    listed = world.client("owner").get(TOKENS).json()["results"]
    assert [t["last_used_at"] for t in listed if t["id"] == acme_token.scim_token.pk] != [None]
