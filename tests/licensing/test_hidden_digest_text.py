"""Digest-derived text in licensing (sources, rights holders, digests/{id}/sources/,
reports) and in the audit trail, shown only as the caller's visibility and policies
allow (licensing.text_gate.TextGate)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from digests import services as digest_services
from digests.models import Digest
from digests.parser import parse
from licensing.models import DigestSource, Source
from tenants.context import tenant_context
from tests import factories

BASE = "/api/v1/tenants/acme"
EVERYONE = {"type": "everyone"}


def _key_client(world, role: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.api_key(world.acme, role).token}")
    return client


def _rules(world, *rules):
    factories.policy(world.acme, name="Rules", rules=list(rules), publish=True)


def _restricted(world, title: str, publisher: str = "Hushed Radio"):
    digest = factories.digest(world.acme, title=title, publisher=publisher)
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=digest, restricted=True, members=[], roles=[]
        )
    return digest


def _source_of(world, digest) -> Source:
    return factories.digest_source(world.acme, digest)


BLOCK = {"id": "block", "kind": "keyword_block", "params": {"keywords": ["plimsoll"]}}
REDACT = {
    "id": "redact",
    "kind": "regex_redact",
    "params": {"pattern": "zorbl[a]x", "mask": "[redacted]"},
}
HIDE_SOURCE = {"id": "fields", "kind": "field_hide", "params": {"fields": ["source"]}}


# --- digests/{id}/sources/ ------------------------------------------------------------------


def test_digest_sources_is_404_for_a_keyword_blocked_digest(world):
    blocked = factories.digest(world.acme, title="The plimsoll files")
    _rules(world, {**BLOCK, "audience": EVERYONE})
    response = world.client("viewer").get(f"{BASE}/digests/{blocked.pk}/sources/")
    assert response.status_code == 404
    assert b"plimsoll" not in response.content


def test_digest_sources_is_403_when_a_policy_hides_the_source_field(world):
    digest = factories.digest(world.acme, title="Open digest", source_title="Secret show")
    _rules(world, {**HIDE_SOURCE, "audience": {"type": "roles", "roles": ["viewer"]}})
    viewer = world.client("viewer").get(f"{BASE}/digests/{digest.pk}/sources/")
    assert viewer.status_code == 403
    assert b"Secret show" not in viewer.content
    # Nor may a caller it applies to replace them (refused before any change).
    other = factories.source(world.acme, title="Another show")
    factories.policy(
        world.acme,
        name="Editors too",
        rules=[{**HIDE_SOURCE, "audience": {"type": "roles", "roles": ["editor"]}}],
        publish=True,
    )
    put = world.client("editor").put(
        f"{BASE}/digests/{digest.pk}/sources/", {"sources": [other.pk]}, format="json"
    )
    assert put.status_code == 403
    assert [
        s["title"] for s in world.client("owner").get(f"{BASE}/digests/{digest.pk}/sources/").json()
    ] == ["Secret show"]
    # Outside the rules' audience, the sources are shown.
    admin = world.client("admin").get(f"{BASE}/digests/{digest.pk}/sources/")
    assert [s["title"] for s in admin.json()] == ["Secret show"]


def _put_sources(client, digest, ids):
    return client.put(f"{BASE}/digests/{digest.pk}/sources/", {"sources": ids}, format="json")


@pytest.mark.parametrize("hiding", ["restricted", "blocked"])
def test_a_source_whose_text_is_hidden_cannot_be_linked(world, hiding):
    """Linking a hidden digest's source to a visible digest would show its text to every
    reader of that digest: refused, in the very words of a missing id."""
    if hiding == "restricted":
        hidden = _restricted(world, "Kerfuffle insider")
    else:
        hidden = factories.digest(world.acme, title="The plimsoll files")
        _rules(world, {**BLOCK, "audience": EVERYONE})
    source = _source_of(world, hidden)
    target = factories.digest(world.acme, title="An open digest")
    editor = world.client("editor")
    assert editor.get(f"{BASE}/digests/{hidden.pk}/").status_code == 404  # hidden from them
    refused = _put_sources(editor, target, [source.pk])
    missing = _put_sources(editor, target, [source.pk + 10_000])
    assert refused.status_code == missing.status_code == 400
    assert refused.json() == json.loads(
        missing.content.decode().replace(str(source.pk + 10_000), str(source.pk))
    )
    assert f"No source with id {source.pk}." in refused.content.decode()
    assert b"erfuffle" not in refused.content and b"plimsoll" not in refused.content
    with tenant_context(world.acme):
        linked = set(DigestSource.objects.filter(digest=target).values_list("source", flat=True))
    assert source.pk not in linked
    # Whoever may read the hidden digest may link its source.
    assert _put_sources(world.client("owner"), target, [source.pk]).status_code == (
        200 if hiding == "restricted" else 400  # the block is for everyone, owner included
    )


def test_a_readable_digests_source_and_an_unlinked_one_can_be_linked(world):
    seen = factories.digest(world.acme, title="A visible digest")
    feed = factories.source(world.acme, "A hand-made feed", kind="feed")
    target = factories.digest(world.acme, title="An open digest")
    _rules(world, {**BLOCK, "audience": EVERYONE})  # an enforced rule: no shortcut
    response = _put_sources(world.client("editor"), target, [_source_of(world, seen).pk, feed.pk])
    assert response.status_code == 200, response.content
    assert [s["title"] for s in response.json()] == ["A visible digest", "A hand-made feed"]


def test_digest_sources_are_redacted_as_the_digest_is(world):
    digest = factories.digest(world.acme, title="The zorblax hour")
    _rules(world, {**REDACT, "audience": EVERYONE})
    response = world.client("viewer").get(f"{BASE}/digests/{digest.pk}/sources/")
    assert response.status_code == 200
    assert [s["title"] for s in response.json()] == ["The [redacted] hour"]


# --- Sources made by writes ----------------------------------------------------------------


def _new_digest(**fields) -> dict:
    return {
        "title": "Kerfuffle insider",
        "publisher": "Hushed Radio",
        "published_on": "2025-03-14",
        "summary": "A summary.",
        "key_points": ["A point."],
        "sections": [{"number": 1, "title": "Opening", "bullets": ["A bullet."]}],
        **fields,
    }


def _linked(world, digest_id) -> list[Source]:
    with tenant_context(world.acme):
        return list(Source.objects.filter(digest_links__digest_id=digest_id).order_by("pk"))


def test_a_write_never_reuses_the_source_of_a_digest_hidden_from_the_writer(world):
    """Creating a digest named as a hidden one must not link (and show) the hidden
    digest's source: its address, license and attribution, and that it exists."""
    hidden = factories.digest(
        world.acme,
        title="Kerfuffle insider",
        publisher="Hushed Radio",
        source_url="https://hushed.example/secret-ep",
    )
    source = _source_of(world, hidden)
    factories.license(
        world.acme, source=source, decision="approved", attribution="Courtesy of Hushed"
    )
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=hidden, restricted=True, members=[], roles=[]
        )
    editor = world.client("editor")
    assert editor.get(f"{BASE}/digests/{hidden.pk}/").status_code == 404

    created = editor.post(f"{BASE}/digests/", _new_digest(), format="json")
    assert created.status_code == 201, created.content
    shown = created.json()["sources"]
    assert len(shown) == 1
    assert shown[0]["id"] != source.pk
    assert shown[0]["license_status"] == "unlicensed"
    assert b"secret-ep" not in created.content and b"Courtesy of" not in created.content
    own = _linked(world, created.json()["id"])
    assert [s.pk for s in own] == [shown[0]["id"]] and own[0].import_key is None
    assert own[0].rights_holder_id == source.rights_holder_id  # the publisher is one

    # Renamed and named back, it gets its own source again rather than another one.
    digest_id = created.json()["id"]
    for title in ("Kerfuffle insider, part two", "Kerfuffle insider"):
        response = editor.patch(f"{BASE}/digests/{digest_id}/", {"title": title}, format="json")
        assert response.status_code == 200, response.content
        assert source.pk not in [s["id"] for s in response.json()["sources"]]
    assert own[0] in _linked(world, digest_id)
    assert len(_linked(world, digest_id)) == 2  # its own, and part two's

    # The hidden digest's own source is untouched, and someone who reads both digests
    # reuses the known source as before.
    assert [s.pk for s in _linked(world, hidden.pk)] == [source.pk]
    owner = world.client("owner").post(
        f"{BASE}/digests/", _new_digest(summary="By the owner."), format="json"
    )
    assert owner.status_code == 201, owner.content
    assert [s["id"] for s in owner.json()["sources"]] == [source.pk]


def test_a_write_reuses_a_source_the_writer_may_see(world):
    seen = factories.digest(world.acme, title="A visible episode", publisher="Open Radio")
    source = _source_of(world, seen)
    _rules(world, {**BLOCK, "audience": EVERYONE})  # an enforced rule: no shortcut
    created = world.client("editor").post(
        f"{BASE}/digests/",
        _new_digest(title="A visible episode", publisher="Open Radio"),
        format="json",
    )
    assert created.status_code == 201, created.content
    assert [s["id"] for s in created.json()["sources"]] == [source.pk]


def test_an_import_never_reuses_the_source_of_a_hidden_digest(world):
    text = (settings.BASE_DIR / "seeds" / "digests" / "01-grid-batteries.txt").read_bytes()
    episode = parse(text.decode())
    hidden = factories.digest(
        world.acme,
        title="A hidden take on the same episode",
        source_title=episode.title,
        source_publisher=episode.publisher,
    )
    with tenant_context(world.acme):
        digest_services.digest_set_access(
            actor=None, digest=hidden, restricted=True, members=[], roles=[]
        )
    known = _linked(world, hidden.pk)
    assert len(known) == 1 and known[0].import_key is not None

    response = world.client("editor").post(
        f"{BASE}/digests/import/", data=text, content_type="text/plain"
    )
    assert response.status_code == 200, response.content
    with tenant_context(world.acme):
        imported = Digest.objects.get(import_key__isnull=False)
    linked = _linked(world, imported.pk)
    assert len(linked) == 1 and linked[0].pk != known[0].pk and linked[0].import_key is None


# --- licensing/sources/ and rights holders ------------------------------------------------


def test_a_viewer_key_sees_no_title_of_a_restricted_digests_source(world):
    hidden = _restricted(world, "Kerfuffle insider", publisher="Kerfuffle Media")
    source = _source_of(world, hidden)
    client = _key_client(world, "viewer")
    listed = client.get(f"{BASE}/licensing/sources/")
    assert listed.status_code == 200
    assert b"Kerfuffle" not in listed.content
    row = next(s for s in listed.json()["results"] if s["id"] == source.pk)
    assert (row["title"], row["publisher"], row["rights_holder_name"]) == (None, None, None)
    assert client.get(f"{BASE}/licensing/sources/?q=Kerfuffle").json()["results"] == []
    detail = client.get(f"{BASE}/licensing/sources/{source.pk}/")
    assert detail.status_code == 200 and detail.json()["title"] is None
    holders = client.get(f"{BASE}/licensing/rights-holders/")
    assert b"Kerfuffle" not in holders.content


def _cursor_text(link: str | None) -> str:
    """What a next/previous link's cursor says, decoded (DRF: base64 of `p=...&r=...`)."""
    if not link:
        return ""
    cursor = parse_qs(urlsplit(link).query).get("cursor", [""])[0]
    return unquote_plus(base64.b64decode(cursor).decode())


def test_a_rights_holder_cursor_carries_no_withheld_name(world):
    _restricted(world, "Kerfuffle insider", publisher="Kerfuffle Radio")
    for name in ("Aardvark FM", "Zebra FM"):  # around it, in name order
        factories.rights_holder(world.acme, name)
    client = _key_client(world, "viewer")
    response = client.get(f"{BASE}/licensing/rights-holders/", {"page_size": 1})
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        for link in (body["next"], body["previous"]):
            assert "kerfuffle" not in _cursor_text(link).lower()
        if not body["next"]:
            break
        response = client.get(body["next"])
    assert pages >= 3


def test_a_keyword_blocked_digests_source_title_is_withheld(world):
    blocked = factories.digest(world.acme, title="The plimsoll files")
    source = _source_of(world, blocked)
    _rules(world, {**BLOCK, "audience": EVERYONE})
    response = world.client("viewer").get(f"{BASE}/licensing/sources/{source.pk}/")
    assert response.json()["title"] is None
    assert b"plimsoll" not in response.content


def test_compliance_sees_the_registry_fields_of_a_hidden_digests_source_but_no_text(world):
    hidden = _restricted(world, "Kerfuffle insider")
    source = _source_of(world, hidden)
    factories.license(world.acme, source=source, decision="approved")
    shown = world.client("compliance").get(f"{BASE}/licensing/sources/{source.pk}/").json()
    assert shown["title"] is None and shown["publisher"] is None
    assert shown["license_status"] == "licensed"
    assert shown["kind"] == "episode" and shown["rights_holder"] is not None
    # Who may read the digest sees the text.
    owner = world.client("owner").get(f"{BASE}/licensing/sources/{source.pk}/").json()
    assert owner["title"] == "Kerfuffle insider"


def test_a_source_linked_to_no_digest_is_registry_data_shown_through_redaction(world):
    factories.source(world.acme, title="Hand-made zorblax feed", kind="feed")
    _rules(world, {**REDACT, "audience": EVERYONE})
    titles = [
        s["title"]
        for s in world.client("viewer").get(f"{BASE}/licensing/sources/").json()["results"]
    ]
    assert "Hand-made [redacted] feed" in titles


def test_a_readable_digests_source_is_shown_redacted(world):
    digest = factories.digest(world.acme, title="Morning zorblax", publisher="Zorblax FM")
    source = _source_of(world, digest)
    _rules(world, {**REDACT, "audience": EVERYONE})
    shown = world.client("viewer").get(f"{BASE}/licensing/sources/{source.pk}/").json()
    assert shown["title"] == "Morning [redacted]"
    assert shown["rights_holder_name"] == "[redacted] FM"


# --- Reports ------------------------------------------------------------------------------


@pytest.mark.parametrize("report", ["bill-of-sources", "digests-at-risk", "sources", "expiring"])
def test_reports_show_no_text_of_blocked_or_restricted_digests(world, report):
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    for digest in (
        factories.digest(world.acme, title="The plimsoll quibbleton files"),
        _restricted(world, "Kerfuffle insider", publisher="Kerfuffle Media"),
    ):
        factories.license(
            world.acme, source=_source_of(world, digest), decision="approved", valid_until=soon
        )
    factories.digest(world.acme, title="The plimsoll quibbleton annex")  # unlicensed: at risk
    _rules(world, {**BLOCK, "audience": EVERYONE})
    client = world.client("compliance")
    for export_format in ("json", "csv"):
        response = client.get(
            f"{BASE}/licensing/reports/{report}/",
            {"export_format": export_format},
        )
        assert response.status_code == 200, response.content
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"quibbleton" not in body.lower()
        assert b"kerfuffle" not in body.lower()


def test_the_bill_of_sources_lists_only_readable_digests(world):
    seen = factories.digest(world.acme, title="A zorblax digest")
    blocked = factories.digest(world.acme, title="The plimsoll files")
    _rules(world, {**BLOCK, "audience": EVERYONE}, {**REDACT, "audience": EVERYONE})
    response = world.client("compliance").get(
        f"{BASE}/licensing/reports/bill-of-sources/", {"export_format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {int(r["digest_id"]) for r in rows} == {seen.pk}
    assert rows[0]["digest"] == "A [redacted] digest"
    missing = world.client("compliance").get(
        f"{BASE}/licensing/reports/bill-of-sources/", {"digest": blocked.pk}
    )
    assert missing.status_code == 404


# --- The audit trail ----------------------------------------------------------------------


def _events(client, **params) -> list[dict]:
    response = client.get(f"{BASE}/audit/events/", {"page_size": 200, **params})
    assert response.status_code == 200
    return response.json()["results"]


def test_an_auditor_sees_events_of_a_restricted_digest_without_its_text(world):
    hidden = _restricted(world, "Kerfuffle insider")
    with tenant_context(world.acme):
        digest_services.digest_update(
            actor=None, digest=hidden, data={"summary": "The kerfuffle, in full."}
        )
    events = _events(world.client("auditor"), target_type="digest", target_id=str(hidden.pk))
    assert {e["action"] for e in events} >= {"digest.created", "digest.updated"}
    for event in events:
        assert event["target"]["display"] == f"digest {hidden.pk}"
        assert set(event["changes"].values()) <= {"withheld"}
    export = world.client("auditor").get(f"{BASE}/audit/events/export/", {"export_format": "csv"})
    assert b"erfuffle" not in b"".join(export.streaming_content)


def test_the_audit_trail_redacts_for_readers_in_a_rules_audience(world):
    digest = factories.digest(world.acme, title="The zorblax hour")
    _rules(world, {**REDACT, "audience": {"type": "roles", "roles": ["auditor"]}})
    events = _events(world.client("auditor"), target_type="digest", target_id=str(digest.pk))
    created = next(e for e in events if e["action"] == "digest.created")
    assert created["target"]["display"] == "The [redacted] hour"
    assert created["changes"]["title"] == [None, "The [redacted] hour"]


def test_an_owner_outside_every_rule_sees_the_trail_as_recorded(world):
    hidden = _restricted(world, "Kerfuffle insider")
    _rules(world, {**REDACT, "audience": {"type": "roles", "roles": ["auditor"]}})
    events = _events(world.client("owner"), target_type="digest", target_id=str(hidden.pk))
    created = next(e for e in events if e["action"] == "digest.created")
    assert created["target"]["display"] == "Kerfuffle insider"
    assert created["changes"]["title"] == [None, "Kerfuffle insider"]


def test_a_license_event_names_a_hidden_digests_source_by_id_only(world):
    hidden = _restricted(world, "Kerfuffle insider")
    lic = factories.license(world.acme, source=_source_of(world, hidden), decision="approved")
    events = _events(world.client("auditor"), target_type="license", target_id=str(lic.pk))
    assert events
    for event in events:
        assert "Kerfuffle" not in event["target"]["display"]
        assert event["target"]["display"] == f"license {lic.pk}"


def test_a_slug_change_shows_the_slug_as_the_digest_does(world):
    """A slug is shown whole or as `digest-<id>` (policies.engine's slug guard): in the
    trail as in the digest's own response, and in the export as in the list."""
    digest = factories.digest(world.acme, title="A plain digest")
    before = digest.slug
    with tenant_context(world.acme):
        digest_services.digest_update(actor=None, digest=digest, data={"slug": "zorblax-plan"})
    _rules(world, {**REDACT, "audience": {"type": "roles", "roles": ["admin"]}})
    admin = world.client("admin")
    stand_in = f"digest-{digest.pk}"
    assert admin.get(f"{BASE}/digests/{digest.pk}/").json()["slug"] == stand_in
    events = _events(admin, action="digest.updated", target_id=str(digest.pk))
    assert [e["changes"]["slug"] for e in events] == [[before, stand_in]]
    for export_format in ("csv", "jsonl"):
        export = admin.get(f"{BASE}/audit/events/export/", {"export_format": export_format})
        body = b"".join(export.streaming_content)
        assert stand_in.encode() in body
        assert b"zorblax" not in body.lower()
    # Outside the rule's audience, the trail is as recorded.
    events = _events(world.client("owner"), action="digest.updated", target_id=str(digest.pk))
    assert [e["changes"]["slug"] for e in events] == [[before, "zorblax-plan"]]


def test_a_slug_made_from_a_redacted_title_is_shown_as_the_stand_in(world):
    """The rule changes the title the slug was made from (`Zorblax` in the title, which
    a case-sensitive pattern does not find in the slug): the slug is replaced whole."""
    digest = factories.digest(world.acme, title="A plain digest")
    with tenant_context(world.acme):
        digest_services.digest_update(
            actor=None, digest=digest, data={"title": "The Zorblax plan", "slug": "the-z-plan"}
        )
    rule = {**REDACT, "params": {"pattern": "Zorbl[a]x", "mask": "[redacted]"}}
    _rules(world, {**rule, "audience": {"type": "roles", "roles": ["admin"]}})
    admin = world.client("admin")
    shown = admin.get(f"{BASE}/digests/{digest.pk}/").json()
    assert (shown["title"], shown["slug"]) == ("The [redacted] plan", f"digest-{digest.pk}")
    (event,) = _events(admin, action="digest.updated", target_id=str(digest.pk))
    assert event["changes"]["title"] == ["A plain digest", "The [redacted] plan"]
    assert event["changes"]["slug"][1] == f"digest-{digest.pk}"


# --- licensing/licenses/ ------------------------------------------------------------------


def test_license_rows_name_what_they_cover_as_the_caller_may_see_it(world):
    """A license shows its source's title or its rights holder's name next to the id,
    withheld (null) where it comes from a digest the caller may not read."""
    holder = factories.rights_holder(world.acme, "Open Airwaves")
    by_holder = factories.license(world.acme, rights_holder=holder)
    shown = factories.license(
        world.acme, source=_source_of(world, factories.digest(world.acme, title="Loud news"))
    )
    hidden = factories.license(
        world.acme, source=_source_of(world, _restricted(world, "Kerfuffle insider"))
    )
    expected = {
        by_holder.pk: (None, "Open Airwaves"),
        shown.pk: ("Loud news", None),
        hidden.pk: (None, None),
    }
    compliance = world.client("compliance")  # reads licenses, not the restricted digest
    listed = compliance.get(f"{BASE}/licensing/licenses/")
    assert listed.status_code == 200
    rows = {r["id"]: (r["source_title"], r["rights_holder_name"]) for r in listed.json()["results"]}
    assert rows == expected
    assert b"Kerfuffle" not in listed.content
    for pk, names in expected.items():
        detail = compliance.get(f"{BASE}/licensing/licenses/{pk}/").json()
        assert (detail["source_title"], detail["rights_holder_name"]) == names
    owner = world.client("owner").get(f"{BASE}/licensing/licenses/{hidden.pk}/").json()
    assert owner["source_title"] == "Kerfuffle insider"

    proposed = world.client("editor").post(
        f"{BASE}/licensing/licenses/",
        {
            "rights_holder": holder.pk,
            "origin": "manual",
            "spdx_id": "LicenseRef-open-airwaves",
            "permitted_uses": ["summarize"],
        },
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    assert proposed.json()["rights_holder_name"] == "Open Airwaves"


# --- One answer, whether asked of a page or of the whole registry ----------------------------


@pytest.mark.parametrize("role", ["viewer", "compliance", "owner"])
def test_a_page_marks_its_rows_as_the_registry_wide_condition_says(world, role):
    """Pages mark their rows by a query about those rows' links only (`TextGate.mark`);
    the reports annotate every row (`TextGate.sources`, `holders`). Both give each
    source and rights holder the same answer, whichever rows are asked together."""
    from licensing.models import RightsHolder
    from licensing.text_gate import TextGate
    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    readable = factories.digest(world.acme, title="Open morning", publisher="Shared FM")
    restricted = _restricted(world, "Closed evening", publisher="Shared FM")
    _restricted(world, "Closed night", publisher="Hushed Radio")
    factories.digest(world.acme, title="The plimsoll files", publisher="Plimsoll Radio")
    factories.source(world.acme, title="A feed of no digest", kind="feed")
    # A restricted digest's source that also serves a readable one: shown.
    with tenant_context(world.acme):
        from licensing import services as licensing_services

        licensing_services.digest_sources_set(
            actor=None, digest=readable, sources=[_source_of(world, restricted)]
        )
    _rules(world, {**BLOCK, "audience": EVERYONE})
    user = world.members[role]
    with tenant_context(world.acme):
        membership = Membership.objects.get(user=user)
        principal = Principal(
            tenant=world.acme,
            role=membership.role,
            permissions=role_permissions(membership.role),
            user=user,
            api_key=None,
        )
        gate = TextGate(principal)
        whole = {s.pk: (s.text_shown, s.holder_shown) for s in gate.sources(Source.objects.all())}
        holders = {h.pk: h.text_shown for h in gate.holders(RightsHolder.objects.all())}
        assert len(whole) == 5 and len(holders) == 3
        if role == "viewer":  # the night's and the plimsoll files' sources and holders
            assert [shown for shown, _ in whole.values()].count(False) == 2
            assert list(holders.values()).count(False) == 2
        for ids in [list(whole), *([pk] for pk in whole)]:
            page = gate.mark_sources(Source.objects.filter(pk__in=ids))
            assert {s.pk: (s.text_shown, s.holder_shown) for s in page} == {
                pk: whole[pk] for pk in ids
            }
        marked = gate.mark(RightsHolder.objects.all(), holder="pk")
        assert {h.pk: h.text_shown for h in marked} == holders
