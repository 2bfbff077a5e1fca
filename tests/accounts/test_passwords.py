"""Passwords: sign-in lockout, the SSO notice on the sign-in page, reset and change."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import SignInFailure
from audit.models import AuditEvent
from tenants.context import tenant_context
from tests import factories
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
NEW_PASSWORD = "another-long-passphrase-77"


def sign_in(email: str, password: str, address: str = "203.0.113.7", path: str = LOGIN):
    browser = Client(REMOTE_ADDR=address)
    response = browser.post(path, {"username": email, "password": password})
    return browser, response


def signed_in(browser) -> bool:
    return browser.get("/api/v1/me").status_code == 200


def audit_reasons(world, action: str) -> list[str]:
    with tenant_context(world.acme):
        return [
            e.changes.get("reason", "")
            for e in AuditEvent.objects.filter(action=action).order_by("id")
        ]


def test_five_wrong_passwords_lock_the_account_and_say_until_when(world, settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 5
    editor = world.members["editor"]
    for _ in range(4):
        _, page = sign_in(editor.email, "wrong")
        assert b"Please enter a correct email and password" in page.content
    _, fifth = sign_in(editor.email, "wrong")
    assert b"Too many failed sign-ins" in fifth.content
    # Now even the right password is refused, without being checked, and the page says
    # when to come back.
    browser, locked = sign_in(editor.email, PASSWORD)
    assert not signed_in(browser)
    text = locked.content.decode()
    opens = re.search(r"opens again at (\d\d:\d\d) UTC \(in (\d+) minutes\)", text)
    assert opens and 14 <= int(opens.group(2)) <= 15, text
    reasons = audit_reasons(world, "auth.sign_in_failed")
    assert reasons[-1].startswith("too many failed sign-ins; password sign-in locked until")
    assert "locked until" in reasons[-2] and reasons[-2].startswith("wrong password")

    # Once the oldest counted failure leaves the window, the right password works, and
    # it clears the count.
    SignInFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    browser, _ = sign_in(editor.email, PASSWORD)
    assert signed_in(browser)
    assert not SignInFailure.objects.exists()


def test_an_address_nobody_has_is_locked_out_the_same_way(db, settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        sign_in("nobody@nowhere.test", "wrong")
    _, page = sign_in("nobody@nowhere.test", "wrong")
    assert b"Too many failed sign-ins" in page.content


def test_one_address_guessing_many_accounts_is_locked_out(world, settings):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 6
    for index in range(6):
        sign_in(f"guess{index}@acme.test", "wrong", address="198.51.100.9")
    browser, page = sign_in(world.members["viewer"].email, PASSWORD, address="198.51.100.9")
    assert b"Too many failed sign-ins" in page.content and not signed_in(browser)
    # The same person from another address is not held up.
    elsewhere, _ = sign_in(world.members["viewer"].email, PASSWORD, address="198.51.100.10")
    assert signed_in(elsewhere)


@pytest.mark.parametrize("path", ["/api/auth/login/", "/admin/login/"])
def test_every_password_form_shares_the_lockout(world, settings, path):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    operator = factories.UserFactory(email="operator@platform.test", is_staff=True)
    for _ in range(2):
        sign_in(operator.email, "wrong", path=path)
    browser, _ = sign_in(operator.email, PASSWORD, path=path)
    assert "_auth_user_id" not in browser.session
    browser, _ = sign_in(operator.email, PASSWORD, path=LOGIN)
    assert "_auth_user_id" not in browser.session


def test_the_sign_in_page_sends_a_tenant_requiring_sso_to_its_provider(world):
    factories.sso_domain(world.acme, "acme.test")
    factories.sso_connection(world.acme, name="Acme IdP")
    with tenant_context(world.acme):
        world.acme.require_sso = True
        world.acme.save(update_fields=["require_sso"])
    # Known from the verified domain, whatever the password and whoever types it.
    _, page = sign_in("anyone@acme.test", "whatever")
    assert b"Acme Media signs in with single sign-on" in page.content
    assert b'href="/sso/acme/login"' in page.content
    # A member whose address is elsewhere learns it once their password is right.
    outsider = factories.membership(
        world.acme, factories.role(world.acme, "viewer"), email="contractor@elsewhere.test"
    ).user
    _, wrong = sign_in(outsider.email, "wrong")
    assert b"signs in with single sign-on" not in wrong.content
    browser, right = sign_in(outsider.email, PASSWORD)
    assert b"Acme Media signs in with single sign-on" in right.content
    assert not signed_in(browser)


def test_a_reset_link_sets_a_new_password_ends_other_sessions_and_opens_a_lockout(
    world, mailbox, settings
):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    viewer = world.members["viewer"]
    old_session, _ = sign_in(viewer.email, PASSWORD, address="192.0.2.1")
    assert signed_in(old_session)
    for _ in range(2):
        sign_in(viewer.email, "wrong")

    asked = Client().post("/accounts/password/reset/", {"email": viewer.email.upper()})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/password/reset/sent/"
    sent = Client().get(asked["Location"])
    assert f"for {settings.PASSWORD_RESET_TIMEOUT // 60} minutes" in sent.content.decode()
    (message,) = mailbox.wait_for(viewer.email)
    (link,) = [u for u in message.links() if "/accounts/password/reset/" in u]
    browser = Client()
    form = browser.get(urlsplit(link).path, follow=True)
    assert b"Choose a new password" in form.content
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302

    assert not signed_in(old_session)
    fresh, _ = sign_in(viewer.email, NEW_PASSWORD)
    assert signed_in(fresh)
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="auth.password_reset", actor_id=viewer.pk).exists()
    # The link worked once.
    assert b"cannot be used" in Client().get(urlsplit(link).path, follow=True).content


def test_asking_for_a_reset_says_the_same_for_any_address_and_mails_only_who_may_use_one(
    world, mailbox
):
    factories.sso_domain(world.acme, "acme.test")
    factories.sso_connection(world.acme, name="Acme IdP")
    with tenant_context(world.acme):
        world.acme.require_sso = True
        world.acme.save(update_fields=["require_sso"])
    pages = [
        Client().post("/accounts/password/reset/", {"email": email}, follow=True).content
        for email in ("nobody@nowhere.test", world.members["editor"].email)
    ]
    assert pages[0] == pages[1]
    assert mailbox.received == []  # acme requires SSO: its editor gets no password


def test_changing_a_password_keeps_this_session_and_is_audited(world):
    editor = world.members["editor"]
    browser, _ = sign_in(editor.email, PASSWORD)
    other, _ = sign_in(editor.email, PASSWORD, address="192.0.2.2")
    response = browser.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert signed_in(browser) and not signed_in(other)
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="auth.password_changed").count() == 1


def test_a_look_alike_of_the_address_counts_against_the_same_account(world, settings):
    """PostgreSQL's case-insensitive match finds the editor for the address typed with a
    dotless i (U+0131); its failures must lock the same account."""
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    editor = world.members["editor"]
    sign_in(editor.email, "wrong")
    sign_in("ed\u0131tor@acme.test", "wrong")
    browser, page = sign_in("ed\u0131tor@acme.test", PASSWORD)
    assert b"Too many failed sign-ins" in page.content and not signed_in(browser)


def test_changing_the_password_is_held_to_the_lockout(world, settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    editor = world.members["editor"]
    browser, _ = sign_in(editor.email, PASSWORD)
    for _ in range(2):
        browser.post(
            "/accounts/password/change/",
            {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
    right = browser.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert right.status_code == 200 and b"Too many wrong passwords" in right.content
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)
