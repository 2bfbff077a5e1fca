"""SCIM test set-up: a token of acme's, and a client that sends it."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from scim.services import scim_token_create
from tenants.context import tenant_context

SCIM = "application/scim+json"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class ScimClient:
    """Sends SCIM requests for one tenant with one token, as a provider does."""

    def __init__(self, tenant_slug: str, secret: str | None):
        self.base = f"/scim/v2/{tenant_slug}/"
        self.client = APIClient()
        if secret is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def _send(self, method: str, path: str, body=None):
        kwargs = {}
        if body is not None:
            kwargs = {"data": json.dumps(body), "content_type": SCIM}
        return getattr(self.client, method)(self.base + path, HTTP_ACCEPT=SCIM, **kwargs)

    def get(self, path: str, **params):
        return self.client.get(self.base + path, params, HTTP_ACCEPT=SCIM)

    def post(self, path: str, body):
        return self._send("post", path, body)

    def put(self, path: str, body):
        return self._send("put", path, body)

    def patch(self, path: str, *operations):
        return self._send("patch", path, {"schemas": [PATCH_OP], "Operations": list(operations)})

    def delete(self, path: str):
        return self._send("delete", path)


def make_token(tenant, name: str = "Okta"):
    with tenant_context(tenant):
        return scim_token_create(actor=None, name=name)


@pytest.fixture
def acme_token(world):
    return make_token(world.acme)


@pytest.fixture
def scim(world, acme_token) -> ScimClient:
    return ScimClient("acme", acme_token.secret)


def user_body(email: str, **fields) -> dict:
    body = {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
    }
    body.update(fields)
    return body


def group_body(name: str, *member_ids, **fields) -> dict:
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": str(pk)} for pk in member_ids],
    }
    body.update(fields)
    return body
