"""Sessions: a person lists and ends theirs, an admin ends a member's, and a tenant's
idle and absolute lifetimes end a session's use there."""

from __future__ import annotations

import datetime as dt
import time

from django.test import Client
from django.utils import timezone

from accounts.middleware import RESOLUTION_SECONDS
from audit.models import AuditEvent
from sso.models import UserSession
from tenants.authentication import (
    SESSION_SEEN_AT_SESSION_KEY,
    SIGNED_IN_AT_SESSION_KEY,
    TENANT_SEEN_AT_SESSION_KEY,
)
from tenants.context import tenant_context
from tests import factories
from tests.factories import PASSWORD

SESSIONS = "/api/v1/me/sessions/"
DIGESTS = "/api/v1/tenants/acme/digests/"
SETTINGS = "/api/v1/tenants/acme/sso/settings/"


def browser_of(user, agent: str, address: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return browser


def works(browser, url: str = DIGESTS) -> bool:
    return browser.get(url).status_code == 200


def test_a_person_sees_their_sessions_and_ends_one_or_all_others(world):
    editor = world.members["editor"]
    laptop = browser_of(editor, "Firefox on Linux", "192.0.2.10")
    phone = browser_of(editor, "Safari on iPhone", "192.0.2.20")
    tablet = browser_of(editor, "Chrome on Android", "192.0.2.30")

    listed = laptop.get(SESSIONS).json()
    assert [(s["user_agent"], s["address"], s["current"], s["method"]) for s in listed] == [
        ("Chrome on Android", "192.0.2.30", False, "password"),
        ("Safari on iPhone", "192.0.2.20", False, "password"),
        ("Firefox on Linux", "192.0.2.10", True, "password"),
    ]
    assert all(s["last_seen_at"] and s["signed_in_at"] for s in listed)

    phone_id = listed[1]["id"]
    assert laptop.delete(f"{SESSIONS}{phone_id}/").status_code == 204
    assert not works(phone) and works(laptop) and works(tablet)

    # Someone else's session is not yours to end, nor to know of.
    other = browser_of(world.members["viewer"], "Edge", "192.0.2.40")
    tablet_id = laptop.get(SESSIONS).json()[0]["id"]
    assert other.delete(f"{SESSIONS}{tablet_id}/").status_code == 404
    assert works(tablet)

    ended = laptop.post(f"{SESSIONS}end-others/")
    assert ended.json() == {"ended": 1}
    assert not works(tablet) and works(laptop)
    assert [s["current"] for s in laptop.get(SESSIONS).json()] == [True]
    with tenant_context(world.acme):
        assert AuditEvent.objects.filter(action="auth.sessions_ended").count() == 2


def test_a_session_that_ended_by_itself_leaves_the_list(world):
    editor = world.members["editor"]
    laptop = browser_of(editor, "Firefox", "192.0.2.10")
    gone = browser_of(editor, "Old browser", "192.0.2.11")
    gone.post("/accounts/logout/")
    assert [s["user_agent"] for s in laptop.get(SESSIONS).json()] == ["Firefox"]


def test_last_use_is_kept_to_the_minute(world):
    laptop = browser_of(world.members["editor"], "Firefox", "192.0.2.10")
    long_ago = timezone.now() - dt.timedelta(hours=3)
    UserSession.objects.update(last_seen_at=long_ago)
    laptop.get(DIGESTS)  # within the minute of signing in: not written again
    assert UserSession.objects.get().last_seen_at == long_ago
    session = laptop.session
    session[SESSION_SEEN_AT_SESSION_KEY] -= RESOLUTION_SECONDS
    session.save()
    laptop.get(DIGESTS)  # a minute later: written
    assert UserSession.objects.get().last_seen_at > long_ago


def test_an_api_key_has_no_sessions(world, api):
    created = factories.api_key(world.acme, "viewer", name="widget")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {created.token}")
    response = api.get(SESSIONS)
    assert response.status_code == 403


def test_an_admin_signs_a_member_out_everywhere_but_not_an_owner(world):
    editor = world.members["editor"]
    editors_browser = browser_of(editor, "Firefox", "192.0.2.10")
    with tenant_context(world.acme):
        membership = editor.memberships.get()
        owner_membership = world.members["owner"].memberships.get()
    admin = world.client("admin")
    ended = admin.post(f"/api/v1/tenants/acme/members/{membership.pk}/end-sessions/")
    assert ended.status_code == 200 and ended.json() == {"ended": 1}
    assert not works(editors_browser)
    with tenant_context(world.acme):
        event = AuditEvent.objects.get(action="member.sessions_ended")
    assert event.target_display == editor.email and event.changes == {"sessions": [1, 0]}
    refused = admin.post(f"/api/v1/tenants/acme/members/{owner_membership.pk}/end-sessions/")
    assert refused.status_code == 403
    assert (
        world.client("viewer")
        .post(f"/api/v1/tenants/acme/members/{membership.pk}/end-sessions/")
        .status_code
        == 403
    )


def set_lifetimes(world, **values) -> dict:
    response = world.client("owner").patch(SETTINGS, values, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_tenants_absolute_lifetime_ends_use_there_only(world):
    editor = world.members["editor"]
    factories.membership(world.globex, factories.role(world.globex, "viewer"), editor.email)
    browser = browser_of(editor, "Firefox", "192.0.2.10")
    assert set_lifetimes(world, session_max_hours=8)["session_max_hours"] == 8
    assert works(browser)

    session = browser.session
    session[SIGNED_IN_AT_SESSION_KEY] = int(time.time()) - 8 * 3600 - 5
    session.save()
    expired = browser.get(DIGESTS)
    assert expired.status_code in (401, 403)
    assert expired.json()["code"] == "session_expired"
    assert "Acme Media ends sessions 8 hours after sign-in" in expired.json()["detail"]
    # globex sets no lifetime: the same session still works there.
    assert works(browser, "/api/v1/tenants/globex/digests/")
    # Signing in again starts the count again.
    again = browser_of(editor, "Firefox", "192.0.2.10")
    assert works(again)


def test_a_tenants_idle_lifetime_counts_from_the_last_use_there(world):
    browser = browser_of(world.members["editor"], "Firefox", "192.0.2.10")
    set_lifetimes(world, session_idle_minutes=30)
    assert works(browser)
    session = browser.session
    seen = session[TENANT_SEEN_AT_SESSION_KEY]
    seen[str(world.acme.pk)] = int(time.time()) - 29 * 60
    session[TENANT_SEEN_AT_SESSION_KEY] = seen
    session.save()
    assert works(browser)  # 29 minutes: still in; and now counted from this use
    session = browser.session
    seen = session[TENANT_SEEN_AT_SESSION_KEY]
    assert seen[str(world.acme.pk)] >= int(time.time()) - 5
    seen[str(world.acme.pk)] = int(time.time()) - 31 * 60
    session[TENANT_SEEN_AT_SESSION_KEY] = seen
    session.save()
    expired = browser.get(DIGESTS)
    assert expired.json()["code"] == "session_expired"


def test_lifetimes_are_validated_audited_and_can_be_lifted(world):
    owner = world.client("owner")
    too_short = owner.patch(SETTINGS, {"session_idle_minutes": 1}, format="json")
    assert too_short.status_code == 400
    set_lifetimes(world, session_idle_minutes=60, session_max_hours=12)
    lifted = set_lifetimes(world, session_idle_minutes=None)
    assert lifted["session_idle_minutes"] is None and lifted["session_max_hours"] == 12
    with tenant_context(world.acme):
        events = AuditEvent.objects.filter(action="sso.settings_changed").order_by("id")
        changes = [e.changes for e in events]
    assert changes == [
        {"session_idle_minutes": [None, 60], "session_max_hours": [None, 12]},
        {"session_idle_minutes": [60, None]},
    ]


def test_a_password_change_keeps_the_session_listed(world):
    editor = world.members["editor"]
    browser = browser_of(editor, "Firefox", "192.0.2.10")
    browser.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-passphrase-long",
            "new_password2": "n3w-passphrase-long",
        },
    )
    assert [s["current"] for s in browser.get(SESSIONS).json()] == [True]


def test_the_idle_limit_holds_in_a_tenant_the_session_has_not_used_yet(world):
    """Idle is measured from the session's last use anywhere when this tenant has not
    seen it: a cookie idle for hours is not fresh in the next tenant."""
    editor = world.members["editor"]
    factories.membership(world.globex, factories.role(world.globex, "viewer"), editor.email)
    browser = browser_of(editor, "Firefox", "192.0.2.10")
    with tenant_context(world.globex):
        world.globex.session_idle_minutes = 30
        world.globex.save(update_fields=["session_idle_minutes"])
    session = browser.session
    session[SESSION_SEEN_AT_SESSION_KEY] = int(time.time()) - 31 * 60
    session.save()
    expired = browser.get("/api/v1/tenants/globex/digests/")
    assert expired.json()["code"] == "session_expired"
