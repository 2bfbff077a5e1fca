"""Members (invite, change role, remove), roles (custom, presets) and last-owner protection."""

from __future__ import annotations

import pytest

from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership, Role, User
from tests import factories

BASE = "/api/v1/tenants/acme"


def membership_of(world, user):
    with tenant_context(world.acme):
        return Membership.objects.get(user=user)


def test_admin_invites_a_new_person(world):
    response = world.client("admin").post(
        f"{BASE}/members/", {"email": "New.Person@Acme.test", "role": "editor"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["email"] == "new.person@acme.test"
    assert body["role"] == "editor"
    user = User.objects.get(email="new.person@acme.test")
    assert not user.has_usable_password()  # signs in through SSO or a reset, never a default
    assert user.groups.filter(tenant_role__slug="editor").exists()


def test_inviting_an_existing_member_conflicts(world):
    response = world.client("admin").post(
        f"{BASE}/members/", {"email": "viewer@acme.test", "role": "editor"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"


def test_a_person_can_belong_to_several_tenants(world):
    response = world.client("owner").post(
        f"{BASE}/members/", {"email": world.globex_owner.email, "role": "viewer"}, format="json"
    )
    assert response.status_code == 201
    me = world.client(user=world.globex_owner).get("/api/v1/me").json()
    assert {m["tenant"]["slug"] for m in me["memberships"]} == {"acme", "globex"}


def test_inviting_a_member_of_another_tenant_shows_nothing_of_their_activity_there(world):
    """Their sign-ins before joining were made as another tenant's member: neither the
    invitation's answer nor the member list shows them; sign-ins since joining show."""
    from django.contrib.auth.models import update_last_login

    update_last_login(None, world.globex_owner)  # signed in, as globex's owner
    response = world.client("owner").post(
        f"{BASE}/members/", {"email": world.globex_owner.email, "role": "viewer"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["last_login"] is None
    listed = world.client("owner").get(f"{BASE}/members/{response.json()['id']}/").json()
    assert listed["last_login"] is None

    update_last_login(None, world.globex_owner)  # signs in again, now a member here too
    listed = world.client("owner").get(f"{BASE}/members/{response.json()['id']}/").json()
    assert listed["last_login"] is not None


def test_admin_changes_a_role(world):
    target = membership_of(world, world.members["viewer"])
    response = world.client("admin").patch(
        f"{BASE}/members/{target.pk}/", {"role": "editor"}, format="json"
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert target.role.slug == "editor"
    user = world.members["viewer"]
    assert set(user.groups.values_list("tenant_role__slug", flat=True)) == {"editor"}


def test_admin_cannot_make_or_unmake_owners(world):
    client = world.client("admin")
    viewer = membership_of(world, world.members["viewer"])
    owner = membership_of(world, world.members["owner"])
    promote = client.patch(f"{BASE}/members/{viewer.pk}/", {"role": "owner"}, format="json")
    demote = client.patch(f"{BASE}/members/{owner.pk}/", {"role": "viewer"}, format="json")
    remove = client.delete(f"{BASE}/members/{owner.pk}/")
    assert [promote.status_code, demote.status_code, remove.status_code] == [403, 403, 403]
    assert promote.json()["code"] == "owner_only"
    owner.refresh_from_db()
    assert owner.role.slug == "owner"


def test_last_owner_can_be_neither_demoted_nor_removed(world):
    client = world.client("owner")
    owner = membership_of(world, world.members["owner"])
    demote = client.patch(f"{BASE}/members/{owner.pk}/", {"role": "admin"}, format="json")
    assert demote.status_code == 409
    assert demote.json()["code"] == "last_owner"
    remove = client.delete(f"{BASE}/members/{owner.pk}/")
    assert remove.status_code == 409
    assert remove.json()["code"] == "last_owner"
    owner.refresh_from_db()
    assert owner.role.slug == "owner"


def test_with_a_second_owner_the_first_can_step_down(world):
    client = world.client("owner")
    admin = membership_of(world, world.members["admin"])
    assert (
        client.patch(f"{BASE}/members/{admin.pk}/", {"role": "owner"}, format="json").status_code
        == 200
    )
    me = membership_of(world, world.members["owner"])
    assert (
        client.patch(f"{BASE}/members/{me.pk}/", {"role": "viewer"}, format="json").status_code
        == 200
    )
    # Now admin@ is the only owner again and is protected.
    second = world.client("admin")
    response = second.patch(f"{BASE}/members/{admin.pk}/", {"role": "viewer"}, format="json")
    assert response.json()["code"] == "last_owner"


def test_removing_a_member_ends_their_access(world):
    target = membership_of(world, world.members["editor"])
    assert world.client("admin").delete(f"{BASE}/members/{target.pk}/").status_code == 204
    response = world.client("editor").get(f"{BASE}/roles/")
    assert response.status_code == 404


def test_members_can_be_filtered_by_role(world):
    response = world.client("admin").get(f"{BASE}/members/", {"role": "auditor"})
    assert [m["user"]["email"] for m in response.json()["results"]] == ["auditor@acme.test"]


def test_roles_list_presets_with_their_permissions(world):
    response = world.client("auditor").get(f"{BASE}/roles/")
    assert response.status_code == 200
    roles = {r["slug"]: r for r in response.json()["results"]}
    assert set(rbac.PRESETS) <= set(roles)
    assert roles["auditor"]["permissions"] == sorted(rbac.PRESETS["auditor"].permissions)
    assert roles["owner"]["member_count"] == 1
    assert all(roles[slug]["preset"] for slug in rbac.PRESETS)


def test_admin_creates_edits_and_deletes_a_custom_role(world):
    client = world.client("admin")
    created = client.post(
        f"{BASE}/roles/",
        {"name": "Key keeper", "permissions": ["tenants.view_apikey", "tenants.add_apikey"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    role = created.json()
    assert role["slug"] == "key-keeper"
    assert role["permissions"] == ["tenants.add_apikey", "tenants.view_apikey"]
    edited = client.patch(
        f"{BASE}/roles/{role['id']}/", {"permissions": ["tenants.view_apikey"]}, format="json"
    )
    assert edited.json()["permissions"] == ["tenants.view_apikey"]
    assert client.delete(f"{BASE}/roles/{role['id']}/").status_code == 204
    with tenant_context(world.acme):
        assert not Role.objects.filter(slug="key-keeper").exists()


def test_unknown_permissions_are_refused(world):
    response = world.client("admin").post(
        f"{BASE}/roles/", {"name": "Bad", "permissions": ["tenants.fly"]}, format="json"
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("permissions.0", "unknown_permission")
    assert "tenants.fly" in error["message"]


def test_presets_cannot_be_edited_or_deleted(world):
    client = world.client("owner")
    viewer = factories.role(world.acme, "viewer")
    assert (
        client.patch(f"{BASE}/roles/{viewer.pk}/", {"name": "x"}, format="json").status_code == 409
    )
    assert client.delete(f"{BASE}/roles/{viewer.pk}/").status_code == 409


def test_a_role_in_use_cannot_be_deleted(world):
    role = factories.custom_role(world.acme, slug="busy", permissions=[])
    factories.membership(world.acme, role, email="busy@acme.test")
    response = world.client("admin").delete(f"{BASE}/roles/{role.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "role_in_use"


def test_nobody_grants_more_than_they_hold(world):
    """A member manager may invite people, but not into a role stronger than their own."""
    manager_role = factories.custom_role(
        world.acme,
        slug="people",
        permissions=[
            "tenants.view_membership",
            "tenants.add_membership",
            "tenants.view_role",
            "digests.view_digest",
            "licensing.view_source",
        ],
    )
    manager = factories.membership(world.acme, manager_role, email="people@acme.test").user
    client = world.client(user=manager)
    weak = client.post(
        f"{BASE}/members/", {"email": "a@acme.test", "role": "viewer"}, format="json"
    )
    strong = client.post(
        f"{BASE}/members/", {"email": "b@acme.test", "role": "admin"}, format="json"
    )
    assert weak.status_code == 201
    assert strong.status_code == 403
    assert strong.json()["code"] == "role_exceeds_yours"
    assert not User.objects.filter(email="b@acme.test").exists()


def test_custom_roles_cannot_hold_more_than_their_author(world):
    builder = factories.custom_role(
        world.acme, slug="builder", permissions=["tenants.add_role", "tenants.view_role"]
    )
    user = factories.membership(world.acme, builder, email="builder@acme.test").user
    response = world.client(user=user).post(
        f"{BASE}/roles/", {"name": "Sneaky", "permissions": ["tenants.add_apikey"]}, format="json"
    )
    assert response.status_code == 403


def test_permission_catalogue_lists_every_entry(world):
    response = world.client("viewer").get(f"{BASE}/permissions/")
    assert response.status_code == 200
    assert [p["codename"] for p in response.json()] == [e.codename for e in rbac.CATALOGUE]


def test_me_lists_memberships_with_roles_and_permissions(world):
    response = world.client("editor").get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "editor@acme.test"
    assert body["memberships"] == [
        {
            "tenant": {"slug": "acme", "name": "Acme Media", "status": "active"},
            "role": {"slug": "editor", "name": "Editor"},
            "permissions": sorted(rbac.PRESETS["editor"].permissions),
        }
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("published_at", "published-at"),
        ("a" * 49 + " bbb", "a" * 49),
        ("Key  Keeper!", "key-keeper"),
    ],
)
def test_slugs_made_from_names_follow_the_slug_rules(world, name, slug):
    role = world.client("admin").post(
        f"{BASE}/roles/", {"name": name, "permissions": []}, format="json"
    )
    policy = world.client("admin").post(
        "/api/v1/tenants/acme/policies/", {"name": name}, format="json"
    )
    assert (role.status_code, policy.status_code) == (201, 201), (role.content, policy.content)
    assert role.json()["slug"] == policy.json()["slug"] == slug


def test_a_removed_member_invited_again_has_no_grant_from_before(world):
    """Removal withdraws the person's grants on restricted digests: invited again, even
    with the same role, they see what that role sees, not what was once shared with them."""
    from digests import services as digest_services

    viewer = world.members["viewer"]
    secret = factories.digest(world.acme, title="Shared with one person")
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=secret, restricted=True, members=[viewer], roles=[]
        )
    url = f"{BASE}/digests/{secret.pk}/"
    assert world.client("viewer").get(url).status_code == 200
    owner = world.client("owner")
    removed = owner.delete(f"{BASE}/members/{membership_of(world, viewer).pk}/")
    assert removed.status_code == 204
    invited = owner.post(
        f"{BASE}/members/", {"email": viewer.email, "role": "viewer"}, format="json"
    )
    assert invited.status_code == 201, invited.content
    assert world.client("viewer").get(url).status_code == 404
    access = owner.get(f"{url}access/").json()
    assert access["members"] == []
