"""SCIM Groups: their display names are the SSO mapping's group names, so joining or
leaving one gives a member the role the mapping says (first matching entry, as at SSO
sign-in), never the owner role."""

from __future__ import annotations

import pytest

from audit.models import AuditEvent
from sso.models import Connection
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership
from tests import factories
from tests.scim.conftest import group_body, user_body

MAPPING = [
    {"group": "Platform Admins", "role": "admin"},
    {"group": "Digest Editors", "role": "editor"},
]


@pytest.fixture
def connection(world):
    return factories.sso_connection(world.acme, name="Okta", group_roles=MAPPING)


def role_of(world, user_id) -> str | None:
    with tenant_context(world.acme):
        m = Membership.objects.select_related("role").filter(user_id=user_id).first()
    return m.role.slug if m else None


def new_user(scim, email: str) -> str:
    response = scim.post("Users", user_body(email))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_creating_a_group_with_members_gives_them_the_mapped_role(world, scim, connection):
    grace = new_user(scim, "grace@acme.example.com")
    assert role_of(world, grace) == rbac.VIEWER  # the connection's default role
    response = scim.post("Groups", group_body("Digest Editors", grace, externalId="g-1"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["displayName"] == "Digest Editors"
    assert body["externalId"] == "g-1"
    assert body["members"] == [{"value": grace, "display": "grace@acme.example.com"}]
    assert role_of(world, grace) == rbac.EDITOR
    assert scim.get(f"Users/{grace}").json()["groups"] == [
        {"value": body["id"], "display": "Digest Editors"}
    ]
    again = scim.post("Groups", group_body("digest editors", grace))
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"


def test_list_filter_and_get_groups(world, scim, connection):
    ids = [scim.post("Groups", group_body(n)).json()["id"] for n in ("Digest Editors", "Other")]
    listed = scim.get("Groups").json()
    assert listed["totalResults"] == 2
    found = scim.get("Groups", filter='displayName eq "digest editors"').json()
    assert [g["id"] for g in found["Resources"]] == [ids[0]]
    assert scim.get("Groups", count=1, startIndex=2).json()["Resources"][0]["id"] == ids[1]
    assert scim.get(f"Groups/{ids[1]}").json()["displayName"] == "Other"
    assert scim.get("Groups/99999").status_code == 404
    bad = scim.get("Groups", filter='members.value eq "1"')
    assert bad.status_code == 400
    assert bad.json()["scimType"] == "invalidFilter"


def test_okta_and_entra_member_patches_add_and_remove_roles(world, scim, connection):
    grace = new_user(scim, "grace@acme.example.com")
    linus = new_user(scim, "linus@acme.example.com")
    group = scim.post("Groups", group_body("Digest Editors")).json()["id"]
    add = {"op": "Add", "path": "members", "value": [{"value": grace}, {"value": linus}]}
    for _ in range(2):
        response = scim.patch(f"Groups/{group}", add)
        assert response.status_code == 200, response.content
        assert {m["value"] for m in response.json()["members"]} == {grace, linus}
    assert role_of(world, grace) == role_of(world, linus) == rbac.EDITOR

    # Okta: a filter in the path.
    okta = {"op": "remove", "path": f'members[value eq "{grace}"]'}
    assert scim.patch(f"Groups/{group}", okta).status_code == 200
    assert role_of(world, grace) == rbac.VIEWER
    # Entra ID: the members to remove as a value, which RFC 7644 does not allow.
    entra = {"op": "Remove", "path": "members", "value": [{"value": linus}]}
    for _ in range(2):
        response = scim.patch(f"Groups/{group}", entra)
        assert response.status_code == 200, response.content
        assert response.json().get("members") is None
    assert role_of(world, linus) == rbac.VIEWER
    with tenant_context(world.acme):
        changed = AuditEvent.objects.filter(action="scim.role_changed").count()
        updated = AuditEvent.objects.filter(action="scim.group_updated").count()
    assert changed == 4  # two up, two down; the repeats changed nothing
    assert updated == 3


def test_the_first_matching_mapping_entry_wins(world, scim, connection):
    grace = new_user(scim, "grace@acme.example.com")
    scim.post("Groups", group_body("Digest Editors", grace))
    admins = scim.post("Groups", group_body("Platform Admins", grace)).json()["id"]
    assert role_of(world, grace) == rbac.ADMIN
    assert scim.delete(f"Groups/{admins}").status_code == 204
    assert role_of(world, grace) == rbac.EDITOR
    assert scim.delete(f"Groups/{admins}").status_code == 404


def test_renaming_a_group_remaps_its_members(world, scim, connection):
    grace = new_user(scim, "grace@acme.example.com")
    group = scim.post("Groups", group_body("Editors-to-be", grace)).json()["id"]
    assert role_of(world, grace) == rbac.VIEWER
    rename = {"op": "replace", "value": {"id": group, "displayName": "Digest Editors"}}
    assert scim.patch(f"Groups/{group}", rename).status_code == 200
    assert role_of(world, grace) == rbac.EDITOR
    put = scim.put(f"Groups/{group}", group_body("Nobody maps this", grace))
    assert put.status_code == 200
    assert role_of(world, grace) == rbac.VIEWER


def test_groups_never_grant_the_owner_role_nor_change_an_owner(world, scim, connection):
    # A mapping naming the owner role cannot be saved through the API; force one.
    with tenant_context(world.acme):
        Connection.objects.filter(pk=connection.pk).update(
            group_roles=[{"group": "Owners", "role": "owner"}, *MAPPING]
        )
    grace = new_user(scim, "grace@acme.example.com")
    owner = str(world.members["owner"].pk)
    response = scim.post("Groups", group_body("Owners", grace, owner))
    assert response.status_code == 201, response.content
    assert role_of(world, grace) == rbac.VIEWER
    scim.post("Groups", group_body("Digest Editors", owner))
    assert role_of(world, owner) == rbac.OWNER


def test_without_a_connection_members_get_the_viewer_role(world, scim):
    grace = new_user(scim, "grace@acme.example.com")
    scim.post("Groups", group_body("Digest Editors", grace))
    assert role_of(world, grace) == rbac.VIEWER


def test_members_must_be_users_of_this_tenant(world, scim, connection):
    response = scim.post("Groups", group_body("Digest Editors", world.globex_owner.pk))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    with tenant_context(world.acme):
        assert not AuditEvent.objects.filter(action="scim.group_created").exists()


def test_a_deactivated_member_keeps_groups_and_comes_back_with_their_role(world, scim, connection):
    grace = new_user(scim, "grace@acme.example.com")
    scim.post("Groups", group_body("Digest Editors", grace))
    scim.patch(f"Users/{grace}", {"op": "replace", "value": {"active": False}})
    assert role_of(world, grace) is None
    scim.patch(f"Users/{grace}", {"op": "replace", "value": {"active": True}})
    assert role_of(world, grace) == rbac.EDITOR
