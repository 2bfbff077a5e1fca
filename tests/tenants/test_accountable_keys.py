"""Every working API key answers to a person: the member who made it, or for a key made
with a key, that key's person; an operator names one. Removing the person revokes their
keys, and a smaller role for them (a demotion, or their custom role losing a permission)
revokes those of their keys that now hold more than they do."""

from __future__ import annotations

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent
from core.exceptions import ServiceError
from tenants import rbac
from tenants.context import platform_scope, tenant_context
from tenants.models import ApiKey, Membership, Role
from tenants.services.keys import EXCEEDS_PERSON, PERSON_LEFT, api_key_create
from tenants.services.members import member_remove
from tests import factories

BASE = "/api/v1/tenants/acme"
KEYS = f"{BASE}/api-keys/"
DIGESTS = f"{BASE}/digests/"
MEMBERS = f"{BASE}/members/"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def make_key(client: APIClient, role: str, name: str = "key") -> dict:
    response = client.post(KEYS, {"name": name, "role": role}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def stored(pk: int) -> ApiKey:
    with platform_scope():
        return ApiKey.objects.unscoped().select_related("accountable_person").get(pk=pk)


def membership_of(world, role: str) -> Membership:
    with tenant_context(world.acme):
        return Membership.objects.get(user=world.members[role])


def revocations(world) -> dict[str, object]:
    """Target display -> the reason each `api_key.revoked` event gives."""
    with tenant_context(world.acme):
        return {
            event.target_display: (event.changes.get("reason") or [None, None])[1]
            for event in AuditEvent.objects.filter(action="api_key.revoked")
        }


# --- Who a key answers to -------------------------------------------------------------------


def test_a_key_made_with_a_key_answers_to_that_keys_person(world):
    first = make_key(world.client("admin"), "admin", "first")
    assert first["accountable_person"] == "admin@acme.test"
    second = make_key(bearer(first["secret"]), "editor", "second")
    assert second["created_by"] is None  # no person made it in a session
    assert second["accountable_person"] == "admin@acme.test"
    assert stored(second["id"]).accountable_person == world.members["admin"]
    listed = world.client("admin").get(f"{KEYS}{second['id']}/").json()
    assert listed["accountable_person"] == "admin@acme.test"


def test_an_operator_must_name_a_person_for_a_key(world):
    with tenant_context(world.acme):
        viewer = Role.objects.get(slug="viewer")
        with pytest.raises(ServiceError) as refused:
            api_key_create(actor=None, name="nobody's", role=viewer)
    assert refused.value.code == "accountable_person_required"


def test_the_person_must_be_a_member_whose_role_holds_the_keys(world):
    with tenant_context(world.acme):
        admin_role = Role.objects.get(slug="admin")
        with pytest.raises(ServiceError) as outsider:
            api_key_create(
                actor=None, name="x", role=admin_role, accountable_person=world.globex_owner
            )
        with pytest.raises(ServiceError) as too_small:
            api_key_create(
                actor=None,
                name="x",
                role=admin_role,
                accountable_person=world.members["viewer"],
            )
    assert outsider.value.code == "accountable_person_not_member"
    assert too_small.value.code == "role_exceeds_accountable_person"


def test_the_database_refuses_a_working_key_without_a_person(world):
    made = factories.api_key(world.acme, "viewer")
    with pytest.raises(IntegrityError), transaction.atomic(), platform_scope():
        ApiKey.objects.unscoped().filter(pk=made.api_key.pk).update(accountable_person=None)
    with platform_scope():  # a revoked key may have none (keys revoked before 0007)
        ApiKey.objects.unscoped().filter(pk=made.api_key.pk).update(
            revoked_at="2026-01-01T00:00:00Z"
        )
        ApiKey.objects.unscoped().filter(pk=made.api_key.pk).update(accountable_person=None)


def run_create_api_key(*args: str) -> str:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def test_the_create_api_key_command_names_the_person(world):
    base = ["--tenant", "acme", "--role", "editor", "--name", "Importer"]
    with pytest.raises(CommandError, match="accountable-person"):
        run_create_api_key(*base)
    with pytest.raises(CommandError, match="no person"):
        run_create_api_key(*base, "--accountable-person", "ghost@acme.test")
    with pytest.raises(CommandError, match="not a member"):
        run_create_api_key(*base, "--accountable-person", world.globex_owner.email)
    with pytest.raises(CommandError, match="accountable person does not have"):
        run_create_api_key(*base, "--accountable-person", "viewer@acme.test")
    secret = run_create_api_key(*base, "--accountable-person", "Editor@Acme.test").splitlines()[-1]
    with platform_scope():
        key = ApiKey.objects.unscoped().get(prefix=secret.split("_")[1])
    assert key.accountable_person == world.members["editor"]


# --- Removal ----------------------------------------------------------------------------------


def test_removing_a_member_revokes_the_keys_made_with_their_keys(world):
    first = make_key(world.client("admin"), "admin", "first")
    second = make_key(bearer(first["secret"]), "admin", "second")
    third = make_key(bearer(second["secret"]), "viewer", "third")
    assert bearer(third["secret"]).get(DIGESTS).status_code == 200

    target = membership_of(world, "admin")
    assert world.client("owner").delete(f"{MEMBERS}{target.pk}/").status_code == 204

    for key in (first, second, third):
        assert bearer(key["secret"]).get(DIGESTS).status_code == 401
        assert stored(key["id"]).revoked_by == world.members["owner"]
    reasons = revocations(world)
    assert {reasons[f"{k['prefix']} ({k['name']})"] for k in (first, second, third)} == {
        PERSON_LEFT
    }


def test_removing_a_member_leaves_other_peoples_keys_working(world):
    theirs = make_key(world.client("admin"), "viewer", "theirs")
    others = make_key(world.client("owner"), "viewer", "others")
    target = membership_of(world, "admin")
    assert world.client("owner").delete(f"{MEMBERS}{target.pk}/").status_code == 204
    assert bearer(theirs["secret"]).get(DIGESTS).status_code == 401
    assert bearer(others["secret"]).get(DIGESTS).status_code == 200


# --- Demotion ---------------------------------------------------------------------------------


def test_demoting_a_member_revokes_the_keys_that_hold_more_than_their_new_role(world):
    admin_key = make_key(world.client("admin"), "admin", "admin key")
    viewer_key = make_key(world.client("admin"), "viewer", "viewer key")
    made_by_key = make_key(bearer(admin_key["secret"]), "editor", "made by key")

    target = membership_of(world, "admin")
    response = world.client("owner").patch(
        f"{MEMBERS}{target.pk}/", {"role": "viewer"}, format="json"
    )
    assert response.status_code == 200, response.content

    assert bearer(admin_key["secret"]).get(DIGESTS).status_code == 401
    assert bearer(made_by_key["secret"]).get(DIGESTS).status_code == 401
    assert bearer(viewer_key["secret"]).get(DIGESTS).status_code == 200  # within viewer
    reasons = revocations(world)
    assert reasons == {
        f"{admin_key['prefix']} (admin key)": EXCEEDS_PERSON,
        f"{made_by_key['prefix']} (made by key)": EXCEEDS_PERSON,
    }


def test_a_custom_role_losing_a_permission_revokes_keys_that_now_exceed_their_people(world):
    holds = sorted(rbac.PRESETS["viewer"].permissions | {"tenants.add_apikey"})
    factories.custom_role(world.acme, slug="key-keeper", permissions=holds)
    keeper = factories.member(world.acme, "key-keeper", email="keeper@acme.test")
    client = world.client(user=keeper)
    viewer_key = make_key(client, "viewer", "keeper's viewer key")
    assert bearer(viewer_key["secret"]).get(DIGESTS).status_code == 200

    shrunk = [p for p in holds if p != "digests.view_digest"]
    response = world.client("admin").patch(
        f"{BASE}/roles/{factories.role(world.acme, 'key-keeper').pk}/",
        {"permissions": shrunk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert bearer(viewer_key["secret"]).get(DIGESTS).status_code == 401
    assert revocations(world) == {f"{viewer_key['prefix']} (keeper's viewer key)": EXCEEDS_PERSON}


def test_a_key_holding_a_custom_role_that_grows_beyond_its_person_is_revoked(world):
    factories.custom_role(world.acme, slug="reader", permissions=["digests.view_digest"])
    key = make_key(world.client("admin"), "reader", "reader key")
    made = factories.api_key(
        world.acme, "reader", name="viewer's", accountable_person=world.members["viewer"]
    )
    response = world.client("admin").patch(
        f"{BASE}/roles/{factories.role(world.acme, 'reader').pk}/",
        {"permissions": ["digests.view_digest", "digests.view_unpublished_digest"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert bearer(made.token).get(DIGESTS).status_code == 401  # the viewer lacks drafts
    assert bearer(key["secret"]).get(DIGESTS).status_code == 200  # the admin holds them


# --- Existing keys: migration 0007 ----------------------------------------------------------


def _as_before_0007():
    """The keys table as before migration 0007: no check constraint, and (for the caller
    to arrange) no accountable person. Undone with the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE tenants_apikey DROP CONSTRAINT apikey_unrevoked_has_accountable_person"
        )


def _run_0007() -> list[str]:
    migration = importlib.import_module("tenants.migrations.0007_apikey_accountable_person")
    printed: list[str] = []
    with connection.schema_editor(atomic=False) as editor:
        migration.attribute_or_revoke(apps, editor, out=printed.append)
    return printed


def about(printed: list[str], *prefixes: str) -> list[str]:
    """The lines the migration printed about these keys (the world has others), sorted."""
    return sorted(line for line in printed if line.split(":")[0].split()[-1] in prefixes)


def _migration_events(tenant) -> dict[str, tuple[str, dict]]:
    """Target display -> (action, changes) of the events the migration wrote."""
    with tenant_context(tenant):
        return {
            event.target_display: (event.action, event.changes)
            for event in AuditEvent.objects.filter(
                actor_type="system", action__in=["api_key.attributed", "api_key.revoked"]
            )
        }


def test_the_migration_attributes_keys_made_by_keys_and_revokes_the_rest(world):
    parent = make_key(world.client("admin"), "admin", "parent")
    child = make_key(bearer(parent["secret"]), "viewer", "child")
    outranking = make_key(world.client("admin"), "admin", "outranking")
    _as_before_0007()
    with platform_scope():
        keys = ApiKey.objects.unscoped()
        # As before 0007: a key made by a key recorded no person.
        keys.update(accountable_person=None)
        keys.filter(pk=child["id"]).update(created_by=None)
        # The bug this fixes: the admin became a viewer and kept an admin key.
        Membership.objects.unscoped().filter(user=world.members["admin"]).update(
            role=Role.objects.unscoped().get(tenant=world.acme, slug="viewer")
        )
    printed = _run_0007()

    admin = world.members["admin"]
    assert stored(parent["id"]).accountable_person == admin  # its maker, recorded
    assert stored(parent["id"]).revoked_at is not None  # an admin key: beyond viewer
    assert stored(child["id"]).accountable_person == admin  # through its maker's event
    assert stored(child["id"]).revoked_at is None  # a viewer key: within viewer
    assert stored(outranking["id"]).revoked_at is not None
    assert about(printed, parent["prefix"], child["prefix"], outranking["prefix"]) == sorted(
        f"API key {k['prefix']}: revoked ({EXCEEDS_PERSON})" for k in (parent, outranking)
    )
    with platform_scope():
        unrevoked = ApiKey.objects.unscoped().filter(revoked_at__isnull=True)
        assert not unrevoked.filter(accountable_person__isnull=True).exists()


def test_the_migration_gives_keys_of_no_known_maker_to_the_earliest_owner(world):
    """Keys installed by the seeds or made by an operator's command recorded no maker:
    they are the operators' integrations, attributed to the tenant's first owner rather
    than revoked at deploy; only a tenant without an owner loses them. Each is printed
    and audited."""
    from audit.verify import verify_chain

    later_owner = factories.member(world.acme, "owner", email="second-owner@acme.test")
    installed = factories.api_key(world.acme, "admin", name="installed")
    ownerless = factories.tenant("ownerless", "No owner")
    factories.member(ownerless, "admin", email="admin@ownerless.test")
    orphan = factories.api_key(ownerless, "viewer", name="orphan")
    leaver = factories.member(world.acme, "admin", email="leaver@acme.test")
    left = make_key(world.client(user=leaver), "viewer", "left")
    _as_before_0007()
    with platform_scope():
        ApiKey.objects.unscoped().update(accountable_person=None, created_by=None)
    leaver.delete()  # its key's event still names them: a maker known, and gone
    printed = _run_0007()

    first_owner = world.members["owner"]
    assert first_owner != later_owner
    assert stored(installed.api_key.pk).accountable_person == first_owner
    assert stored(installed.api_key.pk).revoked_at is None
    assert bearer(installed.token).get(DIGESTS).status_code == 200
    assert stored(orphan.api_key.pk).accountable_person is None
    assert stored(orphan.api_key.pk).revoked_at is not None
    assert stored(left["id"]).revoked_at is not None
    assert stored(left["id"]).accountable_person is None
    prefixes = (installed.api_key.prefix, orphan.api_key.prefix, left["prefix"])
    assert about(printed, *prefixes) == sorted(
        [
            f"API key {installed.api_key.prefix}: attributed to owner@acme.test, an owner",
            f"API key {orphan.api_key.prefix}: revoked (no_accountable_person)",
            f"API key {left['prefix']}: revoked ({PERSON_LEFT})",
        ]
    )
    assert _migration_events(world.acme) == {
        f"{installed.api_key.prefix} (installed)": (
            "api_key.attributed",
            {"accountable_person": [None, "owner@acme.test"]},
        ),
        f"{left['prefix']} (left)": ("api_key.revoked", {"reason": [None, PERSON_LEFT]}),
    }
    assert _migration_events(ownerless) == {
        f"{orphan.api_key.prefix} (orphan)": (
            "api_key.revoked",
            {"reason": [None, "no_accountable_person"]},
        )
    }
    for tenant in (world.acme, ownerless):
        with tenant_context(tenant):
            assert verify_chain().ok


def test_the_migration_does_not_follow_the_live_presets():
    """What the presets held when 0007 was written is frozen in it: a later change to
    tenants.rbac does not change what the migration decides."""
    migration = importlib.import_module("tenants.migrations.0007_apikey_accountable_person")
    assert "rbac" not in vars(migration)
    assert set(migration.PRESET_PERMISSIONS) == set(rbac.PRESETS)
    assert migration.PRESET_PERMISSIONS["owner"] >= migration.PRESET_PERMISSIONS["admin"]


# --- The key cache ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_remembered_key_is_refused_once_its_person_is_removed(settings):
    """These revocations go the way every revocation goes (`api_key_revoke`), so a
    process that remembers the key forgets it at the commit."""
    from tenants import key_cache

    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 0.3
    try:
        listener = key_cache.listener()
        assert listener.wait_live(5.0)
        acme = factories.tenant("acme", "Acme Media")
        factories.member(acme, "owner", email="owner@acme.test")
        admin = factories.member(acme, "admin", email="admin@acme.test")
        session = APIClient()
        session.force_login(admin)
        first = make_key(session, "admin", "first")
        second = make_key(bearer(first["secret"]), "viewer", "second")
        for _ in range(2):  # the second request is served from memory
            assert bearer(second["secret"]).get(DIGESTS).status_code == 200
        assert listener.recall(stored(second["id"]).secret_hash) is not None

        with tenant_context(acme):
            member_remove(actor=None, membership=Membership.objects.get(user=admin))
        assert bearer(second["secret"]).get(DIGESTS).status_code == 401
        assert bearer(first["secret"]).get(DIGESTS).status_code == 401
    finally:
        key_cache.stop()


# --- A deactivated person ---------------------------------------------------------------------


def test_a_key_stops_working_when_its_person_is_deactivated(world):
    """An operator deactivates a user (`is_active`, in the admin): their keys stop with
    them, whether the key is looked up across tenants or in its remembered tenant."""
    made = factories.api_key(world.acme, "viewer", accountable_person=world.members["editor"])
    client = bearer(made.token)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200  # now looked up in its own tenant first

    editor = world.members["editor"]
    editor.is_active = False
    editor.save(update_fields=["is_active"])
    assert client.get(DIGESTS).status_code == 401

    editor.is_active = True
    editor.save(update_fields=["is_active"])
    assert client.get(DIGESTS).status_code == 200


def test_the_migration_skips_inactive_owners_and_revokes_keys_of_deleted_keys(world):
    """An earliest owner who is deactivated cannot answer for a key (their keys do not
    work): the next active owner does. A key made by a key deleted since has a maker
    known and gone: it is revoked, not handed to an owner."""
    later_owner = factories.member(world.acme, "owner", email="second-owner@acme.test")
    installed = factories.api_key(world.acme, "viewer", name="installed")
    parent = make_key(world.client("admin"), "admin", "parent")
    child = make_key(bearer(parent["secret"]), "viewer", "child")
    _as_before_0007()
    with platform_scope():
        keys = ApiKey.objects.unscoped()
        keys.update(accountable_person=None, created_by=None)
        keys.filter(pk=parent["id"]).delete()
    first_owner = world.members["owner"]
    first_owner.is_active = False
    first_owner.save(update_fields=["is_active"])
    _run_0007()

    assert stored(installed.api_key.pk).accountable_person == later_owner
    assert stored(installed.api_key.pk).revoked_at is None
    assert stored(child["id"]).revoked_at is not None
    assert stored(child["id"]).accountable_person is None
