"""The test sign-in: a real sign-in through a connection that signs nobody in.

An administrator setting up a connection asks for one (`POST .../connections/{id}/test/`,
which marks their session); the browser then goes through the provider exactly as a
sign-in does, and the callback checks the answer as a sign-in does (signature, issuer,
audience, nonce, PKCE, SAML signature and conditions, all by the library). Instead of our
steps of the pipeline (provisioning, roles, the session), the flow ends in `report`,
which writes down what the provider sent and what a sign-in would have made of it, in
the administrator's session, and sends the browser back where the test was asked from.
Nothing is written to the database but the audit event that a test ran.
"""

from __future__ import annotations

import time

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from sso.models import Connection
from sso.services import domain_is_verified, sign_in_role
from tenants.models import Membership, User

# In the administrator's session: the tests asked for, by connection public id ({where
# to return, who asked, when}), then the report of each that ran, by connection id.
TEST_SESSION_KEY = "sso_tests"
REPORTS_SESSION_KEY = "sso_test_reports"
# A test must be completed this soon after it was asked for.
TEST_SECONDS = 600
# The pipeline a test runs: the library's own steps that read the answer, then `report`.
PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "sso.trial.report",
)
# Claims never shown: tokens, and values that only make sense to the protocol.
_HIDDEN = {"access_token", "id_token", "refresh_token", "token_type", "expires_in", "nonce"}
_MAX_VALUE = 300


def ask(session, *, connection: Connection, user, return_to: str) -> None:
    """Mark `session` as testing `connection`, coming back to `return_to` (a path here)."""
    tests = dict(session.get(TEST_SESSION_KEY) or {})
    tests[str(connection.public_id)] = {
        "user": user.pk,
        "return_to": return_to,
        "asked_at": int(time.time()),
    }
    session[TEST_SESSION_KEY] = tests


def asked(session, connection: Connection) -> dict | None:
    """The test this session asked for `connection`, if it is still fresh."""
    wanted = (session.get(TEST_SESSION_KEY) or {}).get(str(connection.public_id))
    if not wanted or time.time() - wanted.get("asked_at", 0) > TEST_SECONDS:
        return None
    return wanted


def take(session, connection: Connection) -> dict:
    """The test asked for `connection`, removed from `session` (an empty dict if none)."""
    tests = dict(session.get(TEST_SESSION_KEY) or {})
    wanted = tests.pop(str(connection.public_id), None) or {}
    session[TEST_SESSION_KEY] = tests
    return wanted


def flow_mark(connection: Connection) -> str:
    """What the session's flow names while a test through `connection` runs: a callback
    finds a test by this mark, set when the test started, never by a test having been
    asked for (which may have expired, or been asked again, meanwhile)."""
    return f"test:{connection.public_id}"


def save(session, connection: Connection, found: dict) -> None:
    reports = dict(session.get(REPORTS_SESSION_KEY) or {})
    reports[str(connection.pk)] = found
    session[REPORTS_SESSION_KEY] = reports


def safe_return(path: str, request) -> str:
    if path and url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return path
    return "/"


def _shown(value):
    if isinstance(value, str):
        return value if len(value) <= _MAX_VALUE else value[:_MAX_VALUE] + "…"
    if isinstance(value, list):
        return [_shown(item) for item in value[:50]]
    if isinstance(value, dict):
        return {str(k): _shown(v) for k, v in list(value.items())[:50]}
    return value


def _claims(backend, response) -> dict:
    """What the provider sent about the person: the ID token's claims and the userinfo
    (OIDC), or the assertion's name id and attributes (SAML)."""
    if backend.strategy.connection.protocol == Connection.Protocol.SAML:
        found = {"name_id": response.get("name_id")}
        found.update(response.get("attributes") or {})
    else:
        found = dict(response or {})
        found.update(getattr(backend, "id_token", None) or {})
    return {k: _shown(v) for k, v in sorted(found.items()) if k not in _HIDDEN}


def report(backend, details, response, uid=None, *args, **kwargs):
    """The last step of a test sign-in: what a sign-in would have made of this answer."""
    strategy = backend.strategy
    connection = strategy.connection
    request = strategy.request
    email = (details.get("email") or "").strip().lower()
    groups = sorted(set(backend.groups(response)))
    problems = []
    if not email or "@" not in email:
        problems.append("The provider sent no email address.")
    else:
        if not backend.email_verified(response):
            problems.append("The provider says the email address is not verified.")
        if not domain_is_verified(connection.tenant, email):
            problems.append(
                f"{email.rsplit('@', 1)[1]} is not a verified domain of this tenant: a new "
                "person with this address would be refused."
            )
    existing = User.objects.filter(email__iexact=email).first() if email else None
    member = (
        Membership.objects.select_related("role").filter(user=existing).first()
        if existing is not None
        else None
    )
    role, role_from = sign_in_role(connection, member, set(groups))
    found = {
        "connection": connection.pk,
        "protocol": connection.protocol,
        "tested_at": int(time.time()),
        # The identity's key here is "<connection>:<subject>"; the provider's subject is shown.
        "subject": uid.removeprefix(f"{connection.pk}:") if uid else uid,
        "email": email,
        "name": details.get("fullname") or "",
        "groups": groups,
        "role": role,
        "role_from": role_from,
        "member": member is not None,
        "factors": backend.authentication_methods(response or {}),
        "claims": _claims(backend, response),
        "problems": problems,
    }
    wanted = take(request.session, connection)
    save(request.session, connection, found)
    return HttpResponseRedirect(safe_return(wanted.get("return_to", "/"), request))
