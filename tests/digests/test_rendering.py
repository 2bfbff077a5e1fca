"""How a digest is shown: one rendering (`digests.selectors.as_shown`, written by
PostgreSQL) for the list, the detail, exports, the changes feed and the answers to
writes, field by field, and as the OpenAPI document describes it."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from digests import selectors
from digests.models import Digest
from licensing.selectors import today
from tenants.context import tenant_context
from tests import factories
from tests.policies import publish, rule

UTC = dt.UTC
DIGESTS = "/api/v1/tenants/acme/digests"
LISTED_KEYS = [
    *("id", "slug", "title", "publisher", "published_on", "summary", "key_points", "topics"),
    *("language", "status", "truncated", "restricted", "source", "updated_at"),
]
DETAIL_ONLY_KEYS = ["sections", "exporter", "created_at", "published_at"]


def set_times(digest, **times) -> None:
    Digest.objects.unscoped().filter(pk=digest.pk).update(**times)


def without_decision_id(data: dict) -> dict:
    """An answer with its policy decision's random id left out."""
    return {**data, "policy": {k: v for k, v in data["policy"].items() if k != "decision_id"}}


def test_a_digest_is_shown_as_stored(world):
    sections = [
        {
            "number": 1,
            "emoji": "🌊",
            "title": "Nested",
            "bullets": ["One", 'Two "quoted"'],
            "subsections": [{"number": "1.1", "title": "Deeper", "bullets": []}],
        },
        {"number": 2, "emoji": "", "title": "Bare", "bullets": [], "subsections": []},
    ]
    digest = factories.digest(
        world.acme,
        title='Quotes " and \\ backslashes, tabs\tand\nnew lines \x01 control',
        slug="quotes-and-more",
        publisher="Éditions Ünïcödé 🎧 عربي",
        published_on=dt.date(999, 12, 31),
        summary="Emoji 👩🏽‍🔬 and combining e\u0301",
        key_points=["Point with \u2028 line separator", "<script>&amp;</script>"],
        topics=["energy", "ÉNERGIE"],
        language="fr",
        sections=sections,
        exporter="Digest Exporter 2.1",
        source_title="Original title",
        source_publisher="",
        source_url="https://x.test/7?a=1&b=%20",
    )
    set_times(
        digest,
        created_at=dt.datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
        updated_at=dt.datetime(2025, 3, 14, 9, 26, 53, 5, tzinfo=UTC),
        published_at=dt.datetime(9999, 12, 31, 23, 59, 59, 100000, tzinfo=UTC),
    )
    source = factories.digest_source(world.acme, digest)
    response = world.client("viewer").get(f"{DIGESTS}/{digest.pk}/")
    assert response.status_code == 200
    shown = response.json()
    assert list(shown) == [*LISTED_KEYS, *DETAIL_ONLY_KEYS, "sources", "policy"]
    assert {k: v for k, v in shown.items() if k != "policy"} == {
        "id": digest.pk,
        "slug": "quotes-and-more",
        "title": 'Quotes " and \\ backslashes, tabs\tand\nnew lines \x01 control',
        "publisher": "Éditions Ünïcödé 🎧 عربي",
        "published_on": "0999-12-31",
        "summary": "Emoji 👩🏽‍🔬 and combining e\u0301",
        "key_points": ["Point with \u2028 line separator", "<script>&amp;</script>"],
        "topics": ["energy", "énergie"],
        "language": "fr",
        "status": "published",
        "truncated": False,
        "restricted": False,
        # A blank source field falls back to the digest's own.
        "source": {
            "publisher": "Éditions Ünïcödé 🎧 عربي",
            "title": "Original title",
            "url": "https://x.test/7?a=1&b=%20",
        },
        "updated_at": "2025-03-14T09:26:53.000005Z",
        "sections": sections,
        "exporter": "Digest Exporter 2.1",
        "created_at": "2025-03-14T09:26:53Z",
        "published_at": "9999-12-31T23:59:59.100000Z",
        "sources": [
            {
                "id": source.pk,
                "kind": "episode",
                "title": source.title,
                "publisher": source.publisher,
                "url": source.canonical_url or None,
                "license_status": "unlicensed",
                "attribution": "",
            }
        ],
    }


@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo", "Asia/Kathmandu"])
def test_the_sessions_time_zone_changes_no_timestamp(world, zone):
    digest = factories.digest(world.acme, source_url="")
    set_times(
        digest,
        created_at=dt.datetime(2, 1, 1, tzinfo=UTC),
        updated_at=dt.datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        published_at=None,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, false)", [zone])
    try:
        with tenant_context(world.acme):
            [written] = selectors.rendered(
                Digest.objects.filter(pk=digest.pk), today(), detail=True
            ).values_list(selectors.RENDERED[True], flat=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('TimeZone', 'UTC', false)")
    assert (written["created_at"], written["updated_at"], written["published_at"]) == (
        "0002-01-01T00:00:00Z",
        "2025-12-31T23:59:59.999999Z",
        None,
    )
    assert written["source"]["url"] is None  # a blank URL is null, not ""


def test_every_output_shows_a_digest_alike(world):
    """The list entry is the detail less the whole digest's fields; the exports, the
    changes feed and the answers to writes show exactly the detail."""
    publish(world, rule("regex_redact", "codes", pattern=r"code \d+", mask="▇"))
    editor = world.client("editor")
    made = editor.post(
        f"{DIGESTS}/",
        {
            "title": "Made with code 42",
            "publisher": "Test Radio",
            "published_on": "2025-05-01",
            "summary": "The code 7 is redacted.",
            "sections": [{"number": 1, "title": "One", "bullets": ["code 9"]}],
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    detail = editor.get(f"{DIGESTS}/{pk}/").json()
    assert detail["title"] == "Made with ▇"
    assert without_decision_id(made.json()) == without_decision_id(detail)

    published = editor.post(f"{DIGESTS}/{pk}/publish/").json()
    detail = editor.get(f"{DIGESTS}/{pk}/").json()
    assert without_decision_id(published) == without_decision_id(detail)

    patched = editor.patch(f"{DIGESTS}/{pk}/", {"exporter": "Hand"}, format="json").json()
    detail = editor.get(f"{DIGESTS}/{pk}/").json()
    assert detail["exporter"] == "Hand"
    assert without_decision_id(patched) == without_decision_id(detail)

    [entry] = [d for d in editor.get(f"{DIGESTS}/").json()["results"] if d["id"] == pk]
    assert list(entry) == [*LISTED_KEYS, "sources", "policy"]
    assert {k: v for k, v in entry.items() if k != "policy"} == {
        k: v for k, v in detail.items() if k not in [*DETAIL_ONLY_KEYS, "policy"]
    }
    # The same findings, but those in the sections the list does not show.
    assert entry["policy"]["findings"] == [
        f for f in detail["policy"]["findings"] if not f["path"].startswith("sections")
    ]

    one = json.loads(b"".join(editor.get(f"{DIGESTS}/{pk}/export/").streaming_content))
    assert without_decision_id(one) == without_decision_id(detail)
    every = json.loads(b"".join(editor.get(f"{DIGESTS}/export/").streaming_content))
    [exported] = [d for d in every if d["id"] == pk]
    assert without_decision_id(exported) == without_decision_id(detail)

    feed = editor.get(f"{DIGESTS}/changes/?since=0").json()
    [change] = [c for c in feed["results"] if c["id"] == pk]
    assert without_decision_id(change["digest"]) == without_decision_id(detail)


def test_a_write_answer_carries_monitor_findings(world):
    """The answer to a write is read again with the caller's rules, monitor-mode hiding
    rules included, as the detail reads it."""
    publish(world, rule("keyword_block", "watch", keywords=["tariffs"], mode="monitor"))
    editor = world.client("editor")
    made = editor.post(
        f"{DIGESTS}/",
        {"title": "On tariffs", "publisher": "Test Radio", "published_on": "2025-05-01"},
        format="json",
    )
    assert made.status_code == 201, made.content
    detail = editor.get(f"{DIGESTS}/{made.json()['id']}/").json()
    findings = made.json()["policy"]["findings"]
    assert findings == detail["policy"]["findings"]
    assert [(f["rule"], f["enforced"]) for f in findings] == [("content/watch", False)]


# --- Answers against the OpenAPI document ---------------------------------------------------


def _nullable_as_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema says it; `$ref`s kept."""
    if isinstance(node, list):
        return [_nullable_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture(scope="module")
def document() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return _nullable_as_json_schema(json.loads(OpenApiJsonRenderer().render(generated)))


def assert_documented(document: dict, path: str, method: str, status: int, body) -> None:
    operation = document["paths"][path][method]
    content = operation["responses"][str(status)]["content"]
    schema = content["application/json"]["schema"]
    validator = jsonschema.Draft7Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_digest_answers_match_the_openapi_document(world, document):
    # Policies that null fields, redact text and replace a slug: the answers' rarer shapes.
    publish(
        world,
        rule("field_hide", "f", fields=["summary", "topics"]),
        rule("regex_redact", "codes", pattern=r"code \d+", mask="▇"),
        rule("keyword_block", "watch", keywords=["tariffs"], mode="monitor"),
    )
    digest = factories.digest(world.acme, title="With code 12 on tariffs")
    factories.digest(world.acme, status="draft")
    editor = world.client("editor")
    base = "/api/v1/tenants/{tenant}/digests"
    made = editor.post(
        f"{DIGESTS}/",
        {"title": "New", "publisher": "Test Radio", "published_on": "2025-05-01"},
        format="json",
    )
    pk = made.json()["id"]
    answers = [
        (f"{base}/", "get", editor.get(f"{DIGESTS}/")),
        (f"{base}/", "get", editor.get(f"{DIGESTS}/?q=code")),
        (f"{base}/", "post", made),
        (f"{base}/{{id}}/", "get", editor.get(f"{DIGESTS}/{digest.pk}/")),
        (
            f"{base}/{{id}}/",
            "put",
            editor.put(
                f"{DIGESTS}/{pk}/",
                {"title": "Put", "publisher": "P", "published_on": "2025-05-02"},
                format="json",
            ),
        ),
        (
            f"{base}/{{id}}/",
            "patch",
            editor.patch(f"{DIGESTS}/{pk}/", {"title": "P"}, format="json"),
        ),
        (f"{base}/{{id}}/publish/", "post", editor.post(f"{DIGESTS}/{pk}/publish/")),
        (f"{base}/{{id}}/archive/", "post", editor.post(f"{DIGESTS}/{pk}/archive/")),
        (f"{base}/changes/", "get", editor.get(f"{DIGESTS}/changes/?since=0")),
        (
            f"{base}/{{id}}/sources/",
            "get",
            world.client("admin").get(f"{DIGESTS}/{digest.pk}/sources/"),
        ),
    ]
    for path, method, response in answers:
        assert response.status_code in (200, 201), (path, method, response.content)
        assert_documented(document, path, method, response.status_code, response.json())
    shown = editor.get(f"{DIGESTS}/{digest.pk}/").json()
    assert (shown["title"], shown["summary"]) == ("With ▇ on tariffs", None)
    for path, url in (
        (f"{base}/export/", f"{DIGESTS}/export/"),
        (f"{base}/{{id}}/export/", f"{DIGESTS}/{digest.pk}/export/"),
    ):
        body = json.loads(b"".join(editor.get(url).streaming_content))
        assert_documented(document, path, "get", 200, body)


def test_a_digest_deleted_before_it_is_read_again_is_a_404(world):
    """A write's answer reads its digest again; if another request deleted it meanwhile,
    the caller is told it is gone, not served a server error."""
    from django.http import Http404

    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    digest = factories.digest(world.acme, title="Gone meanwhile")
    with tenant_context(world.acme):
        role = Membership.objects.get(user=world.members["editor"]).role
        principal = Principal(
            tenant=world.acme,
            role=role,
            permissions=role_permissions(role),
            user=world.members["editor"],
        )
        reader = selectors.reader_for(principal)
        Digest.objects.filter(pk=digest.pk).delete()
        with pytest.raises(Http404):
            selectors.as_shown(reader, [digest])
