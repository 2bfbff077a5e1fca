"""`/api/v1/tenants/{tenant}/audit/events/`: who may read it, filters, order, cursor
pagination, tenant isolation, and the streamed CSV / JSON-lines exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from rest_framework.test import APIClient

from audit.api import EXPORT_FIELDS
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership
from tests import factories
from tests.audit.helpers import (
    BASE,
    EVENTS,
    EXPORT,
    VERIFY,
    body,
    events,
    export,
    last_seq,
    record_some,
    tampering,
)
from tests.conftest import SENTINEL

READERS = {"owner", "admin", "auditor"}


def all_pages(client, url=EVENTS, **params) -> list[dict]:
    """Every result, following `next` until it runs out."""
    found = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        found.extend(page["results"])
        if not page["next"]:
            return found
        response = client.get(page["next"])


# --- Who may read -------------------------------------------------------------------------


def test_the_readers_are_exactly_the_roles_holding_view_auditevent():
    holders = {
        slug
        for slug, preset in rbac.PRESETS.items()
        if "audit.view_auditevent" in preset.permissions
    }
    assert holders == READERS


@pytest.mark.parametrize("role", sorted(rbac.PRESETS))
def test_only_roles_with_view_auditevent_can_list_export_and_verify(world, role):
    client = world.client(role)
    expected = 200 if role in READERS else 403
    for url in (EVENTS, EXPORT, VERIFY):
        response = client.get(url)
        assert response.status_code == expected, (role, url)
        if expected == 403:
            assert b'"seq"' not in body(response)


def test_a_custom_role_with_the_permission_can_read(world):
    role = factories.custom_role(
        world.acme, slug="log-reader", permissions=["audit.view_auditevent"]
    )
    reader = factories.membership(world.acme, role, email="reader@acme.test").user
    assert world.client(user=reader).get(EVENTS).status_code == 200


def test_an_anonymous_caller_reads_nothing(world):
    for url in (EVENTS, EXPORT, VERIFY):
        response = APIClient().get(url)
        assert response.status_code in (401, 403)
        assert b'"seq"' not in body(response)


def test_an_api_key_with_an_auditor_role_can_read(world):
    key = factories.api_key(world.acme, "auditor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert client.get(EVENTS).status_code == 200


# --- Shape, order, pagination -------------------------------------------------------------


def test_an_event_is_listed_with_every_recorded_detail(world):
    client = world.client("admin")
    response = client.post(
        f"{BASE}/members/",
        {"email": "shape@acme.test", "role": "viewer"},
        HTTP_USER_AGENT="Shape/1",
        HTTP_X_REQUEST_ID="req-shape",
    )
    assert response.status_code == 201
    listed = client.get(EVENTS, {"action": "member.invited"}).json()["results"]
    [stored] = events(world.acme, action="member.invited")
    assert listed == [
        {
            "seq": stored.seq,
            "occurred_at": stored.occurred_at.isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
            "actor": {
                "type": "user",
                "id": str(world.members["admin"].pk),
                "display": "admin@acme.test",
            },
            "action": "member.invited",
            "target": {
                "type": "membership",
                "id": str(response.json()["id"]),
                "display": "shape@acme.test",
            },
            "changes": {"role": [None, "viewer"]},
            "outcome": "success",
            "repeat_count": 1,
            "request": {"id": "req-shape", "ip": "127.0.0.1", "user_agent": "Shape/1"},
            "hash": stored.hash,
            "prev_hash": stored.prev_hash,
        }
    ]


def test_events_are_listed_newest_first(world):
    record_some(world.acme, 5)
    client = world.client("auditor")
    seqs = [e["seq"] for e in client.get(EVENTS).json()["results"]]
    assert seqs == sorted(seqs, reverse=True)
    assert seqs[0] == last_seq(world.acme)


def test_cursor_pagination_walks_every_event_once(world):
    record_some(world.acme, 9)
    client = world.client("auditor")
    total = last_seq(world.acme)
    first = client.get(EVENTS, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert first["next"] and first["previous"] is None
    assert "cursor=" in first["next"]
    walked = [e["seq"] for e in all_pages(client, page_size=2)]
    assert walked == list(range(total, 0, -1))  # no duplicates, no gaps, newest first


def test_new_events_between_pages_do_not_shift_the_cursor(world):
    record_some(world.acme, 6)
    client = world.client("auditor")
    first = client.get(EVENTS, {"page_size": 3}).json()
    record_some(world.acme, 4, prefix="late")
    second = client.get(first["next"]).json()
    assert second["results"][0]["seq"] == first["results"][-1]["seq"] - 1


# --- Filters ------------------------------------------------------------------------------


@pytest.fixture
def activity(world):
    """Events by two people and an API key, a denial, and three back-dated events."""
    owner, admin = world.client("owner"), world.client("admin")
    assert (
        admin.post(f"{BASE}/members/", {"email": "a1@acme.test", "role": "viewer"}).status_code
        == 201
    )
    with tenant_context(world.acme):
        target = Membership.objects.get(user=world.members["editor"])
    assert owner.patch(f"{BASE}/members/{target.pk}/", {"role": "compliance"}).status_code == 200
    assert owner.post(f"{BASE}/roles/", {"name": "Temp", "permissions": []}).status_code == 201
    key = factories.api_key(world.acme, "admin", name="Bot")
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    assert bot.post(f"{BASE}/roles/", {"name": "By bot", "permissions": []}).status_code == 201
    assert world.client("viewer").get(f"{BASE}/members/").status_code == 403
    made = record_some(world.acme, 3, prefix="dated")
    with tampering(world.acme) as rows:  # breaks those hashes; the filters don't care
        for event, when in zip(made, ("2024-01-15", "2024-06-15", "2024-09-15"), strict=True):
            moment = dt.datetime.fromisoformat(when).replace(tzinfo=dt.UTC)
            rows.filter(pk=event.pk).update(occurred_at=moment)
    return {"target": target, "key": key.api_key}


def listed(client, **params) -> list[dict]:
    return all_pages(client, **params)


def test_filter_by_actor_email_is_exact_and_case_insensitive(world, activity):
    client = world.client("auditor")
    found = listed(client, actor="ADMIN@acme.test")
    assert found
    assert {e["actor"]["display"] for e in found} == {"admin@acme.test"}
    assert len(found) == len(events(world.acme, actor_display="admin@acme.test"))
    assert listed(client, actor="admin@acme") == []


def test_filter_by_api_key_prefix(world, activity):
    key = activity["key"]
    found = listed(world.client("auditor"), actor=key.prefix)
    assert [e["action"] for e in found] == ["role.created"]
    assert found[0]["actor"] == {
        "type": "api_key",
        "id": str(key.pk),
        "display": f"{key.prefix} (Bot)",
    }


def test_filter_by_action_exact_and_by_prefix(world, activity):
    client = world.client("auditor")
    assert {e["action"] for e in listed(client, action="role.created")} == {"role.created"}
    assert len(listed(client, action="role.created")) == len(
        events(world.acme, action="role.created")
    )
    members = listed(client, action="member.*")
    expected = [e for e in events(world.acme) if e.action.startswith("member.")]
    assert sorted(e["seq"] for e in members) == [e.seq for e in expected]
    assert {e["action"] for e in members} >= {"member.invited", "member.role_changed"}
    assert listed(client, action="member") == []  # exact, not a prefix, without '.*'


def test_filter_by_target(world, activity):
    target = activity["target"]
    found = listed(world.client("auditor"), target_type="membership", target_id=str(target.pk))
    assert [e["action"] for e in found] == ["member.role_changed"]
    assert found[0]["changes"] == {"role": ["editor", "compliance"]}


def test_filter_by_outcome(world, activity):
    client = world.client("auditor")
    denied = listed(client, outcome="denied")
    assert [e["action"] for e in denied] == ["authorization.denied"]
    assert all(e["outcome"] == "success" for e in listed(client, outcome="success"))
    assert client.get(EVENTS, {"outcome": "maybe"}).status_code == 400


def test_filter_by_time_window(world, activity):
    client = world.client("auditor")
    window = listed(client, since="2024-03-01T00:00:00Z", until="2024-09-15T00:00:00Z")
    assert [e["action"] for e in window] == ["dated_1"]
    old = listed(client, until="2024-07-01T00:00:00Z")
    assert [e["action"] for e in old] == ["dated_1", "dated_0"]
    recent = listed(client, since="2024-06-15T00:00:00Z")
    assert "dated_0" not in {e["action"] for e in recent}
    assert {"dated_1", "dated_2"} <= {e["action"] for e in recent}
    assert client.get(EVENTS, {"since": "not a date"}).status_code == 400


# --- Tenant isolation ---------------------------------------------------------------------


def test_acme_auditor_never_sees_globex_events(world):
    record_some(world.globex, 3, prefix=f"globex.{SENTINEL}")
    globex_hashes = {e.hash for e in events(world.globex)}
    client = world.client("auditor")
    for url in ("events/", "events/export/", "events/verify/"):
        response = client.get(f"/api/v1/tenants/globex/audit/{url}")
        assert response.status_code == 404, url
        assert SENTINEL.encode() not in body(response)
    listing = all_pages(client)
    assert {e["hash"] for e in listing}.isdisjoint(globex_hashes)
    assert len(listing) == last_seq(world.acme)
    responses = [
        client.get(EVENTS),
        client.get(EVENTS, {"actor": world.globex_owner.email}),
        client.get(EVENTS, {"action": f"globex.{SENTINEL}_0"}),
        client.get(VERIFY),
    ]
    for response in responses:
        assert response.status_code == 200
        assert SENTINEL.encode() not in body(response)
        assert SENTINEL.lower().encode() not in body(response)
    for export_format in ("csv", "jsonl"):
        _, text = export(client, export_format)
        assert SENTINEL not in text and SENTINEL.lower() not in text
        for globex_hash in globex_hashes:
            assert globex_hash not in text


def test_the_sentinel_is_in_globex_own_log(world):
    """The control for the isolation test: the sentinel is there to be leaked."""
    client = world.client(user=world.globex_owner)
    response = client.get("/api/v1/tenants/globex/audit/events/export/")
    assert response.status_code == 200
    assert SENTINEL.encode() in body(response)


def test_an_api_key_of_another_tenant_gets_404(world):
    key = factories.api_key(world.globex, "auditor")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    response = client.get(EVENTS)
    assert response.status_code == 404
    assert b"acme.test" not in body(response)


# --- Exports ------------------------------------------------------------------------------


def test_jsonl_export_streams_every_event_oldest_first(world):
    record_some(world.acme, 60)  # more than a page: the export is not paginated
    client = world.client("auditor")
    response, text = export(client, "jsonl")
    assert response.streaming
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Content-Disposition"] == 'attachment; filename="audit-acme.jsonl"'
    lines = text.split("\n")
    assert lines[-1] == ""
    rows = [json.loads(line) for line in lines[:-1]]
    stored = events(world.acme)
    assert [r["seq"] for r in rows] == [e.seq for e in stored]
    assert [r["hash"] for r in rows] == [e.hash for e in stored]
    assert rows == client.get(EVENTS, {"page_size": 200}).json()["results"][::-1]


def test_the_default_export_format_is_jsonl(world):
    response = world.client("auditor").get(EXPORT)
    assert response["Content-Type"] == "application/x-ndjson"


def test_csv_export_streams_every_event_oldest_first(world):
    record_some(world.acme, 60)
    response, text = export(world.client("auditor"), "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-acme.csv"'
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == EXPORT_FIELDS
    stored = events(world.acme)
    assert len(rows) == len(stored) + 1
    seq, action, hash_ = (EXPORT_FIELDS.index(n) for n in ("seq", "action", "hash"))
    assert [int(r[seq]) for r in rows[1:]] == [e.seq for e in stored]
    assert [r[action] for r in rows[1:]] == [e.action for e in stored]
    assert [r[hash_] for r in rows[1:]] == [e.hash for e in stored]


@pytest.mark.parametrize("export_format", ["csv", "jsonl"])
def test_exports_apply_the_filters(world, activity, export_format):
    client = world.client("auditor")
    _, text = export(client, export_format, action="member.*")
    if export_format == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        got = [(int(r["seq"]), r["action"]) for r in rows]
    else:
        got = [(r["seq"], r["action"]) for r in map(json.loads, text.splitlines())]
    expected = [(e.seq, e.action) for e in events(world.acme) if e.action.startswith("member.")]
    assert got == expected
    assert len(got) >= 2


def test_an_unknown_export_format_is_refused(world):
    response = world.client("auditor").get(EXPORT, {"export_format": "xlsx"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "export_format" in response.content.decode()
