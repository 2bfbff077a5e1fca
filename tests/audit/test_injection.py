"""Hostile text in audit events: control characters never stored, spreadsheet formulas
defused and newlines escaped in the CSV export, one valid JSON document per line in the
JSON-lines export."""

from __future__ import annotations

import csv
import io
import json
import unicodedata

import pytest

from audit.api import EXPORT_FIELDS
from tenants.context import tenant_context
from tenants.models import Role
from tenants.services.keys import api_key_create
from tenants.services.members import member_invite
from tests import factories
from tests.audit.helpers import BASE, events, export, last_seq, only

ALLOWED_CONTROLS = {"\t", "\n", "\r"}
C0_AND_DEL = "".join(chr(c) for c in range(32) if chr(c) not in ALLOWED_CONTROLS) + "\x7f"
NASTY = "Line one\nline two\r\nthree\x00four\x1b[31mred\x07bell\x08\x0b\x0c\x1f\x7fend\ttab"
FORMULAS = ["=HYPERLINK(1)", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", "\n=cmd"]


def text_values(value):
    """Every string inside a stored value (JSON included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_values(key)
            yield from text_values(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_values(item)


STORED_TEXT = [
    "actor_id",
    "actor_display",
    "action",
    "target_type",
    "target_id",
    "target_display",
    "request_id",
    "user_agent",
]


def bad_characters(event, fields, forbidden: str) -> dict:
    found = {}
    for name in fields:
        for text in text_values(getattr(event, name)):
            bad = sorted({c for c in text if c in forbidden})
            if bad:
                found[name] = bad
    return found


# --- What is stored -----------------------------------------------------------------------


def test_a_user_agent_with_control_characters_is_stored_without_them(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.post(
        f"{BASE}/roles/", {"name": "Plain", "permissions": []}, HTTP_USER_AGENT=NASTY
    )
    assert response.status_code == 201
    event = only(world.acme, "role.created", after=start)
    assert event.user_agent == "Line one\nline two\r\nthreefour[31mredbellend\ttab"
    assert bad_characters(event, STORED_TEXT, C0_AND_DEL) == {}


def test_display_fields_are_stored_without_control_characters(world):
    """Emails and API key names that reach an event's actor and target displays."""
    start = last_seq(world.acme)
    with tenant_context(world.acme):
        viewer = Role.objects.get(slug="viewer")
        member_invite(actor=None, email="evil\x1b[2J\x07\nuser@acme.test", role=viewer)
        api_key_create(
            actor=None,
            name="Key?\x1b]0;title\x07\r\nname",
            role=viewer,
            accountable_person=world.members["owner"],
        )
    for event in events(world.acme, seq__gt=start):
        assert bad_characters(event, STORED_TEXT, C0_AND_DEL) == {}, event.action
    invited = only(world.acme, "member.invited", after=start)
    assert invited.target_display == "evil[2j\nuser@acme.test"  # emails are lower-cased
    key_event = only(world.acme, "api_key.created", after=start)
    assert key_event.target_display.endswith("(Key?]0;title\r\nname)")


def test_an_api_key_name_with_control_characters_is_clean_as_an_actor(world):
    with tenant_context(world.acme):
        new = api_key_create(
            actor=None,
            name="Bot\x1b[0m\x7f",
            role=Role.objects.get(slug="admin"),
            accountable_person=world.members["owner"],
        )
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.token}")
    start = last_seq(world.acme)
    assert client.post(f"{BASE}/roles/", {"name": "By bot", "permissions": []}).status_code == 201
    event = only(world.acme, "role.created", after=start)
    assert event.actor_display == f"{new.api_key.prefix} (Bot[0m)"


def test_a_role_name_with_control_characters_is_stored_without_them(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    name = "Evil\x1b[2J\x07role\nname\x08"
    response = client.post(f"{BASE}/roles/", {"name": name, "permissions": []})
    assert response.status_code == 201, response.content
    event = only(world.acme, "role.created", after=start)
    assert bad_characters(event, [*STORED_TEXT, "changes"], C0_AND_DEL) == {}


def test_a_nul_in_a_role_name_is_refused_before_anything_is_stored(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    response = client.post(f"{BASE}/roles/", {"name": "nul\x00role", "permissions": []})
    assert response.status_code == 400
    assert events(world.acme, seq__gt=start) == []


def test_c1_control_characters_are_not_stored(world):
    client = world.client("admin")
    start = last_seq(world.acme)
    agent = "agent\x9b31m\x85next\x90line"
    response = client.post(
        f"{BASE}/roles/", {"name": "C1", "permissions": []}, HTTP_USER_AGENT=agent
    )
    assert response.status_code == 201
    event = only(world.acme, "role.created", after=start)
    assert [c for c in event.user_agent if unicodedata.category(c) == "Cc"] == []


# --- The exports --------------------------------------------------------------------------


@pytest.fixture
def hostile(world):
    """Events whose every text field an attacker could influence holds formulas,
    newlines and control characters."""
    client = world.client("admin")
    for n, formula in enumerate(FORMULAS):
        response = client.post(
            f"{BASE}/roles/",
            {"name": f"{formula} role {n}\nsecond line", "permissions": []},
            HTTP_USER_AGENT=formula + NASTY,
        )
        assert response.status_code == 201, response.content
    for email in ("=1+2@evil.test", "+cmd@evil.test", "-2@evil.test"):
        response = client.post(
            f"{BASE}/members/", {"email": email, "role": "viewer"}, HTTP_USER_AGENT="@SUM(A1)"
        )
        assert response.status_code == 201, response.content
    editor = world.client("editor")
    for title in ("=IMPORTXML(A1)", "@evil", "+1", "-1", "Two\nlines\r\nhere"):
        response = editor.post(
            f"{BASE}/digests/",
            {"title": title, "publisher": "=Pub", "published_on": "2025-01-01"},
            HTTP_USER_AGENT=NASTY,
        )
        assert response.status_code == 201, response.content
        # Published, so the auditor may read the digest and its title in the trail.
        published = editor.post(f"{BASE}/digests/{response.json()['id']}/publish/")
        assert published.status_code == 200, published.content
    with tenant_context(world.acme):
        viewer = Role.objects.get(slug="viewer")
        member_invite(actor=None, email="@at\nsign@evil.test", role=viewer)
        api_key_create(
            actor=None,
            name="=key\r\nname\x1b",
            role=viewer,
            accountable_person=world.members["owner"],
        )
    factories.custom_role(world.acme, slug="tabbed", name="\t=tab", permissions=[])


def auditor_export(world, export_format):
    """The export, and the events it must hold (read after the auditor signs in, since
    signing in is itself an event)."""
    client = world.client("auditor")
    _, text = export(client, export_format)
    return text, events(world.acme)


@pytest.mark.usefixtures("hostile")
def test_csv_cells_never_start_a_formula_nor_hold_a_raw_newline(world):
    text, hostile = auditor_export(world, "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == EXPORT_FIELDS
    assert len(rows) == len(hostile) + 1
    for row in rows:
        assert len(row) == len(EXPORT_FIELDS), row
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), cell
            assert "\n" not in cell and "\r" not in cell, cell
            assert not any(c in C0_AND_DEL for c in cell), cell
    # One physical line per event: nothing inside a cell breaks a line.
    lines = text.split("\r\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == len(hostile) + 1
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")


@pytest.mark.usefixtures("hostile")
def test_csv_defuses_formulas_with_a_leading_quote_and_keeps_the_text(world):
    text, _ = auditor_export(world, "csv")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    targets = {r["target_display"] for r in rows}
    assert "'=IMPORTXML(A1)" in targets
    assert "'@evil" in targets
    assert "'+1" in targets
    assert "'-1" in targets
    assert "Two\\nlines\\r\\nhere" in targets
    assert "'=1+2@evil.test" in targets
    assert "'+cmd@evil.test" in targets
    assert "'-2@evil.test" in targets
    assert "'@at\\nsign@evil.test" in targets
    agents = {r["user_agent"] for r in rows}
    assert "'@SUM(A1)" in agents
    assert any(a.startswith("'=HYPERLINK(1)Line one\\nline two\\r\\n") for a in agents)
    assert any(a.startswith("'\t=cmd") for a in agents)
    for row in rows:
        json.loads(row["changes"])  # the JSON column stays JSON


@pytest.mark.usefixtures("hostile")
def test_jsonl_is_one_valid_document_per_line(world):
    text, hostile = auditor_export(world, "jsonl")
    assert text.endswith("\n")
    lines = text.split("\n")[:-1]
    assert len(lines) == len(hostile)
    documents = [json.loads(line) for line in lines]
    assert [d["seq"] for d in documents] == [e.seq for e in hostile]
    by_seq = {e.seq: e for e in hostile}
    for document in documents:
        stored = by_seq[document["seq"]]
        assert document["target"]["display"] == stored.target_display
        assert document["request"]["user_agent"] == stored.user_agent
        assert document["changes"] == stored.changes
    assert "\r" not in text


@pytest.mark.usefixtures("hostile")
def test_a_digest_title_with_newlines_round_trips_through_jsonl(world):
    text, _ = auditor_export(world, "jsonl")
    titles = {json.loads(line)["target"]["display"] for line in text.split("\n")[:-1]}
    assert "Two\nlines\r\nhere" in titles
    assert "=IMPORTXML(A1)" in titles  # JSON consumers get the text as it was
