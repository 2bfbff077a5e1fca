"""Licensing writes reach the changes feed: a digest's sources' license status, and what a
license gate lets through, change without any write to the digest, so the digests a
license covers are re-sent; so are they when a date alone starts or ends a license."""

from __future__ import annotations

import datetime as dt

from licensing import services
from tenants.context import tenant_context
from tests import factories

FEED = "/api/v1/tenants/acme/digests/changes/"
TODAY = dt.date.today()


def _read(client, cursor: str = "0") -> tuple[dict[int, dict | None], str]:
    body = client.get(f"{FEED}?since={cursor}&page_size=200").json()
    return {row["id"]: row["digest"] for row in body["results"]}, body["cursor"]


def test_a_license_decision_re_sends_the_digests_it_covers(world):
    digest = factories.digest(world.acme, title="Covered")
    other = factories.digest(world.acme, title="Not covered")
    source = factories.digest_source(world.acme, digest)
    client = world.client("editor")
    _, cursor = _read(client)

    lic = factories.license(world.acme, source=source)  # proposed: status pending
    seen, cursor = _read(client, cursor)
    assert set(seen) == {digest.pk}
    assert seen[digest.pk]["sources"][0]["license_status"] == "pending"

    with tenant_context(world.acme):
        services.license_review(actor=None, lic=lic, decision="approved", version=1)
    seen, cursor = _read(client, cursor)
    assert set(seen) == {digest.pk} and other.pk not in seen
    assert seen[digest.pk]["sources"][0]["license_status"] == "licensed"


def test_a_gated_digest_comes_back_once_licensed_and_leaves_when_its_license_lapses(world):
    digest = factories.digest(world.acme, title="Gated")
    source = factories.digest_source(world.acme, digest)
    factories.policy(
        world.acme,
        name="Licensed only",
        rules=[{"id": "lic", "kind": "license_gate", "params": {"use": "display_internally"}}],
        publish=True,
    )
    viewer = world.client("viewer")
    seen, cursor = _read(viewer)
    assert digest.pk not in seen  # hidden from this viewer, who was never given it

    lic = factories.license(
        world.acme, source=source, permitted=["display_internally"], valid_until=TODAY.isoformat()
    )
    with tenant_context(world.acme):
        services.license_review(actor=None, lic=lic, decision="approved", version=1)
    seen, cursor = _read(viewer, cursor)
    assert seen[digest.pk]["id"] == digest.pk  # back, in full

    with tenant_context(world.acme):
        assert services.refresh_validity(on=TODAY) == []  # nothing crossed yet
        assert services.refresh_validity(on=TODAY + dt.timedelta(days=1)) == [lic]
    # The feed judges visibility today, when the license still holds; what matters is
    # that the digest was re-sent, so a client reading tomorrow learns it is gone.
    seen, cursor = _read(viewer, cursor)
    assert set(seen) == {digest.pk}
