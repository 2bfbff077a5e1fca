"""Invitations by e-mail, end to end: the API sends a message through a real SMTP server,
the link in it lets the person in once, and resending, revoking and expiry close it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from tenants.context import platform_scope, tenant_context
from tenants.models import Invitation, Membership, User
from tests import factories

MEMBERS = "/api/v1/tenants/acme/members/"
INVITATIONS = "/api/v1/tenants/acme/invitations/"
GOOD_PASSWORD = "a-long-unusual-passphrase-42"


@pytest.fixture
def send_at_commit(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the mail), as a real request's commit would."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def invite(world, send_at_commit, email: str, role: str = "editor", by: str = "owner"):
    response = send_at_commit(
        lambda: world.client(by).post(MEMBERS, {"email": email, "role": role}, format="json")
    )
    assert response.status_code == 201, response.content
    return response.json()


def link_in(mailbox, email: str, count: int = 1) -> str:
    message = mailbox.wait_for(email, count)[count - 1]
    (link,) = [link for link in message.links() if "/accounts/invitations/" in link]
    return urlsplit(link).path


def invitation_of(world, email: str) -> Invitation:
    with tenant_context(world.acme):
        return Invitation.objects.select_related("user").filter(user__email=email).first()


def events(world, action: str) -> list[AuditEvent]:
    with tenant_context(world.acme):
        return list(AuditEvent.objects.filter(action=action))


def test_an_invited_person_sets_a_password_and_lands_in_the_tenant(world, mailbox, send_at_commit):
    invite(world, send_at_commit, "new.editor@acme.test")
    (message,) = mailbox.wait_for("new.editor@acme.test")
    assert "owner@acme.test invited you to Acme Media" in message.subject
    assert "as Editor" in message.text and "as <strong>Editor</strong>" in message.html
    path = link_in(mailbox, "new.editor@acme.test")

    browser = Client()
    page = browser.get(path)
    assert page.status_code == 200
    assert b"Join Acme Media" in page.content and b"new.editor@acme.test" in page.content

    answer = browser.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/welcome/acme/"
    assert b"as <strong>Editor</strong>" in browser.get(answer["Location"]).content
    me = browser.get("/api/v1/me").json()
    assert [(m["tenant"]["slug"], m["role"]["slug"]) for m in me["memberships"]] == [
        ("acme", "editor")
    ]
    # The password works from now on.
    assert Client().login(username="new.editor@acme.test", password=GOOD_PASSWORD)

    invitation = invitation_of(world, "new.editor@acme.test")
    assert invitation.accepted_with == "password" and invitation.sent_at is not None
    assert [e.target_display for e in events(world, "member.invitation_accepted")] == [
        "new.editor@acme.test"
    ]
    listed = world.client("admin").get(INVITATIONS, {"state": "accepted"}).json()["results"]
    assert [(i["email"], i["state"], i["send_count"]) for i in listed] == [
        ("new.editor@acme.test", "accepted", 1)
    ]

    # Once only.
    again = Client().get(path)
    assert again.status_code == 404 and b"cannot be used" in again.content


def test_the_password_must_pass_the_validators_and_nothing_changes_until_it_does(
    world, mailbox, send_at_commit
):
    invite(world, send_at_commit, "weak@acme.test")
    path = link_in(mailbox, "weak@acme.test")
    answer = Client().post(path, {"new_password1": "password", "new_password2": "password"})
    assert answer.status_code == 400
    assert b"This password is too common." in answer.content
    assert invitation_of(world, "weak@acme.test").accepted_at is None
    assert not User.objects.get(email="weak@acme.test").has_usable_password()


def test_resending_replaces_the_link_and_revoking_closes_it_and_the_membership(
    world, mailbox, send_at_commit
):
    invite(world, send_at_commit, "twice@acme.test")
    first = link_in(mailbox, "twice@acme.test")
    pk = invitation_of(world, "twice@acme.test").pk

    resent = send_at_commit(lambda: world.client("admin").post(f"{INVITATIONS}{pk}/resend/"))
    assert resent.status_code == 200 and resent.json()["state"] == "pending"
    second = link_in(mailbox, "twice@acme.test", count=2)
    assert second != first
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert invitation_of(world, "twice@acme.test").send_count == 2

    revoked = world.client("admin").delete(f"{INVITATIONS}{pk}/")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert Client().get(second).status_code == 404
    with tenant_context(world.acme):
        assert not Membership.objects.filter(user__email="twice@acme.test").exists()
    assert [e.action for e in events(world, "member.invitation_revoked")] == [
        "member.invitation_revoked"
    ]
    closed = world.client("admin").post(f"{INVITATIONS}{pk}/resend/")
    assert closed.status_code == 409 and closed.json()["code"] == "invitation_closed"


def test_removing_the_member_closes_their_invitation(world, mailbox, send_at_commit):
    invite(world, send_at_commit, "gone@acme.test")
    path = link_in(mailbox, "gone@acme.test")
    with tenant_context(world.acme):
        membership = Membership.objects.get(user__email="gone@acme.test")
    assert world.client("admin").delete(f"{MEMBERS}{membership.pk}/").status_code == 204
    assert Client().get(path).status_code == 404
    assert invitation_of(world, "gone@acme.test").state_at(timezone.now()) == "revoked"


def test_an_expired_link_is_refused_and_can_be_sent_again(world, mailbox, send_at_commit):
    invite(world, send_at_commit, "late@acme.test")
    path = link_in(mailbox, "late@acme.test")
    with tenant_context(world.acme):
        Invitation.objects.filter(user__email="late@acme.test").update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    refused = Client().post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert refused.status_code == 404 and b"expired" in refused.content
    assert not User.objects.get(email="late@acme.test").has_usable_password()
    listed = world.client("admin").get(INVITATIONS, {"state": "expired"}).json()["results"]
    assert [i["email"] for i in listed] == ["late@acme.test"]
    pk = listed[0]["id"]
    assert (
        send_at_commit(lambda: world.client("admin").post(f"{INVITATIONS}{pk}/resend/")).status_code
        == 200
    )
    fresh = link_in(mailbox, "late@acme.test", count=2)
    assert Client().get(fresh).status_code == 200


def test_a_link_never_replaces_a_password_someone_already_has(world, mailbox, send_at_commit):
    """An invitation to a person who signs in elsewhere with a password must not let
    whoever holds the link choose a new one: they sign in, then accept."""
    existing = factories.member(world.globex, "viewer", email="has.password@globex.test")
    invite(world, send_at_commit, existing.email)
    path = link_in(mailbox, existing.email)

    stranger = Client()
    page = stranger.get(path)
    assert b"new_password1" not in page.content and b"Sign in" in page.content
    refused = stranger.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert refused.status_code == 409
    existing.refresh_from_db()
    assert existing.check_password(factories.PASSWORD)

    other = Client()
    other.force_login(world.members["viewer"])
    wrong_person = other.post(path)
    assert wrong_person.status_code == 409 and b"you are signed in as" in wrong_person.content

    invitee = Client()
    invitee.force_login(existing)
    accepted = invitee.post(path)
    assert accepted.status_code == 302
    assert invitation_of(world, existing.email).accepted_with == "signed_in"


def test_a_message_that_cannot_be_sent_is_shown_on_the_invitation(world, settings, send_at_commit):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    invite(world, send_at_commit, "unreachable@acme.test")
    listed = world.client("owner").get(INVITATIONS, {"email": "unreachable"}).json()["results"]
    (entry,) = listed
    assert entry["state"] == "pending" and entry["sent_at"] is None and entry["send_count"] == 0
    assert "refused" in entry["send_error"].lower()


def test_mail_not_configured_says_which_setting_to_set(world, settings, send_at_commit):
    settings.EMAIL_BACKEND = "core.mail.NotConfiguredBackend"
    invite(world, send_at_commit, "nomail@acme.test")
    assert "set EMAIL_HOST" in invitation_of(world, "nomail@acme.test").send_error


@pytest.mark.django_db(transaction=True)
def test_create_tenant_mails_the_owner_a_link_and_prints_it_last(mailbox, capsys):
    """Committed for real, as the operator's command is."""
    call_command("create_tenant", "initech", "--name", "Initech", "--owner", "boss@initech.test")
    printed = capsys.readouterr().out.strip().splitlines()
    assert "An invitation was mailed to boss@initech.test." in printed
    path = urlsplit(printed[-1]).path
    assert path == link_in(mailbox, "boss@initech.test")
    browser = Client()
    answer = browser.post(path, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert answer.status_code == 302
    me = browser.get("/api/v1/me").json()
    assert [(m["tenant"]["slug"], m["role"]["slug"]) for m in me["memberships"]] == [
        ("initech", "owner")
    ]
    with platform_scope():
        assert Invitation.objects.unscoped().get(user__email="boss@initech.test").accepted_at


def test_invitations_answer_only_to_their_tenant(world):
    """globex's invitation is not listed in acme, and acme's list shows only acme's."""
    listed = world.client("owner").get(INVITATIONS).json()["results"]
    assert world.globex_invitation.pk not in {i["id"] for i in listed}


def test_the_state_filter_selects_exactly_the_invitations_in_that_state(world):
    """`Invitation.in_state` (the API's ?state=) and `state_at` (each answer's state)
    agree on one invitation in every state."""
    for email in ("p@acme.test", "a@acme.test", "e@acme.test", "r@acme.test"):
        factories.invitation(world.acme, "viewer", email)
    now = timezone.now()
    with tenant_context(world.acme):
        Invitation.objects.filter(user__email="a@acme.test").update(accepted_at=now)
        Invitation.objects.filter(user__email="e@acme.test").update(expires_at=now)
        Invitation.objects.filter(user__email="r@acme.test").update(revoked_at=now)
        everyone = list(Invitation.objects.all())
        for state in Invitation.State.values:
            selected = set(Invitation.objects.filter(Invitation.in_state(state, now)))
            assert selected == {i for i in everyone if i.state_at(now) == state}, state
            assert selected, state
