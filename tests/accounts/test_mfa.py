"""Two-factor sign-in: enrolment with a real authenticator's codes (pyotp), the code step
every password session must pass (whatever form signed it in), recovery codes, a
tenant's requirement, and an admin's reset."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from accounts import mfa
from accounts.models import SignInFailure, TotpDevice
from audit.models import AuditEvent
from sso import crypto
from tenants.context import tenant_context
from tests.factories import PASSWORD

DIGESTS = "/api/v1/tenants/acme/digests/"
VERIFY = "/accounts/login/mfa/"


def sign_in(email: str, path: str = "/accounts/login/") -> tuple[Client, object]:
    browser = Client()
    return browser, browser.post(path, {"username": email, "password": PASSWORD})


def totp_of(user) -> pyotp.TOTP:
    return pyotp.TOTP(crypto.decrypt(TotpDevice.objects.get(user=user).secret))


def code_at(user, offset_steps: int = 0) -> str:
    totp = totp_of(user)
    return totp.generate_otp(totp.timecode(timezone.now()) + offset_steps)


def enrol(browser, user) -> list[str]:
    started = browser.post("/accounts/mfa/", {"action": "start"})
    assert b"<svg" in started.content and b"Key:" in started.content
    secret = re.search(rb"Key: <code>([A-Z2-7]+)</code>", started.content).group(1).decode()
    assert secret == mfa.pending_secret(user)
    confirmed = browser.post("/accounts/mfa/", {"action": "confirm", "code": code_at(user)})
    assert confirmed.status_code == 200, confirmed.content
    codes = re.findall(r"\b[0-9a-f]{5}-[0-9a-f]{5}\b", confirmed.content.decode())
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    return codes


@pytest.fixture
def enrolled(world):
    """The editor, with an authenticator and their recovery codes."""
    editor = world.members["editor"]
    browser, _ = sign_in(editor.email)
    codes = enrol(browser, editor)
    TotpDevice.objects.filter(user=editor).update(last_step=0)  # the next test code is new
    return editor, codes


def test_enrolment_turns_it_on_and_the_next_sign_in_asks_for_a_code(world, enrolled):
    editor, _ = enrolled
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="auth.mfa_enabled").count() == 1

    browser, answer = sign_in(editor.email)
    assert answer.status_code == 302 and answer["Location"].startswith(VERIFY)
    # Half signed in: the API and every page wait for the code.
    refused = browser.get(DIGESTS)
    assert refused.status_code == 401 and refused.json()["code"] == "mfa_pending"
    assert browser.get("/accounts/mfa/")["Location"].startswith(VERIFY)

    wrong = browser.post(VERIFY, {"code": "000000"})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    right = browser.post(VERIFY, {"code": code_at(editor), "next": DIGESTS})
    assert right.status_code == 302 and right["Location"] == DIGESTS
    assert browser.get(DIGESTS).status_code == 200

    # The same code does not work twice, even in another browser.
    other, _ = sign_in(editor.email)
    assert other.post(VERIFY, {"code": code_at(editor)}).status_code == 400
    assert other.post(VERIFY, {"code": code_at(editor, +1)}).status_code == 302


def test_the_admins_own_sign_in_form_cannot_skip_the_code(world, enrolled):
    editor, _ = enrolled
    editor.is_staff = True
    editor.save(update_fields=["is_staff"])
    browser = Client()
    browser.post("/admin/login/", {"username": editor.email, "password": PASSWORD})
    admin = browser.get("/admin/")
    assert admin.status_code == 302 and admin["Location"].startswith(VERIFY)
    assert browser.get(DIGESTS).status_code == 401


def test_a_recovery_code_works_once(world, enrolled):
    editor, codes = enrolled
    browser, _ = sign_in(editor.email)
    used = browser.post(VERIFY, {"code": codes[0].upper()})
    assert used.status_code == 302
    assert mfa.recovery_codes_left(editor) == mfa.RECOVERY_CODE_COUNT - 1
    again, _ = sign_in(editor.email)
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 400


def test_wrong_codes_lock_the_code_step_however_often_the_password_is_given(world, enrolled):
    """Counted against the person, apart from passwords: signing in again with the right
    password does not clear them."""
    editor, _ = enrolled
    browser, _ = sign_in(editor.email)
    for _ in range(4):
        assert browser.post(VERIFY, {"code": "123456"}).status_code == 400
    again, _ = sign_in(editor.email)  # a fresh attempt, with the right password
    assert again.post(VERIFY, {"code": "123456"}).status_code == 400  # the fifth
    third, _ = sign_in(editor.email)
    locked = third.post(VERIFY, {"code": code_at(editor)})  # even the right code
    assert locked.status_code == 302 and locked["Location"] == "/accounts/login/"
    assert third.get(DIGESTS).status_code in (401, 403)
    assert SignInFailure.objects.count() == 5
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="auth.mfa_failed").count() == 5


def test_five_wrong_codes_in_one_attempt_end_it(world, enrolled):
    editor, _ = enrolled
    browser, _ = sign_in(editor.email)
    for _ in range(4):
        assert browser.post(VERIFY, {"code": "123456"}).status_code == 400
    fifth = browser.post(VERIFY, {"code": "123456"})
    assert fifth.status_code == 302 and fifth["Location"] == "/accounts/login/"
    assert browser.get(DIGESTS).status_code in (401, 403)


def test_the_session_stays_listed_and_endable_after_the_code_step(world, enrolled):
    editor, _ = enrolled
    browser, _ = sign_in(editor.email)
    assert browser.post(VERIFY, {"code": code_at(editor)}).status_code == 302
    listed = browser.get("/api/v1/me/sessions/").json()
    assert [s["current"] for s in listed].count(True) == 1  # found under its new key
    other, _ = sign_in(editor.email)
    other.post(VERIFY, {"code": code_at(editor, +1)})
    assert other.post("/api/v1/me/sessions/end-others/").json()["ended"] >= 1
    assert browser.get(DIGESTS).status_code in (401, 403)


def test_an_admin_cannot_reset_the_factor_of_someone_in_another_tenant(world, enrolled):
    """The authenticator guards every tenant of the person's: globex's owner, who invited
    acme's editor, cannot remove it (nor sign them out everywhere)."""
    editor, _ = enrolled
    globex_owner = world.globex_owner
    from tenants.services.members import member_invite  # the way globex gains a member

    with tenant_context(world.globex):
        from tenants.models import Role

        member_invite(actor=None, email=editor.email, role=Role.objects.get(slug="viewer"))
        membership = editor.memberships.get()
    globex = Client()
    globex.force_login(globex_owner)
    base = f"/api/v1/tenants/globex/members/{membership.pk}"
    for action in ("reset-mfa", "end-sessions"):
        refused = globex.post(f"{base}/{action}/")
        assert refused.status_code == 409, action
        assert refused.json()["code"] == "person_in_other_tenants"
    assert TotpDevice.objects.filter(user=editor, confirmed_at__isnull=False).exists()


def test_a_tenant_requiring_it_refuses_password_sessions_without_a_second_factor(world):
    owner = world.client("owner")
    assert owner.patch(
        "/api/v1/tenants/acme/sso/settings/", {"require_mfa": True}, format="json"
    ).json()["require_mfa"]
    viewer = world.members["viewer"]
    browser, answer = sign_in(viewer.email)
    # Sent to set it up, and refused by the tenant until then.
    assert answer["Location"].startswith("/accounts/mfa/")
    refused = browser.get(DIGESTS)
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_required"
    assert "/accounts/mfa/" in refused.json()["detail"]
    enrol(browser, viewer)
    assert browser.get(DIGESTS).status_code == 200
    # It cannot be turned off while the tenant requires it.
    kept = browser.post("/accounts/mfa/", {"action": "turn_off", "code": code_at(viewer, +1)})
    assert kept.status_code == 409 and TotpDevice.objects.filter(user=viewer).exists()


def test_an_admin_resets_a_members_authenticator_but_not_an_owners(world, enrolled):
    editor, _ = enrolled
    with tenant_context(world.acme):
        membership = editor.memberships.get()
        owner_membership = world.members["owner"].memberships.get()
    admin = world.client("admin")
    reset = admin.post(f"/api/v1/tenants/acme/members/{membership.pk}/reset-mfa/")
    assert reset.status_code == 200 and reset.json() == {"removed": True}
    _, answer = sign_in(editor.email)
    assert answer["Location"] == "/"  # the password alone, again
    with tenant_context(world.acme):
        event = AuditEvent.objects.filter(action="auth.mfa_disabled").get()
    assert event.changes == {"by": "admin@acme.test"}
    assert (
        admin.post(f"/api/v1/tenants/acme/members/{owner_membership.pk}/reset-mfa/").status_code
        == 403
    )
    assert (
        world.client("viewer")
        .post(f"/api/v1/tenants/acme/members/{membership.pk}/reset-mfa/")
        .status_code
        == 403
    )


def test_turning_it_off_needs_a_code(world, enrolled):
    editor, _ = enrolled
    browser, _ = sign_in(editor.email)
    browser.post(VERIFY, {"code": code_at(editor)})
    refused = browser.post("/accounts/mfa/", {"action": "turn_off", "code": "999999"})
    assert refused.status_code == 400 and TotpDevice.objects.filter(user=editor).exists()
    assert (
        browser.post(
            "/accounts/mfa/", {"action": "turn_off", "code": code_at(editor, +1)}
        ).status_code
        == 200
    )
    assert not TotpDevice.objects.filter(user=editor).exists()
