"""Exports as JSON, Markdown and CSV, streamed, with policies applied."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests import factories
from tests.conftest import SENTINEL
from tests.endpoints import body_bytes
from tests.policies import publish, rule

EXPORT = "/api/v1/tenants/acme/digests/export/"

SECTIONS = [
    {
        "number": 1,
        "emoji": "⚡",
        "title": "Opening",
        "bullets": ["Grid news, call 555-1234."],
        "subsections": [{"number": "1.1", "title": "Detail", "bullets": ["Deep detail."]}],
    },
    {
        "number": 2,
        "emoji": "",
        "title": "Sponsor message",
        "bullets": ["Buy our batteries."],
        "subsections": [],
    },
]


@pytest.fixture
def library(world):
    energy = factories.digest(
        world.acme,
        title="Energy outlook",
        summary="Prices climb; call 555-1234.",
        sections=SECTIONS,
        topics=["energy"],
        published_on="2025-01-02",
    )
    garden = factories.digest(
        world.acme, title="=cmd|' /C calc'!A0", topics=["garden"], published_on="2025-01-03"
    )
    secret = factories.digest(world.acme, title="Crypto hour", topics=["crypto"])
    draft = factories.digest(world.acme, title="Unfinished", status="draft")
    publish(
        world,
        rule("regex_redact", "phones", pattern=r"\d{3}-\d{4}"),
        rule("section_hide", "sponsors", pattern="(?i)sponsor"),
        rule("topic_block", "crypto", topics=["crypto"]),
    )
    return energy, garden, secret, draft


def _export(client, **params):
    response = client.get(EXPORT, params)
    assert response.status_code == 200, body_bytes(response)
    assert response.streaming
    return response, body_bytes(response).decode()


def test_json_export_is_the_policy_applied_digests(world, library):
    energy, garden, _secret, _draft = library
    response, text = _export(world.client("viewer"), export_format="json")
    assert response["Content-Type"] == "application/json"
    assert 'filename="digests-acme.json"' in response["Content-Disposition"]
    data = json.loads(text)
    assert [d["id"] for d in data] == [energy.pk, garden.pk]  # no hidden, no draft
    assert [s["title"] for s in data[0]["sections"]] == ["Opening"]
    assert "555-1234" not in text and "[redacted]" in text
    assert data[0]["policy"]["findings"]
    assert "Crypto" not in text and "Unfinished" not in text


def test_markdown_export(world, library):
    response, text = _export(world.client("viewer"), export_format="markdown")
    assert response["Content-Type"].startswith("text/markdown")
    assert "# Energy outlook" in text
    assert "## 1. ⚡ Opening" in text and "### 1.1 Detail" in text
    assert "Sponsor" not in text and "555-1234" not in text and "Crypto" not in text
    assert text.count("\n---\n") == 1  # two digests


def test_csv_export_defuses_formulas(world, library):
    energy, garden, *_ = library
    response, text = _export(world.client("viewer"), export_format="csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == [energy.pk, garden.pk]
    assert rows[1]["title"].startswith("'=")
    assert "555-1234" not in text and "Sponsor" not in text


def test_filters_select_what_is_exported_and_editors_see_drafts(world, library):
    _energy, garden, _secret, draft = library
    _, text = _export(world.client("viewer"), export_format="json", topic="garden")
    assert [d["id"] for d in json.loads(text)] == [garden.pk]
    _, text = _export(world.client("editor"), export_format="json", status="draft")
    assert [d["id"] for d in json.loads(text)] == [draft.pk]


def test_one_digest_exports_in_each_format_and_hidden_ones_are_404(world, library):
    energy, _garden, secret, draft = library
    viewer = world.client("viewer")
    base = f"/api/v1/tenants/acme/digests/{energy.pk}/export/"
    as_json = json.loads(body_bytes(viewer.get(base, {"export_format": "json"})))
    assert as_json["id"] == energy.pk and "555-1234" not in str(as_json)
    assert body_bytes(viewer.get(base, {"export_format": "markdown"})).startswith(b"# Energy")
    assert b"Energy outlook" in body_bytes(viewer.get(base, {"export_format": "csv"}))
    for hidden in (secret, draft):
        response = viewer.get(f"/api/v1/tenants/acme/digests/{hidden.pk}/export/")
        assert response.status_code == 404


@pytest.mark.parametrize("value", ["xml", "pdf", ""])
def test_an_unknown_format_is_a_400(world, value):
    response = world.client("viewer").get(EXPORT, {"export_format": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "export_format"


def test_a_large_export_streams_in_chunks_of_rows(world, django_assert_max_num_queries):
    from digests import sync_api

    for i in range(12):
        factories.digest(world.acme, title=f"Bulk {i}")
    original = sync_api.CHUNK
    sync_api.CHUNK = 5
    try:
        response = world.client("viewer").get(EXPORT, {"export_format": "json"})
        chunks = list(response.streaming_content)
    finally:
        sync_api.CHUNK = original
    assert len(chunks) == 12 + 2  # "[", one per digest, "]"
    assert len(json.loads(b"".join(chunks))) == 12
    assert SENTINEL.encode() not in b"".join(chunks)


# --- Nothing hidden in any byte, headers included --------------------------------------------

WORD = b"nightingale"  # redacted by a policy: never in a response, in any case or form
FORMATS = {"json": "json", "markdown": "md", "csv": "csv"}


def _every_byte(response) -> tuple[bytes, bytes]:
    """(the headers and the body, the body): a streamed body can be read once."""
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    body = body_bytes(response)
    return (headers + "\n\n").encode() + body, body


@pytest.fixture
def hiding(world):
    """A digest whose title holds a redacted word, one visible to nobody but those who
    manage access, and one a keyword rule blocks; the last two carry SENTINEL."""
    from digests import services
    from tenants.context import tenant_context

    redacted = factories.digest(world.acme, title="Project Nightingale review")
    restricted = factories.digest(world.acme, title=f"Restricted {SENTINEL}")
    with tenant_context(world.acme):
        services.digest_set_access(
            actor=None, digest=restricted, restricted=True, members=[], roles=[]
        )
    blocked = factories.digest(world.acme, title=f"Blocked zeppelin {SENTINEL}")
    publish(
        world,
        rule("regex_redact", "n", pattern="Project Nightingale"),
        rule("keyword_block", "z", keywords=["zeppelin"]),
    )
    return redacted, restricted, blocked


@pytest.mark.parametrize("kind", FORMATS)
def test_one_digest_export_is_named_by_its_id_and_carries_no_redacted_word(world, hiding, kind):
    redacted, *_ = hiding
    response = world.client("viewer").get(
        f"/api/v1/tenants/acme/digests/{redacted.pk}/export/", {"export_format": kind}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="digest-{redacted.pk}.{FORMATS[kind]}"'
    )
    raw, body = _every_byte(response)
    assert WORD not in raw.lower()
    if kind != "markdown":  # Markdown shows no slug
        assert f"digest-{redacted.pk}".encode() in body  # its slug, as shown


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
def test_the_whole_export_shows_only_what_the_caller_sees(world, hiding, kind, role):
    redacted, restricted, blocked = hiding
    response = world.client(role).get(EXPORT, {"export_format": kind})
    assert response.status_code == 200
    raw, body = _every_byte(response)
    assert WORD not in raw.lower()
    assert SENTINEL.encode() not in raw
    if kind == "json":
        ids = {d["id"] for d in json.loads(body)}
        assert redacted.pk in ids and not {restricted.pk, blocked.pk} & ids
