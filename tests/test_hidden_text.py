"""No word a published policy hides, and no word that stands only in a digest the caller
may not see, leaves the platform in any byte of any response: body or headers.

Every GET endpoint is found by walking the URLconf (tests.endpoints), so a new endpoint
joins this test without anyone writing a line. Each is called with the ids of every
object of its model in the tenant (those of hidden digests included: they must 404),
with and without `q=` set to each sentinel word, and in each export format, by callers
in the rules' audience who hold no grant on the restricted digest: a viewer, a viewer
API key, a compliance officer, an auditor's API key, and a custom role that holds the
policy permissions and a viewer's (for simulation, the one POST called: with every role
and every API key of the tenant as the principal to simulate; those no stronger than the
caller, the viewer's included, answer). Each list is also read a row at a time, following
its links, and the position in each link's cursor (base64) is read as well.

The sentinels, one word each, in titles, slugs, publishers, summaries, key points,
topics, sections, source titles and publishers (and so in the licensing registry the
importer fills from them, and in the audit trail, which also holds a slug change):

- REDACTED: in a visible digest, redacted by an enforce-mode `regex_redact` rule;
- BLOCKED: in a digest a `keyword_block` rule hides (by another word it contains);
- FIELD_HIDDEN: in the source and summary of a visible digest, which `field_hide`
  hides from viewers (compliance and auditors see them);
- SECTION_HIDDEN: in a section a `section_hide` rule hides;
- RESTRICTED: in a restricted digest nobody calling has a grant on;
- DRAFT: in a draft (compliance reads drafts; the others do not).

The rules' own text never contains a sentinel (the pattern is `zorbl[a]x`, the keyword
another word of the blocked digest), so a caller who may read policies reads no
sentinel there.

This test checks bytes only; that no search or filter selects by such a word is
tests/test_search_truth.py.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from digests import services as digest_services
from digests.models import Digest
from policies import services as policy_services
from tenants.context import tenant_context
from tests import factories
from tests.endpoints import body_bytes, tenant_endpoints

REDACTED = "zorblax"
BLOCKED = "quibbleton"
FIELD_HIDDEN = "gallimaufry"
SECTION_HIDDEN = "wombatry"
RESTRICTED = "kerfuffle"
DRAFT = "snollygoster"
SENTINELS = (REDACTED, BLOCKED, FIELD_HIDDEN, SECTION_HIDDEN, RESTRICTED, DRAFT)

# The roles the content rules apply to (an API key is in the audience of its role).
AUDIENCE = ["viewer", "compliance", "auditor", "policy-tinkerer"]
# Export formats any endpoint may offer; an endpoint refuses the ones it does not (400).
FORMATS = ("json", "csv", "jsonl", "markdown")
# Pages read of each list a row at a time (every list of the fixture is shorter but the
# audit trail's).
ROW_PAGES = 40

ENDPOINTS = tenant_endpoints()
GET_ENDPOINTS = [e for e in ENDPOINTS if e.method == "get"]
SIMULATE = [e for e in ENDPOINTS if e.action == "simulate"]


def _digest(tenant, word: str, *, status="published", **fields):
    """A digest carrying `word` in every text it has."""
    data = {
        "title": f"The {word} report",
        "publisher": f"{word.title()} Radio",
        "summary": f"A summary about {word}.",
        "key_points": [f"A point on {word}."],
        "topics": [word],
        "sections": [
            {
                "number": 1,
                "emoji": "",
                "title": f"About {word}",
                "bullets": [f"More {word}."],
                "subsections": [],
            }
        ],
        "published_on": dt.date(2025, 5, 1),
    }
    data.update(fields)
    return factories.digest(tenant, status=status, **data)


@pytest.fixture
def hidden(world):
    """acme, with one digest per way of hiding text, licenses on their sources, the
    rules in force, and the callers."""
    acme = world.acme
    # Simulates drafts: the policy permissions and a viewer's (a simulation shows
    # digests), so a viewer and its key are no stronger and may be simulated; and it may
    # see API keys, to name one.
    tinkerer = factories.custom_role(
        acme,
        slug="policy-tinkerer",
        permissions=[
            "policies.view_policy",
            "policies.change_policy",
            "digests.view_digest",
            "licensing.view_source",
            "tenants.view_apikey",
        ],
    )
    digests = {
        REDACTED: _digest(acme, REDACTED),
        BLOCKED: _digest(acme, BLOCKED, title=f"Plimsoll {BLOCKED} weekly"),
        FIELD_HIDDEN: _digest(
            acme,
            "plain",
            title="A plain digest",
            summary=f"A {FIELD_HIDDEN} of things.",
            source_title=f"The {FIELD_HIDDEN} hour",
            source_publisher=f"{FIELD_HIDDEN.title()} Network",
            source_url=f"https://{FIELD_HIDDEN}.example/episode",
        ),
        SECTION_HIDDEN: _digest(
            acme,
            "sections",
            title="A digest with a hidden section",
            sections=[
                {"number": 1, "emoji": "", "title": "Opening", "bullets": ["Hi."]},
                {
                    "number": 2,
                    "emoji": "",
                    "title": f"Hidden {SECTION_HIDDEN}",
                    "bullets": [f"The {SECTION_HIDDEN} details."],
                    "subsections": [],
                },
            ],
        ),
        RESTRICTED: _digest(acme, RESTRICTED),
        DRAFT: _digest(acme, DRAFT, status="draft"),
    }
    with tenant_context(acme):
        digest_services.digest_set_access(
            actor=None, digest=digests[RESTRICTED], restricted=True, members=[], roles=[]
        )
        # An edit, so the audit trail holds before/after text.
        digest_services.digest_update(
            actor=None,
            digest=digests[RESTRICTED],
            data={"summary": f"An edited summary about {RESTRICTED}."},
        )
        # A slug change: the trail holds the redacted word in both slugs.
        digest_services.digest_update(
            actor=None, digest=digests[REDACTED], data={"slug": f"{REDACTED}-plan"}
        )
        from licensing.models import DigestSource

        links = {
            link.digest_id: link.source
            for link in DigestSource.objects.select_related("source", "source__rights_holder")
        }
    soon = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    for digest in digests.values():
        source = links[digest.pk]
        factories.license(acme, source=source, decision="approved", valid_until=soon)
        if source.rights_holder is not None:
            lic = factories.license(
                acme, rights_holder=source.rights_holder, decision="approved", valid_until=soon
            )
            factories.evidence(acme, lic)
    rules = [
        {
            "id": "redact",
            "kind": "regex_redact",
            "params": {"pattern": "zorbl[a]x", "mask": "[redacted]"},
            "audience": {"type": "roles", "roles": AUDIENCE},
        },
        {
            "id": "block",
            "kind": "keyword_block",
            "params": {"keywords": ["plimsoll"]},
            "audience": {"type": "roles", "roles": AUDIENCE},
        },
        {
            "id": "sections",
            "kind": "section_hide",
            "params": {"pattern": "^hidden"},
            "audience": {"type": "roles", "roles": AUDIENCE},
        },
        {
            "id": "fields",
            "kind": "field_hide",
            "params": {"fields": ["source", "summary"]},
            "audience": {"type": "roles", "roles": ["viewer"]},
        },
    ]
    policy = factories.policy(acme, name="Content rules", rules=rules, publish=True)
    # A draft that would lift the keyword block and watch for a word of a digest every
    # simulating caller reads: what simulation compares.
    watch = {
        "id": "watch",
        "kind": "keyword_block",
        "mode": "monitor",
        "params": {"keywords": ["plain"]},
        "audience": {"type": "roles", "roles": AUDIENCE},
    }
    with tenant_context(acme):
        policy_services.policy_update(
            actor=None, policy=policy, rules=rules[:1] + rules[2:] + [watch]
        )
    keys = {
        "viewer-key": factories.api_key(acme, "viewer", name="viewer app"),
        "auditor-key": factories.api_key(acme, "auditor", name="auditor app"),
        "tinkerer-key": factories.api_key(acme, "policy-tinkerer", name="tinker app"),
    }
    people = {
        "viewer": world.members["viewer"],
        "compliance": world.members["compliance"],
        "policy-tinkerer": factories.membership(acme, tinkerer, email="tinker@acme.test").user,
    }
    return world, digests, people, keys


def _client(hidden, caller: str) -> APIClient:
    _, _, people, keys = hidden
    client = APIClient()
    if caller in keys:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[caller].token}")
    else:
        client.force_login(people[caller])
    return client


def _forbidden(caller: str) -> tuple[str, ...]:
    """The sentinels this caller may never receive."""
    allowed = set()
    if caller == "compliance":
        allowed |= {DRAFT, FIELD_HIDDEN}  # reads drafts; field_hide is for viewers only
    if caller in ("auditor-key", "policy-tinkerer", "tinkerer-key"):
        allowed.add(FIELD_HIDDEN)
    return tuple(w for w in SENTINELS if w not in allowed)


def _ids(acme, model) -> list[int]:
    with tenant_context(acme):
        return list(model.objects.order_by("pk").values_list("pk", flat=True))


def _links(response) -> dict[str, str]:
    """The next and previous links of a JSON page, if it is one."""
    if "json" not in response.get("Content-Type", "") or getattr(response, "streaming", False):
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: body[k] for k in ("next", "previous") if isinstance(body.get(k), str)}


def _cursor_text(link: str) -> str:
    """What a link's cursor says (DRF: base64 of `p=<position>&...`), decoded."""
    cursor = parse_qs(urlsplit(link).query).get("cursor", [""])[0]
    try:
        return unquote_plus(base64.b64decode(cursor).decode(errors="replace"))
    except (binascii.Error, ValueError):
        return cursor


def _leaks(response, words, asked: str = "") -> list[str]:
    """The sentinels in the response's body or headers, or in the cursors of its links.
    What the caller itself sent (the query string, which a next-page link repeats) does
    not count."""
    raw = body_bytes(response)
    if asked:
        raw = raw.replace(asked.encode(), b"")
    found = [f"{w} in the body" for w in words if w.encode() in raw.lower()]
    for name, value in response.items():
        value = value.replace(asked, "") if asked else value
        found += [f"{w} in header {name}" for w in words if w in value.lower()]
    for name, link in _links(response).items():
        found += [f"{w} in the {name} cursor" for w in words if w in _cursor_text(link).lower()]
    return found


CALLERS = ["viewer", "viewer-key", "compliance", "auditor-key", "policy-tinkerer"]


@pytest.mark.parametrize("caller", CALLERS)
def test_no_hidden_word_in_any_get_response(hidden, caller):
    world = hidden[0]
    client = _client(hidden, caller)
    words = _forbidden(caller)
    leaks, answered, paged = {}, 0, 0
    for endpoint in GET_ENDPOINTS:
        pks = _ids(world.acme, endpoint.model) if endpoint.is_detail else [None]
        queries = [{}] + [{"export_format": f} for f in FORMATS]
        if not endpoint.is_detail:
            queries += [{"q": word} for word in SENTINELS]
        refused = False
        for pk in pks:
            for query in queries:
                if refused:
                    break  # the permission check comes before any lookup: one 403 says it
                asked = urlencode(query)
                url = endpoint.url("acme", pk) + (f"?{asked}" if asked else "")
                response = client.get(url)
                answered += response.status_code == 200
                refused = response.status_code == 403
                assert response.status_code < 500, f"{url}: {response.status_code}"
                for leak in _leaks(response, words, asked):
                    leaks.setdefault(f"{endpoint}: {leak}", url)  # one example each
            if not endpoint.is_detail and not refused:
                # A row at a time, every page: each link's cursor holds its row's position.
                url = endpoint.url("acme") + "?page_size=1"
                for _ in range(ROW_PAGES):
                    response = client.get(url)
                    assert response.status_code < 500, f"{url}: {response.status_code}"
                    for leak in _leaks(response, words):
                        leaks.setdefault(f"{endpoint}: {leak}", url)
                    url = _links(response).get("next")
                    if not url:
                        break
                    paged += 1
    assert answered, f"{caller} was refused everywhere: the walk proved nothing"
    assert paged, f"{caller} read no list of more than one row: the cursors went unread"
    assert not leaks, "\n".join(f"{leak} (e.g. {url})" for leak, url in sorted(leaks.items()))


@pytest.mark.parametrize("caller", ["policy-tinkerer", "tinkerer-key"])
def test_no_hidden_word_in_simulation(hidden, caller):
    """Simulation is a POST; it is called for every policy, as every role and every API
    key of the tenant."""
    world, _, _, _ = hidden
    from policies.models import Policy
    from tenants.models import ApiKey, Role

    client = _client(hidden, caller)
    words = _forbidden(caller)
    with tenant_context(world.acme):
        bodies = [{"as_role": slug} for slug in Role.objects.values_list("slug", flat=True)]
        bodies += [
            {"as_api_key": prefix}
            for prefix in ApiKey.objects.filter(revoked_at=None).values_list("prefix", flat=True)
        ]
    leaks, evaluated, changes = {}, 0, 0
    assert SIMULATE, "no simulate endpoint found in the URLconf"
    assert {"as_role": "viewer"} in bodies  # weaker than the caller: answered
    for endpoint in SIMULATE:
        for pk in _ids(world.acme, Policy):
            for body in bodies:
                with transaction.atomic():
                    response = getattr(client, endpoint.method)(
                        endpoint.url("acme", pk), body, format="json"
                    )
                    transaction.set_rollback(True)
                assert response.status_code < 500
                if response.status_code == 200:
                    evaluated += response.json()["evaluated"]
                    changes += len(response.json()["changes"])
                for leak in _leaks(response, words):
                    leaks.setdefault(f"{endpoint}: {leak}", body)
    # Refusals leak nothing and prove nothing: the simulations must have run.
    assert evaluated, f"{caller}: no simulation evaluated a digest"
    assert changes, f"{caller}: no simulation reported a change"
    assert not leaks, "\n".join(f"{leak} (e.g. {body})" for leak, body in sorted(leaks.items()))


def test_the_sentinels_are_there_to_be_found(hidden):
    """The control: the owner, outside the rules' audience and seeing every digest, finds
    each sentinel; a viewer's answer for the visible digest carries the mask."""
    world, digests, _, _ = hidden
    owner = world.client("owner")
    for word, digest in digests.items():
        response = owner.get(f"/api/v1/tenants/acme/digests/{digest.pk}/")
        assert word.encode() in response.content.lower(), word
    viewer = _client(hidden, "viewer")
    shown = viewer.get(f"/api/v1/tenants/acme/digests/{digests[REDACTED].pk}/")
    assert shown.status_code == 200
    assert b"[redacted]" in shown.content
    for word in (BLOCKED, RESTRICTED, DRAFT):
        assert viewer.get(f"/api/v1/tenants/acme/digests/{digests[word].pk}/").status_code == 404
    with tenant_context(world.acme):
        assert Digest.objects.filter(pk=digests[DRAFT].pk, status="draft").exists()
