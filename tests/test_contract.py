"""Contract fuzzing: schemathesis over the whole OpenAPI document, in-process.

Every operation of the document that `/api/schema/` serves is fuzzed against the Django
WSGI application (no network server) on the pytest-django test database, authenticated
as acme's `admin` through an API key, with every schemathesis check enabled, including
`ignored_auth` (each successful request is replayed without credentials and with wrong
ones, which must be refused). One pytest test per operation; each gets a fresh `world`.

Budget: the examples, coverage and fuzzing phases run, fuzzing with MAX_EXAMPLES cases
per operation, and a fixed seed so that `make test` is deterministic. To explore further:
    CONTRACT_SEED=<int> CONTRACT_MAX_EXAMPLES=<n> make test PYTEST_ARGS=tests/test_contract.py

KNOWN_FAILURES lists the failures found in the application and not fixed yet. They are
tolerated so that the suite stays green, and every run reports each one that it met as
a KnownContractFailure warning. Each entry is temporary: once the application is fixed,
delete the entry. To work on one, delete it first: the test then fails with
schemathesis's minimal reproduction (a curl command and the response).
Anything not listed fails the test.
"""

from __future__ import annotations

import functools
import json
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from config.wsgi import application
from digests.models import Digest
from tenants import rbac
from tenants.context import tenant_context
from tenants.models import Membership, Role
from tenants.services.keys import api_key_install
from tests import factories

MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "20"))
SEED = int(os.environ.get("CONTRACT_SEED", "20260101"))

# Every acme member of the `world` fixture (tests/conftest.py) has this address.
ACME_MEMBER_EMAILS = [f"{slug}@acme.test" for slug in rbac.PRESETS]
# Roles an admin may grant, to keys and members alike (a key may not be an owner).
GRANTABLE_ROLES = [slug for slug in rbac.PRESETS if slug != rbac.OWNER]
A_FUTURE_TIME = "2099-01-01T00:00:00Z"
A_PUBLIC_WEBHOOK_URL = "https://93.184.215.14/hooks"  # an address literal: no DNS involved
# A viewer key of acme, made with this prefix so that requests can name it.
TARGET_KEY_PREFIX = "c0n7rac7ed"

# Added to what schemathesis's request-handling checks accept, valid request or not, as
# both are documented answers that come before validation: 412, every write takes an
# optional If-Match and a fuzzed one is a stale ETag; 413, a body over the size limit.
_POSITIVE_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "412", "413", "429", "5xx"]
_NEGATIVE_ACCEPTED = [
    *("400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "428"),
    *("429", "5xx"),
]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        # Every tenant route runs against acme, where the data is.
        "parameters": {"tenant": "acme"},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": _POSITIVE_ACCEPTED},
            "negative_data_rejection": {"expected-statuses": _NEGATIVE_ACCEPTED},
        },
    }
)


def _openapi_document() -> dict:
    # The document /api/schema/ serves, built by the same generator. The schema is loaded
    # at import rather than from a fixture: that view runs in a request transaction, and
    # there is no database at collection time (schemathesis.pytest.from_fixture would defer
    # the load, but it does not run under pytest 9.2, which dropped `Node._nodeid`).
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_openapi_document(), config=CONFIG)
schema.app = application  # requests go to the WSGI application, in this thread

# --- Known failures ---------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A failure found in the application and explained; tolerated until it is fixed.

    `codes` are schemathesis failure codes: ST101 server error, ST103 undocumented status,
    ST108 response violates the schema, ST201 invalid request accepted, ST202 valid
    request rejected. `applies(failure, case, response)` recognises the failure; for ST202
    use `error(entry, case)` instead, on the 400's problem `errors` entries: the failure
    is tolerated only when known entries explain every one of them.
    """

    key: str
    codes: tuple[str, ...]
    summary: str
    applies: Callable | None = None
    error: Callable | None = None


class KnownContractFailure(UserWarning):
    """A failure in KNOWN_FAILURES was met: still to be fixed in the application."""


def _query(response) -> str:
    return response.request.url.partition("?")[2]


def _sent(response, *names: str, empty: bool = False) -> bool:
    value = "(&|$)" if empty else ""
    return re.search(rf"(^|&)({'|'.join(names)})={value}", _query(response)) is not None


KNOWN_FAILURES: list[Known] = [
    # Invalid requests accepted
    Known(
        "form-values-are-text",
        ("ST201",),
        "a multipart/form-data body carries every value as text: a number or boolean sent "
        "for a string field (evidence `description`) arrives as its text, a valid string; "
        "no server can tell them apart (JSON bodies refuse other types)",
        applies=lambda failure, case, response: (
            case.media_type == "multipart/form-data"
            and re.search(r"Incorrect type|was \w+, became \w+", failure.message) is not None
        ),
    ),
    # Valid requests rejected: the schema is looser than the validation
    Known(
        "provider-url-is-a-url",
        ("ST202",),
        "SSO connection issuer and idp_sso_url are checked by Django's URLValidator; the "
        "schema only says they start with https://",
        error=lambda entry, case: (
            entry.get("field") in ("issuer", "idp_sso_url")
            and entry.get("message") == "Enter a valid URL."
        ),
    ),
    Known(
        "source-url-stricter-than-uri",
        ("ST202",),
        "digest source.url is checked by Django's URLValidator (http/https/ftp, host "
        "labels of 63 characters at most, ...); the schema says any `uri`",
        error=lambda entry, case: entry.get("message") == "Enter a valid URL.",
    ),
    Known(
        "nul-refused",
        ("ST202",),
        "strings with a NUL character are refused (PostgreSQL cannot store them); the "
        "schema does not say so",
        error=lambda entry, case: entry.get("code") == "null_characters_not_allowed",
    ),
    Known(
        "policy-rules-loose",
        ("ST202",),
        "policy `rules` items must be rule objects (non-empty, known fields only: 'Unknown "
        "field.'); the schema says items: {}",
        error=lambda entry, case: str(entry.get("field")).startswith("rules."),
    ),
    Known(
        "name-needs-alphanumerics",
        ("ST202",),
        "POST roles/ and policies/ without a slug need a name with a letter or digit; the "
        "schema takes any name",
        error=lambda entry, case: (
            "needs a name with letters or digits" in str(entry.get("message"))
        ),
    ),
]


KNOWN = {known.key: known for known in KNOWN_FAILURES}
_SOURCE = Path(__file__).read_text().splitlines()


def _report(known: Known, operation: str) -> None:
    """A warning that points at the entry to delete once the application is fixed."""
    lineno = next(i for i, line in enumerate(_SOURCE, 1) if f'"{known.key}",' in line)
    message = f"{known.key} ({operation}): {known.summary}"
    warnings.warn_explicit(message, KnownContractFailure, __file__, lineno)


def _problem_errors(response) -> list[dict]:
    """The problem document's `errors`, or the document itself when it has none."""
    try:
        document = json.loads(response.content)
    except ValueError:
        return []
    if not isinstance(document, dict):
        return []
    errors = document.get("errors")
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        return errors
    return [{"field": None, "message": document.get("detail") or "", "code": document.get("code")}]


def _explain(failure, case, response) -> list[Known]:
    """The known failures that account for this one; empty when it is new."""
    candidates = [known for known in KNOWN_FAILURES if failure.code in known.codes]
    for known in candidates:
        if known.applies is not None and known.applies(failure, case, response):
            return [known]
    by_error = [known for known in candidates if known.error is not None]
    errors = _problem_errors(response) if by_error else []
    explained = []
    for entry in errors:
        match = next((known for known in by_error if known.error(entry, case)), None)
        if match is None:
            return []
        explained.append(match)
    return explained


# Known failures met by the current test: key -> operation.
_met: dict[str, str] = {}


@schema.hook
def filter_failure(context, failure, case, response):
    explained = _explain(failure, case, response)
    for known in explained:
        _met[known.key] = case.operation.label
    return not explained


# --- Data -------------------------------------------------------------------------------


def _pick(options: list[str], value) -> str:
    return options[len(str(value)) % len(options)]


@schema.hook
def map_case(context, case):
    """Request fields that name other objects name real ones in a valid (positive) case.

    The schema cannot say which roles and members exist, that a key must expire in the
    future, that break-glass accounts are owners or that a SAML certificate parses; the
    API answers 400 for the others, by design. Negative cases are left alone.
    """
    body = case.body
    meta = case.meta
    if meta is None or meta.generation.mode != schemathesis.GenerationMode.POSITIVE:
        return case
    if isinstance(case.query, dict):
        # A valid cursor is one a page gave out (core/pagination.py): no other string is,
        # and the API answers 400 for it, by design.
        case.query.pop("cursor", None)
    if not isinstance(body, dict):
        return case
    for name in ("role", "as_role", "default_role"):
        if isinstance(body.get(name), str) and body[name] not in GRANTABLE_ROLES:
            body[name] = _pick(GRANTABLE_ROLES, body[name])
    if isinstance(body.get("group_roles"), list):
        for entry in body["group_roles"]:
            if isinstance(entry, dict) and isinstance(entry.get("role"), str):
                entry["role"] = _pick(GRANTABLE_ROLES, entry["role"])
    if isinstance(body.get("break_glass"), list):  # only owners can be break-glass
        body["break_glass"] = ["owner@acme.test" for _ in body["break_glass"]]
    if isinstance(body.get("idp_certificates"), list):  # any X.509 certificate will do
        body["idp_certificates"] = [_a_certificate() for _ in body["idp_certificates"]]
    if isinstance(body.get("roles"), list):
        body["roles"] = [_pick(GRANTABLE_ROLES, value) for value in body["roles"]]
    if isinstance(body.get("members"), list):
        body["members"] = [_pick(ACME_MEMBER_EMAILS, value) for value in body["members"]]
    if isinstance(body.get("as_api_key"), str):
        body["as_api_key"] = TARGET_KEY_PREFIX
    if isinstance(body.get("expires_at"), str):
        body["expires_at"] = A_FUTURE_TIME
    if isinstance(body.get("url"), str) and "/webhooks/" in case.operation.path:
        # A webhook URL must resolve to a public address, which no schema can say.
        body["url"] = A_PUBLIC_WEBHOOK_URL
    return case


def _name_real_objects(case) -> None:
    """Ids in a valid body name real objects: they exist only once the test's data is
    made, after some cases were generated, so they are set just before the call."""
    meta = case.meta
    positive = meta is not None and meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict):
        _name_licensing_objects(case.body)


def _name_licensing_objects(body: dict) -> None:
    """Ids of sources and rights holders name acme's (a parent is always a feed, so never
    the source itself); a license covers exactly one of a source and a rights holder;
    dates come in order; a use is permitted or prohibited, not both; evidence is a text
    file."""
    holders = _targets.get("licensing/rights-holders", [])
    sources = _targets.get("licensing/sources", [])
    feeds = _targets.get("feeds", [])
    if not holders or not sources:
        return
    for name, known in (("rights_holder", holders), ("parent", feeds), ("source", sources)):
        if isinstance(body.get(name), int):
            body[name] = int(_pick(known, body[name]))
    if isinstance(body.get("sources"), list):
        body["sources"] = [int(_pick(sources, value)) for value in body["sources"]]
    if "permitted_uses" in body and "origin" in body:  # a new license's terms
        if isinstance(body.get("source"), int):
            body["rights_holder"] = None
        elif not isinstance(body.get("rights_holder"), int):
            body["source"] = int(sources[0])
    permitted, prohibited = body.get("permitted_uses"), body.get("prohibited_uses")
    if isinstance(permitted, list) and isinstance(prohibited, list):
        body["prohibited_uses"] = [use for use in prohibited if use not in permitted]
    if "file" in body:  # evidence: the schema cannot say which contents are accepted
        body["file"] = b"Signed terms, page 1."
    start, end = body.get("valid_from"), body.get("valid_until")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        body["valid_from"], body["valid_until"] = end, start


@functools.cache
def _a_certificate() -> str:
    from tests.sso.saml_idp import SigningKey

    return SigningKey.generate().cert_text


# Real ids per resource, for the current test; path ids are fuzzed or, half the time, one
# of these, so that detail routes reach real objects.
_targets: dict[str, list[str]] = {}
_RESOURCE = re.compile(r"/tenants/\{tenant\}/([a-z/-]+)/\{id\}")


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    generated = path_parameters.get("id") if isinstance(path_parameters, dict) else None
    resource = _RESOURCE.search(context.operation.path) if context.operation else None
    known = _targets.get(resource.group(1)) if resource else None
    # Only a schema-valid id is swapped, so that a negative case stays negative.
    if not known or not isinstance(generated, str) or not generated.isdigit():
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(known).map(lambda pk: {**path_parameters, "id": pk}),
    )


@pytest.fixture
def contract_auth(world):
    """acme's data for the run and the admin key's header; the app shares this connection."""
    token = factories.api_key(world.acme, rbac.ADMIN, name="contract fuzzing").token
    digests = [
        factories.digest(world.acme),
        factories.digest(world.acme, status=Digest.Status.DRAFT),
    ]
    policies = [
        factories.policy(world.acme, publish=True),
        factories.policy(world.acme, rules=[]),
    ]
    custom_role = factories.custom_role(
        world.acme, slug="contract-role", permissions=["digests.view_digest"]
    )
    webhook = factories.webhook(world.acme, url=A_PUBLIC_WEBHOOK_URL)
    delivery = factories.webhook_delivery(world.acme, webhook)
    with tenant_context(world.acme):
        members = list(Membership.objects.values_list("pk", flat=True))
        viewer_role = Role.objects.get(slug=rbac.VIEWER)
        target_key, _ = api_key_install(
            name="contract target",
            role=viewer_role,
            token=f"dp_{TARGET_KEY_PREFIX}_{'x' * 40}",
            accountable_person=world.members["owner"],
        )
    holder = factories.rights_holder(world.acme, name="Contract holder")
    feed = factories.source(world.acme, "Contract feed", kind="feed", rights_holder=holder)
    source = factories.source(world.acme, "Contract episode", rights_holder=holder, parent=feed)
    licenses = [
        factories.license(world.acme, source=source),
        factories.license(world.acme, rights_holder=holder, decision="approved"),
    ]
    evidence = factories.evidence(world.acme, licenses[0])
    _targets.update(
        {
            "licensing/rights-holders": [str(holder.pk)],
            "licensing/sources": [str(source.pk)],
            "feeds": [str(feed.pk)],
            "licensing/licenses": [str(lic.pk) for lic in licenses],
            "licensing/evidence": [str(evidence.pk)],
            # Not the admin key itself: revoking it would leave the rest of the run at 401.
            "api-keys": [str(target_key.pk)],
            "digests": [str(d.pk) for d in digests],
            "members": [str(pk) for pk in members],
            "policies": [str(p.pk) for p in policies],
            "roles": [str(custom_role.pk), str(viewer_role.pk)],
            "webhooks": [str(webhook.pk)],
            "webhook-deliveries": [str(delivery.pk)],
        }
    )
    # What Django's test client does: a request must not close the connection that holds
    # the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    _met.clear()
    try:
        yield {"Authorization": f"Bearer {token}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        _targets.clear()
        for key, operation in _met.items():
            _report(KNOWN[key], operation)
        _met.clear()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no example database: a run never depends on an earlier one
    # The data is made once per operation and shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_contract(case, contract_auth):
    cache.clear()  # the per-key rate limit is not under test, and would cut a run short
    _name_real_objects(case)
    case.call_and_validate(headers=contract_auth)
