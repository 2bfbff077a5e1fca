"""Every change the services make leaves an audit event, written in the same transaction,
saying who (user, API key or system), what, to which object, what changed and from where."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent
from digests.models import Digest
from tenants.context import tenant_context
from tenants.models import Membership, Role
from tenants.services.members import member_change_role, member_invite
from tests import factories
from tests.audit.helpers import BASE, actions, events, export, last_seq, only
from tests.digests.test_import import GRID, seed

UA = "AuditTest/1.0 (+https://example.test)"


def request_meta(request_id: str) -> dict:
    return {"HTTP_USER_AGENT": UA, "HTTP_X_REQUEST_ID": request_id}


def assert_user_actor(event: AuditEvent, user) -> None:
    assert (event.actor_type, event.actor_id, event.actor_display) == (
        AuditEvent.ActorType.USER,
        str(user.pk),
        user.email,
    )


def assert_from_request(event: AuditEvent, response, request_id: str) -> None:
    assert response["X-Request-ID"] == request_id
    assert event.request_id == request_id
    assert event.ip == "127.0.0.1"
    assert event.user_agent == UA


def membership_of(world, role: str) -> Membership:
    with tenant_context(world.acme):
        return Membership.objects.get(user=world.members[role])


# --- Members ------------------------------------------------------------------------------


def test_member_invited_through_the_api_records_actor_target_changes_and_request(world):
    admin = world.members["admin"]
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/members/",
        {"email": "newcomer@acme.test", "role": "editor"},
        **request_meta("req-invite-1"),
    )
    assert response.status_code == 201, response.content
    event = only(world.acme, "member.invited", after=start)
    assert_user_actor(event, admin)
    assert (event.target_type, event.target_id, event.target_display) == (
        "membership",
        str(response.json()["id"]),
        "newcomer@acme.test",
    )
    assert event.changes == {"role": [None, "editor"]}
    assert event.outcome == AuditEvent.Outcome.SUCCESS
    assert event.repeat_count == 1
    assert event.tenant_id == world.acme.pk
    assert_from_request(event, response, "req-invite-1")


def test_an_unacceptable_request_id_is_replaced_by_a_generated_one(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/members/",
        {"email": "other@acme.test", "role": "viewer"},
        HTTP_X_REQUEST_ID="bad id\nwith newline",
    )
    assert response.status_code == 201
    event = only(world.acme, "member.invited", after=start)
    assert event.request_id == response["X-Request-ID"]
    assert event.request_id and "\n" not in event.request_id


def test_member_role_changed_records_before_and_after(world):
    target = membership_of(world, "viewer")
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.patch(
        f"{BASE}/members/{target.pk}/", {"role": "editor"}, **request_meta("req-role-1")
    )
    assert response.status_code == 200, response.content
    event = only(world.acme, "member.role_changed", after=start)
    assert_user_actor(event, world.members["admin"])
    assert (event.target_type, event.target_id, event.target_display) == (
        "membership",
        str(target.pk),
        "viewer@acme.test",
    )
    assert event.changes == {"role": ["viewer", "editor"]}
    assert_from_request(event, response, "req-role-1")


def test_setting_the_same_role_again_records_nothing(world):
    target = membership_of(world, "viewer")
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.patch(f"{BASE}/members/{target.pk}/", {"role": "viewer"})
    assert response.status_code == 200
    assert events(world.acme, seq__gt=start) == []


def test_member_removed_records_the_role_taken_away(world):
    target = membership_of(world, "compliance")
    client = world.client("owner")
    start = last_seq(world.acme)
    response = client.delete(f"{BASE}/members/{target.pk}/", **request_meta("req-remove-1"))
    assert response.status_code == 204
    event = only(world.acme, "member.removed", after=start)
    assert_user_actor(event, world.members["owner"])
    assert (event.target_id, event.target_display) == (str(target.pk), "compliance@acme.test")
    assert event.changes == {"role": ["compliance", None]}
    assert_from_request(event, response, "req-remove-1")


def test_removal_and_demotion_record_each_key_they_revoke_and_why(world):
    """The keys a person answers to are revoked in the change's own request: each
    revocation is an event of its own, by the same actor, saying why."""
    admin = world.client("admin")
    keys = {}
    for name, role in (("admin key", "admin"), ("viewer key", "viewer")):
        made = admin.post(f"{BASE}/api-keys/", {"name": name, "role": role}, format="json")
        assert made.status_code == 201, made.content
        keys[name] = made.json()
    owner = world.client("owner")
    target = membership_of(world, "admin")

    start = last_seq(world.acme)
    response = owner.patch(
        f"{BASE}/members/{target.pk}/", {"role": "viewer"}, **request_meta("req-demote-keys")
    )
    assert response.status_code == 200, response.content
    assert [e.action for e in events(world.acme, seq__gt=start)] == [
        "member.role_changed",
        "api_key.revoked",
    ]
    event = only(world.acme, "api_key.revoked", after=start)
    assert_user_actor(event, world.members["owner"])
    assert event.target_id == str(keys["admin key"]["id"])
    assert event.changes == {"reason": [None, "role_exceeds_accountable_person"]}
    assert_from_request(event, response, "req-demote-keys")

    start = last_seq(world.acme)
    response = owner.delete(f"{BASE}/members/{target.pk}/", **request_meta("req-remove-keys"))
    assert response.status_code == 204
    assert [e.action for e in events(world.acme, seq__gt=start)] == [
        "member.removed",
        "api_key.revoked",
    ]
    event = only(world.acme, "api_key.revoked", after=start)
    assert_user_actor(event, world.members["owner"])
    assert event.target_id == str(keys["viewer key"]["id"])
    assert event.changes == {"reason": [None, "accountable_person_left"]}
    assert_from_request(event, response, "req-remove-keys")


def test_demoting_the_last_owner_is_refused_and_writes_no_event(world):
    target = membership_of(world, "owner")
    client = world.client("owner")
    start = last_seq(world.acme)
    response = client.patch(f"{BASE}/members/{target.pk}/", {"role": "viewer"})
    assert response.status_code == 409
    assert response.json()["code"] == "last_owner"
    assert events(world.acme, seq__gt=start) == []


def test_removing_the_last_owner_is_refused_and_writes_no_event(world):
    target = membership_of(world, "owner")
    client = world.client("owner")
    start = last_seq(world.acme)
    response = client.delete(f"{BASE}/members/{target.pk}/")
    assert response.status_code == 409
    assert events(world.acme, seq__gt=start) == []


def test_the_event_and_its_change_commit_or_roll_back_together(world, monkeypatch):
    """member_change_role writes its event before saving the membership: when the save
    fails, the event must disappear with it (same transaction)."""
    target = membership_of(world, "viewer")
    start = last_seq(world.acme)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Membership, "save", broken_save)
    with tenant_context(world.acme):
        editor = Role.objects.get(slug="editor")
        with pytest.raises(RuntimeError), transaction.atomic():
            member_change_role(actor=None, membership=target, role=editor)
    assert events(world.acme, seq__gt=start) == []
    with tenant_context(world.acme):
        assert Membership.objects.get(pk=target.pk).role.slug == "viewer"


def test_a_service_called_outside_a_request_is_recorded_as_the_system(world):
    start = last_seq(world.acme)
    with tenant_context(world.acme):
        member_invite(actor=None, email="seeded@acme.test", role=Role.objects.get(slug="viewer"))
    event = only(world.acme, "member.invited", after=start)
    assert (event.actor_type, event.actor_id, event.actor_display) == ("system", "", "system")
    assert (event.request_id, event.ip, event.user_agent) == ("", None, "")


# --- Roles --------------------------------------------------------------------------------


def test_role_created_updated_and_deleted_through_the_api(world):
    client = world.client("admin")
    admin = world.members["admin"]
    start = last_seq(world.acme)
    created = client.post(
        f"{BASE}/roles/",
        {"name": "Reviewers", "permissions": ["digests.view_digest"]},
        **request_meta("req-role-create"),
    )
    assert created.status_code == 201, created.content
    role_id = str(created.json()["id"])
    event = only(world.acme, "role.created", after=start)
    assert_user_actor(event, admin)
    assert (event.target_type, event.target_id, event.target_display) == (
        "role",
        role_id,
        "reviewers",
    )
    assert event.changes == {
        "name": [None, "Reviewers"],
        "permissions": [None, ["digests.view_digest"]],
    }
    assert_from_request(event, created, "req-role-create")

    start = last_seq(world.acme)
    updated = client.patch(
        f"{BASE}/roles/{role_id}/",
        {"name": "Senior reviewers", "permissions": ["digests.view_digest", "tenants.view_role"]},
    )
    assert updated.status_code == 200, updated.content
    event = only(world.acme, "role.updated", after=start)
    assert event.target_id == role_id
    assert event.changes == {
        "name": ["Reviewers", "Senior reviewers"],
        "permissions": [
            ["digests.view_digest"],
            ["digests.view_digest", "tenants.view_role"],
        ],
    }

    start = last_seq(world.acme)
    unchanged = client.patch(f"{BASE}/roles/{role_id}/", {"name": "Senior reviewers"})
    assert unchanged.status_code == 200
    assert events(world.acme, seq__gt=start) == []

    deleted = client.delete(f"{BASE}/roles/{role_id}/")
    assert deleted.status_code == 204
    event = only(world.acme, "role.deleted", after=start)
    assert (event.target_type, event.target_id, event.target_display) == (
        "role",
        role_id,
        "reviewers",
    )
    assert_user_actor(event, admin)


def test_deleting_a_role_in_use_is_refused_and_writes_no_event(world):
    role = factories.custom_role(world.acme, slug="held", permissions=[])
    factories.membership(world.acme, role, email="holder@acme.test")
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.delete(f"{BASE}/roles/{role.pk}/")
    assert response.status_code == 409
    assert events(world.acme, seq__gt=start) == []


# --- API keys -----------------------------------------------------------------------------


def test_api_key_created_and_revoked_never_carry_the_secret(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    created = client.post(
        f"{BASE}/api-keys/",
        {"name": "Intranet widget", "role": "viewer"},
        **request_meta("req-key-create"),
    )
    assert created.status_code == 201, created.content
    token = created.json()["secret"]
    prefix = created.json()["prefix"]
    key_id = str(created.json()["id"])
    event = only(world.acme, "api_key.created", after=start)
    assert_user_actor(event, world.members["admin"])
    assert (event.target_type, event.target_id, event.target_display) == (
        "apikey",
        key_id,
        f"{prefix} (Intranet widget)",
    )
    assert event.changes == {
        "role": [None, "viewer"],
        "accountable_person": [None, "admin@acme.test"],
    }
    assert_from_request(event, created, "req-key-create")

    revoked = client.delete(f"{BASE}/api-keys/{key_id}/")
    assert revoked.status_code == 204
    event = only(world.acme, "api_key.revoked", after=start)
    assert (event.target_id, event.target_display) == (key_id, f"{prefix} (Intranet widget)")
    assert_user_actor(event, world.members["admin"])

    secret_part = token.split("_", 2)[2]
    for export_format in ("jsonl", "csv"):
        _, text = export(client, export_format)
        raw = text.encode()
        assert prefix.encode() in raw  # the events are there...
        assert token.encode() not in raw  # ...the secret is not
        assert secret_part.encode() not in raw
    for each in events(world.acme):
        assert secret_part not in repr(each.__dict__)


def test_revoking_a_revoked_key_again_writes_nothing(world):
    new = factories.api_key(world.acme, "viewer", name="twice")
    client = world.client("admin")
    assert client.delete(f"{BASE}/api-keys/{new.api_key.pk}/").status_code == 204
    start = last_seq(world.acme)
    assert client.delete(f"{BASE}/api-keys/{new.api_key.pk}/").status_code == 204
    assert events(world.acme, seq__gt=start) == []


def test_changes_made_with_an_api_key_name_the_key_as_actor(world):
    new = factories.api_key(world.acme, "admin", name="Deploy bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.token}")
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/roles/",
        {"name": "Bot role", "permissions": []},
        **request_meta("req-bot"),
    )
    assert response.status_code == 201, response.content
    event = only(world.acme, "role.created", after=start)
    assert (event.actor_type, event.actor_id, event.actor_display) == (
        AuditEvent.ActorType.API_KEY,
        str(new.api_key.pk),
        f"{new.api_key.prefix} (Deploy bot)",
    )
    assert_from_request(event, response, "req-bot")


# --- Digests ------------------------------------------------------------------------------

DIGEST = {
    "title": "Audit trail episode",
    "publisher": "Test Radio",
    "published_on": "2025-04-02",
    "summary": "First summary.",
}


def test_digest_lifecycle_is_recorded_step_by_step(world):
    editor = world.members["editor"]
    client = world.client("editor")
    start = last_seq(world.acme)

    created = client.post(f"{BASE}/digests/", DIGEST, **request_meta("req-digest-1"))
    assert created.status_code == 201, created.content
    digest_id = str(created.json()["id"])
    event = only(world.acme, "digest.created", after=start)
    assert_user_actor(event, editor)
    assert (event.target_type, event.target_id, event.target_display) == (
        "digest",
        digest_id,
        "Audit trail episode",
    )
    assert event.changes == {
        "title": [None, "Audit trail episode"],
        "status": [None, "draft"],
    }
    assert_from_request(event, created, "req-digest-1")

    updated = client.patch(f"{BASE}/digests/{digest_id}/", {"summary": "Second summary."})
    assert updated.status_code == 200, updated.content
    assert only(world.acme, "digest.updated", after=start).changes == {
        "summary": ["First summary.", "Second summary."]
    }

    mark = last_seq(world.acme)
    same = client.patch(f"{BASE}/digests/{digest_id}/", {"summary": "Second summary."})
    assert same.status_code == 200
    assert events(world.acme, seq__gt=mark) == []

    assert client.post(f"{BASE}/digests/{digest_id}/publish/").status_code == 200
    assert only(world.acme, "digest.published", after=start).changes == {
        "status": ["draft", "published"]
    }
    assert client.post(f"{BASE}/digests/{digest_id}/archive/").status_code == 200
    assert only(world.acme, "digest.archived", after=start).changes == {
        "status": ["published", "archived"]
    }

    mark = last_seq(world.acme)
    refused = client.post(f"{BASE}/digests/{digest_id}/archive/")
    assert refused.status_code == 409
    assert events(world.acme, seq__gt=mark) == []

    admin = world.client("admin")
    access = admin.put(
        f"{BASE}/digests/{digest_id}/access/",
        {"restricted": True, "members": ["viewer@acme.test"], "roles": ["compliance"]},
    )
    assert access.status_code == 200, access.content
    event = only(world.acme, "digest.access_changed", after=start)
    assert_user_actor(event, world.members["admin"])
    assert event.changes == {
        "restricted": [False, True],
        "members": [[], ["viewer@acme.test"]],
        "roles": [[], ["compliance"]],
    }

    deleted = admin.delete(f"{BASE}/digests/{digest_id}/")
    assert deleted.status_code == 204
    event = only(world.acme, "digest.deleted", after=start)
    assert (event.target_id, event.target_display) == (digest_id, "Audit trail episode")
    with tenant_context(world.acme):
        assert not Digest.objects.filter(pk=digest_id).exists()

    assert [a for a in actions(world.acme)[start:] if a.startswith("digest.")] == [
        "digest.created",
        "digest.updated",
        "digest.published",
        "digest.archived",
        "digest.access_changed",
        "digest.deleted",
    ]


IMPORT = f"{BASE}/digests/import/"


def test_imports_record_created_and_updated_but_not_unchanged(world):
    client = world.client("editor")
    raw = seed(GRID)
    start = last_seq(world.acme)

    first = client.post(IMPORT, data=raw, content_type="text/plain", **request_meta("req-imp"))
    assert first.status_code == 200, first.content
    assert first.json()["created"] == 1
    digest_id = str(first.json()["files"][0]["id"])
    event = only(world.acme, "digest.import_created", after=start)
    assert_user_actor(event, world.members["editor"])
    assert event.target_id == digest_id
    assert event.changes["title"][0] is None
    assert event.changes["status"] == [None, "draft"]
    assert_from_request(event, first, "req-imp")

    mark = last_seq(world.acme)
    again = client.post(IMPORT, data=raw, content_type="text/plain")
    assert again.json()["unchanged"] == 1
    assert events(world.acme, seq__gt=mark) == []

    text = raw.decode("utf-8")
    old_line = "Lithium iron phosphate dominates new stationary installations."
    assert old_line in text
    changed = text.replace(old_line, "Sodium-ion cells are arriving in stationary storage.")
    third = client.post(IMPORT, data=changed.encode(), content_type="text/plain")
    assert third.json()["updated"] == 1, third.content
    event = only(world.acme, "digest.import_updated", after=mark)
    assert event.target_id == digest_id
    before, after = event.changes["key_points"]
    assert old_line in before and old_line not in after
    assert "search_text" not in event.changes


# --- Sign-ins -----------------------------------------------------------------------------

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory


@pytest.fixture
def two_tenant_user(world):
    user = factories.member(world.acme, "viewer", email="both@acme.test")
    factories.membership(world.globex, factories.role(world.globex, "viewer"), email=user.email)
    return user


def sign_in(password: str, email: str = "both@acme.test", request_id: str = "req-login"):
    from django.test import Client

    return Client().post(
        "/api/auth/login/",
        {"username": email, "password": password},
        **request_meta(request_id),
    )


def test_a_sign_in_is_recorded_in_every_tenant_of_the_person(world, two_tenant_user):
    starts = {t.slug: last_seq(t) for t in (world.acme, world.globex)}
    response = sign_in(PASSWORD)
    assert response.status_code == 302, response.content
    for tenant in (world.acme, world.globex):
        event = only(tenant, "auth.sign_in", after=starts[tenant.slug])
        assert_user_actor(event, two_tenant_user)
        assert (event.target_type, event.target_id) == ("user", str(two_tenant_user.pk))
        assert event.changes == {"method": "password"}
        assert event.outcome == AuditEvent.Outcome.SUCCESS
        assert_from_request(event, response, "req-login")


def test_a_failed_sign_in_is_recorded_in_every_tenant_of_the_person(world, two_tenant_user):
    starts = {t.slug: last_seq(t) for t in (world.acme, world.globex)}
    response = sign_in("hunter2-attempt", request_id="req-bad-login")
    assert response.status_code == 200  # the form again, with an error
    for tenant in (world.acme, world.globex):
        assert events(tenant, action="auth.sign_in", seq__gt=starts[tenant.slug]) == []
        event = only(tenant, "auth.sign_in_failed", after=starts[tenant.slug])
        assert event.outcome == AuditEvent.Outcome.FAILURE
        assert event.changes["method"] == "password"
        assert event.changes["reason"]
        assert "hunter2" not in repr(event.__dict__)  # the attempted password is not kept
        assert event.target_id == str(two_tenant_user.pk)
        assert_from_request(event, response, "req-bad-login")


def test_a_failed_sign_in_for_an_unknown_address_is_in_no_tenant_log(world):
    starts = {t.slug: last_seq(t) for t in (world.acme, world.globex)}
    response = sign_in("whatever", email="nobody@nowhere.test")
    assert response.status_code == 200
    for tenant in (world.acme, world.globex):
        assert events(tenant, seq__gt=starts[tenant.slug]) == []


# --- Denied attempts ----------------------------------------------------------------------


def test_a_refused_request_is_recorded_although_the_request_is_refused(world):
    viewer = world.members["viewer"]
    client = world.client("viewer")
    start = last_seq(world.acme)
    response = client.get(f"{BASE}/members/", **request_meta("req-denied"))
    assert response.status_code == 403
    event = only(world.acme, "authorization.denied", after=start)
    assert_user_actor(event, viewer)
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.repeat_count == 1
    assert (event.target_type, event.target_display) == (
        "endpoint",
        "GET /api/v1/tenants/acme/members/",
    )
    assert event.changes == {
        "permission": "tenants.view_membership",
        "action": "MemberViewSet.list",
    }
    assert_from_request(event, response, "req-denied")


def test_identical_denials_are_counted_not_each_written(world):
    client = world.client("viewer")
    start = last_seq(world.acme)
    for _ in range(25):
        assert client.get(f"{BASE}/members/").status_code == 403
    denied = events(world.acme, action="authorization.denied", seq__gt=start)
    assert [e.repeat_count for e in denied] == [1, 10]
    assert {e.actor_display for e in denied} == {"viewer@acme.test"}


def test_denials_by_different_people_are_counted_apart(world):
    start = last_seq(world.acme)
    for role in ("viewer", "compliance"):
        client = world.client(role)
        for _ in range(2):
            assert client.post(f"{BASE}/roles/", {"name": "x", "permissions": []}).status_code == (
                403
            )
    denied = events(world.acme, action="authorization.denied", seq__gt=start)
    assert sorted((e.actor_display, e.repeat_count) for e in denied) == [
        ("compliance@acme.test", 1),
        ("viewer@acme.test", 1),
    ]


def test_a_denied_api_key_is_recorded_as_the_key(world):
    new = factories.api_key(world.acme, "viewer", name="Reader")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.token}")
    start = last_seq(world.acme)
    assert client.get(f"{BASE}/members/").status_code == 403
    event = only(world.acme, "authorization.denied", after=start)
    assert (event.actor_type, event.actor_id) == ("api_key", str(new.api_key.pk))
    assert event.actor_display == f"{new.api_key.prefix} (Reader)"


def test_nothing_is_written_for_an_outsider_who_gets_404(world):
    client = world.client(user=world.globex_owner)
    starts = {t.slug: last_seq(t) for t in (world.acme, world.globex)}
    response = client.get(f"{BASE}/members/")
    assert response.status_code == 404
    for tenant in (world.acme, world.globex):
        assert events(tenant, seq__gt=starts[tenant.slug]) == []


# --- Committed for real (transaction=True): what production sees --------------------------


@pytest.mark.django_db(transaction=True)
def test_a_denial_is_committed_although_the_request_transaction_rolls_back(world):
    client = world.client("viewer")
    start = last_seq(world.acme)
    response = client.get(f"{BASE}/members/", **request_meta("req-committed-denial"))
    assert response.status_code == 403
    event = only(world.acme, "authorization.denied", after=start)
    assert event.request_id == "req-committed-denial"
    assert event.outcome == AuditEvent.Outcome.DENIED


@pytest.mark.django_db(transaction=True)
def test_a_request_that_fails_after_recording_leaves_no_event(world, monkeypatch):
    target = membership_of(world, "viewer")
    client = world.client("admin")
    client.raise_request_exception = False
    start = last_seq(world.acme)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Membership, "save", broken_save)
    response = client.patch(f"{BASE}/members/{target.pk}/", {"role": "editor"})
    assert response.status_code == 500
    assert events(world.acme, action="member.role_changed", seq__gt=start) == []
    monkeypatch.undo()
    with tenant_context(world.acme):
        assert Membership.objects.get(pk=target.pk).role.slug == "viewer"


# --- Client addresses behind a proxy ------------------------------------------------------


@pytest.fixture
def behind_one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


@pytest.mark.usefixtures("behind_one_proxy")
def test_the_forwarded_client_address_is_recorded_behind_a_proxy(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/roles/",
        {"name": "Proxied", "permissions": []},
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",
    )
    assert response.status_code == 201
    assert only(world.acme, "role.created", after=start).ip == "203.0.113.7"


@pytest.mark.usefixtures("behind_one_proxy")
def test_a_forwarded_address_with_a_port_does_not_break_audited_writes(world):
    client = world.client("admin")
    client.raise_request_exception = False
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/roles/",
        {"name": "Ported", "permissions": []},
        HTTP_X_FORWARDED_FOR="203.0.113.7:4711",
    )
    assert response.status_code == 201
    assert only(world.acme, "role.created", after=start).ip in ("203.0.113.7", None)
