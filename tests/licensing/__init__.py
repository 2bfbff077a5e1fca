"""Helpers for the licensing tests."""

from __future__ import annotations

from digests.models import Digest
from digests.selectors import RENDERED, rendered
from licensing.selectors import today

BASE = "/api/v1/tenants/acme/licensing"
LICENSES = f"{BASE}/licenses/"
SOURCES = f"{BASE}/sources/"
REPORTS = f"{BASE}/reports/"

TERMS = {
    "origin": "contract",
    "spdx_id": "LicenseRef-acme-network-2026",
    "permitted_uses": ["summarize", "display_internally"],
    "prohibited_uses": ["train_models"],
    "territory": "worldwide",
    "valid_from": "2026-01-01",
    "valid_until": "2027-12-31",
    "attribution": "Summarized with permission of Edge Compute Radio",
    "terms_url": "https://example.test/terms",
    "payment_notes": "Flat fee, invoiced yearly",
}


def propose(client, **fields) -> dict:
    response = client.post(LICENSES, {**TERMS, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def review(client, license_id: int, decision: str, version: int = 1, **fields):
    body = {"decision": decision, "version": version, **fields}
    if decision in ("rejected", "needs_information"):
        body.setdefault("notes", "Missing the signed page.")
    if decision == "approved_with_conditions":
        body.setdefault("conditions", "Attribution on every digest.")
    return client.post(f"{LICENSES}{license_id}/review/", body, format="json")


def rights(client, source_id: int, *uses: str) -> dict[str, dict]:
    query = "&".join(f"use={u}" for u in uses)
    response = client.get(f"{SOURCES}{source_id}/rights/?{query}")
    assert response.status_code == 200, response.content
    return {r["use"]: r for r in response.json()["rights"]}


def sources_of_digests(digest_ids: list[int], day=None) -> dict[int, list[dict]]:
    """Each digest's `sources` as its rendering writes them (licenses judged on `day`,
    today by default), before policies: one query; [] for an id with no digest."""
    rows = rendered(Digest.objects.filter(pk__in=digest_ids), day or today(), detail=False)
    found = dict(rows.values_list("pk", RENDERED[False]))
    return {pk: found[pk]["sources"] if pk in found else [] for pk in digest_ids}
