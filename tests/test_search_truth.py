"""Search and text filters match only the text the caller is shown.

A word a policy redacts, a field or section it hides, a digest it blocks and a digest
restricted from the caller or still a draft: none of them may select, count or order a
result. The fixture is the hidden-text one (tests/test_hidden_text.py): one sentinel
word per way of hiding text, the rules in force for every caller but the owner.

The searchable parameters are read from the OpenAPI document: every free-text query
parameter of every tenant list, so a new one joins the test by being described. Each is
sent every sentinel in the forms the digests hold it (the word, its publisher, its
title); the owner, outside the rules' audience and reading everything, finds each kind
(the control), and no other caller finds any sentinel they may not read.
"""

from __future__ import annotations

import re

import orjson
import pytest
from drf_spectacular.generators import SchemaGenerator

from digests.models import Digest, SearchShape, ShownText
from policies import services as policy_services
from policies.models import Policy
from tenants.context import tenant_context
from tests import factories, test_hidden_text
from tests.endpoints import body_bytes, tenant_endpoints
from tests.test_hidden_text import (
    CALLERS,
    REDACTED,
    SENTINELS,
    _client,
    _forbidden,
)

hidden = test_hidden_text.hidden  # the fixture

# Query parameters that are not text to search: paging, order, format.
NOT_TEXT = {"cursor", "page_size", "ordering", "export_format"}


def _probes(word: str) -> list[str]:
    """The forms the fixture's digests hold a sentinel in: the word (search, topics),
    a publisher, a title (sources)."""
    return [word, f"{word.title()} Radio", f"The {word} report", f"Hidden {word}"]


@pytest.fixture(scope="module")
def text_parameters() -> dict[str, list[str]]:
    """{tenant list route: its free-text query parameters}, from the OpenAPI document."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[str, list[str]] = {}
    for path, operations in document["paths"].items():
        get = operations.get("get")
        if get is None or not path.startswith("/api/v1/tenants/{tenant}/"):
            continue
        names = [
            p["name"]
            for p in get.get("parameters", [])
            if p["in"] == "query"
            and p["name"] not in NOT_TEXT
            and p.get("schema", {}).get("type") == "string"
            and "enum" not in p["schema"]
            and "format" not in p["schema"]
        ]
        if names:
            found[re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/"))] = names
    return found


def _searchable(text_parameters):
    lists = [e for e in tenant_endpoints() if e.method == "get" and not e.is_detail]
    out = []
    for endpoint in lists:
        route = endpoint.route.replace("<slug:tenant>", "<tenant>")
        for name in text_parameters.get(route, []):
            out.append((endpoint, name))
    return out


def _count(response) -> int:
    body = orjson.loads(body_bytes(response))
    return len(body if isinstance(body, list) else body["results"])


def test_the_searchable_parameters_are_found(text_parameters):
    names = {
        (route.split("/")[-2], name) for route, names in text_parameters.items() for name in names
    }
    assert {("digests", "q"), ("digests", "publisher"), ("digests", "topic")} <= names
    assert ("sources", "q") in names
    assert ("export", "q") in names


@pytest.mark.parametrize("caller", CALLERS)
def test_no_search_finds_what_the_caller_is_not_shown(hidden, text_parameters, caller):
    world = hidden[0]
    owner = world.client("owner")
    client = _client(hidden, caller)
    words = _forbidden(caller)
    searchable = _searchable(text_parameters)
    assert searchable, "no searchable list found"
    found_by_owner: dict[str, set[str]] = {}
    selected = []
    for endpoint, name in list(searchable):
        if owner.get(endpoint.url("acme"), {name: "word"}).status_code == 400:
            searchable.remove((endpoint, name))  # not free text (a change number)
            continue
        for word in SENTINELS:
            for probe in _probes(word):
                url = endpoint.url("acme")
                control = owner.get(url, {name: probe})
                assert control.status_code == 200, (url, name, control.status_code)
                if _count(control):
                    found_by_owner.setdefault(f"{endpoint.route}?{name}", set()).add(word)
                if word not in words:
                    continue
                response = client.get(url, {name: probe})
                assert response.status_code in (200, 403), (url, response.status_code)
                count = _count(response) if response.status_code == 200 else 0
                if count:
                    selected.append(f"{url}?{name}={probe}: {count}")
    # The control: the digests' and sources' text parameters find what they hold (the
    # others, such as an audit event's action or a member's e-mail, hold no digest
    # text), and every kind of sentinel is found somewhere.
    searching = {key.split("/", 4)[-1] for key in found_by_owner}
    assert {
        "digests/?q",
        "digests/?publisher",
        "digests/?topic",
        "digests/export/?q",
        "licensing/sources/?q",
    } <= searching, found_by_owner
    assert set().union(*found_by_owner.values()) == set(SENTINELS)
    assert not selected, "\n".join(selected)


def _search_ids(client, q: str, **params) -> list[int]:
    response = client.get("/api/v1/tenants/acme/digests/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_redacted_word_does_not_rank(hidden):
    """Two digests match a word the viewer reads; one also holds a redacted word. Asking
    for either word orders them as asking for the shown word alone does."""
    world, _, _, _ = hidden
    acme = world.acme
    with_word = factories.digest(
        acme, title="Alpine zorblax zorblax notes", summary="alpine", status="published"
    )
    plain = factories.digest(acme, title="Alpine notes", summary="", status="published")
    viewer = _client(hidden, "viewer")
    alone = _search_ids(viewer, "alpine")
    either = _search_ids(viewer, "alpine or zorblax")
    assert set(alone) == {with_word.pk, plain.pk}
    assert either == alone
    # The owner's order does weigh the word: the check above could have failed.
    assert _search_ids(world.client("owner"), "alpine or zorblax")[0] == with_word.pk


def test_monitor_mode_changes_no_search(hidden):
    """With every rule in monitor mode, each caller's answers are those of no rule."""
    world, _, _, _ = hidden
    probes = [
        (name, probe)
        for word in SENTINELS
        for probe in _probes(word)
        for name in ("q", "publisher", "topic")
    ]

    def answers():
        out = {}
        for caller in CALLERS:
            client = _client(hidden, caller)
            for name, probe in probes:
                response = client.get("/api/v1/tenants/acme/digests/", {name: probe})
                out[caller, name, probe] = sorted(r["id"] for r in response.json()["results"])
        return out

    monitored, unruled = factories.rules_in_monitor_then_off(world.acme, answers)
    assert monitored == unruled
    # And the rules in force did change answers (or the comparison proves nothing).
    assert any(monitored[key] for key in monitored if key[0] == "viewer" and key[2] == REDACTED)


def test_shown_texts_follow_the_writes(hidden):
    """A write is searchable by a shaped reader as soon as it commits, through the API,
    and a text changed behind the services' back is found by no word, old or new."""
    world, digests, _, _ = hidden
    viewer = _client(hidden, "viewer")
    editor = world.client("editor")
    assert _search_ids(viewer, "anything") == []  # builds the viewer's shape
    with tenant_context(world.acme):
        shape = SearchShape.objects.get()
        assert ShownText.objects.filter(shape=shape, digest=digests[REDACTED]).exists()
    created = editor.post(
        "/api/v1/tenants/acme/digests/",
        {"title": "Marmalade zorblax", "publisher": "P", "published_on": "2025-01-02"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    editor.post(f"/api/v1/tenants/acme/digests/{pk}/publish/")
    assert _search_ids(viewer, "marmalade") == [pk]
    assert _search_ids(viewer, "zorblax") == []
    changed = editor.patch(
        f"/api/v1/tenants/acme/digests/{pk}/", {"title": "Quince jam"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert _search_ids(viewer, "marmalade") == []
    assert _search_ids(viewer, "quince") == [pk]
    # A digest the rules do not change has no row: it is searched as stored.
    plain = editor.post(
        "/api/v1/tenants/acme/digests/",
        {"title": "Damson cheese", "publisher": "P", "published_on": "2025-01-03"},
        format="json",
    ).json()["id"]
    editor.post(f"/api/v1/tenants/acme/digests/{plain}/publish/")
    assert _search_ids(viewer, "damson") == [plain]
    with tenant_context(world.acme):
        assert not ShownText.objects.filter(digest_id=plain).exists()
        # Behind the services' back: the triggers leave stale rows, which match nothing.
        Digest.objects.filter(pk__in=[pk, plain]).update(title="Rhubarb tart")
        assert ShownText.objects.filter(digest_id__in=[pk, plain], title=None).count() == 2
        Digest.objects.create(
            tenant=world.acme,
            slug="sneaked-in",
            title="Sneaked in",
            publisher="P",
            published_on="2025-01-04",
            status="published",
        )
        assert ShownText.objects.filter(digest__slug="sneaked-in", title=None).exists()
    for word in ("quince", "damson", "rhubarb", "sneaked"):
        assert _search_ids(viewer, word) == [], word
    # Owner has no shape: the stored text.
    assert len(_search_ids(world.client("owner"), "rhubarb")) == 2


def test_a_policy_change_forgets_the_shapes(hidden):
    world, _, _, _ = hidden
    _search_ids(_client(hidden, "viewer"), "anything")
    with tenant_context(world.acme):
        assert SearchShape.objects.exists()
        policy = Policy.objects.get()
        policy_services.policy_publish(actor=None, policy=policy)
        assert not SearchShape.objects.exists()
        assert not ShownText.objects.exists()


def test_the_index_is_rebuilt_by_one_command(hidden):
    """`rebuild_search_index` makes every shape of the rules in force (the viewer's
    among them) with every digest's shown text, and drops the others."""
    from io import StringIO

    from django.core.management import call_command

    from digests import search
    from digests.search import shapes_in_force
    from digests.selectors import reader_for
    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    world, _, _, _ = hidden
    with tenant_context(world.acme):
        stale = SearchShape.objects.create(key="0" * 64, rules=[])
        in_force = {shape.key for shape in shapes_in_force()}
        role = Membership.objects.get(user=world.members["viewer"]).role
        viewer = reader_for(
            Principal(
                tenant=world.acme,
                role=role,
                permissions=role_permissions(role),
                user=world.members["viewer"],
            )
        )
    assert viewer.text_shape.key in in_force
    out, err = StringIO(), StringIO()
    call_command("rebuild_search_index", tenant="acme", progress="always", stdout=out, stderr=err)
    assert out.getvalue().startswith("acme: ")
    assert "[" + "#" * 30 + "]" in err.getvalue()
    with tenant_context(world.acme):
        assert not SearchShape.objects.filter(pk=stale.pk).exists()
        shapes = list(SearchShape.objects.all())
        assert {shape.key for shape in shapes} == in_force
        written = set(ShownText.objects.values_list("shape_id", "digest_id"))
        expected = {
            (row.shape.pk, row.digest_id)
            for shape in shapes
            for row in search.shown_texts(shape, Digest.objects.all())
        }
        assert written == expected and written
    # Searching now reads what the command built.
    assert _search_ids(_client(hidden, "viewer"), "zorblax") == []


def test_a_shape_dropped_meanwhile_selects_nothing(hidden):
    """A search whose shape is dropped between its lookup and its query (a policy change
    committing meanwhile) finds nothing, not the stored text of every digest."""
    from digests import search
    from digests.selectors import reader_for
    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    world, digests, _, _ = hidden
    with tenant_context(world.acme):
        role = Membership.objects.get(user=world.members["viewer"]).role
        reader = reader_for(
            Principal(
                tenant=world.acme,
                role=role,
                permissions=role_permissions(role),
                user=world.members["viewer"],
            )
        )
        found = search.search(reader, Digest.objects.all(), "report")
        assert digests[REDACTED].pk in {d.pk for d in found}  # its title is shown
        planned = search.search(reader, Digest.objects.all(), REDACTED)  # shape looked up
        search.forget_shapes()
        assert list(planned) == []
        assert search.SearchShape.objects.count() == 0


def test_filters_combine_on_one_join(hidden):
    """Search and both text filters at once, for a caller whose rules change text."""
    _, digests, _, _ = hidden
    viewer = _client(hidden, "viewer")
    response = viewer.get(
        "/api/v1/tenants/acme/digests/",
        {"q": "report", "publisher": "[redacted] Radio", "topic": "[redacted]"},
    )
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [digests[REDACTED].pk]
    assert _search_ids(viewer, "report", publisher="Zorblax Radio") == []


def test_a_row_written_meanwhile_selects_nothing(world):
    """A shape none of whose digests the rules change searches the digests' columns, as
    long as that stays true in the statement: a write giving a digest a row between the
    lookup and the query makes the query select nothing."""
    from digests import search
    from digests.selectors import reader_for
    from tenants.models import Membership
    from tenants.principals import Principal, role_permissions

    acme = world.acme
    factories.policy(
        acme,
        rules=[
            {
                "id": "mask",
                "kind": "regex_redact",
                "params": {"pattern": "flumm[o]x", "mask": "[x]"},
            }
        ],
        publish=True,
    )
    factories.digest(acme, title="Plain tidings", status="published")
    with tenant_context(acme):
        role = Membership.objects.get(user=world.members["viewer"]).role
        principal = Principal(
            tenant=acme, role=role, permissions=role_permissions(role), user=world.members["viewer"]
        )
        reader = reader_for(principal)
        columns = search.ShownColumns(reader)
        assert columns.shape_id is not None and not columns.has_rows
        planned = columns.search(Digest.objects.all(), "tidings")
        assert len(list(planned)) == 1
        factories.digest(acme, title="Flummox tidings", status="published")
        assert ShownText.objects.filter(shape_id=columns.shape_id).exists()
        assert list(planned.all()) == []
        # Looked up again, the row is read: the new digest is found by its shown text only.
        again = search.ShownColumns(reader)
        assert again.has_rows
        assert len(list(again.search(Digest.objects.all(), "tidings"))) == 2
        assert list(again.search(Digest.objects.all(), "flummox")) == []
