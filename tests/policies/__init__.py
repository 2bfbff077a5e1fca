"""Content policies: rules, enforcement, precedence, versions and simulation.

Shared helpers for the policy tests live here so every module builds rules, publishes
policies and reads digest responses the same way.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from tests import factories

BASE = "/api/v1/tenants/acme"
DIGESTS = f"{BASE}/digests/"
POLICIES = f"{BASE}/policies/"
PROBLEM = "application/problem+json"
FINDING_KEYS = {"rule", "action", "enforced", "path", "reason"}


def rule(kind: str, rule_id: str = "r1", *, mode: str = "enforce", **params) -> dict:
    """A rule as an admin writes it; `audience`, `message`, `overridable` pass through."""
    extra = {
        name: params.pop(name) for name in ("audience", "message", "overridable") if name in params
    }
    return {"id": rule_id, "kind": kind, "params": params, "mode": mode, **extra}


def publish(world, *rules: dict, slug: str = "content"):
    """A published acme policy holding `rules`."""
    return factories.policy(
        world.acme, name=slug.title(), slug=slug, rules=list(rules), publish=True
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def page(client: APIClient, **params) -> list[dict]:
    """The first page of the digest list (optionally searched with `q`)."""
    response = client.get(DIGESTS, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def listed_ids(client: APIClient, **params) -> set[int]:
    return {d["id"] for d in page(client, **params)}


def detail(client: APIClient, pk: int):
    return client.get(f"{DIGESTS}{pk}/")


def item(items: list[dict], pk: int) -> dict:
    found = [d for d in items if d["id"] == pk]
    assert len(found) == 1, [d["id"] for d in items]
    return found[0]


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body
