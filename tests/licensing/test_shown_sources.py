"""The list's sources as PostgreSQL judges them (`licensing.selectors.SHOWN_SOURCES_SQL`,
inside digests.api.LISTED_SQL) are what the two-query reader says with `source_status`:
status and attribution, over license states written straight into the tables, including
ones the services would not leave behind (a version in force that is not approved, a
newer version on top of the one in force, repeated and empty attributions)."""

from __future__ import annotations

import datetime as dt
import random

from licensing import selectors, services
from licensing.models import License, LicenseVersion
from tenants.context import tenant_context
from tests import factories

STATUSES = [choice for choice, _ in LicenseVersion.Status.choices]
ATTRIBUTIONS = ["", "", "Courtesy of Edge Network", "© Tidal Media", "Courtesy of Edge Network"]


def _day(rng: random.Random, today: dt.date):
    return rng.choice([None, None, *(today + dt.timedelta(days=d) for d in (-2, -1, 0, 1, 2))])


def _version(rng, lic, number, today):
    start = _day(rng, today)
    end = _day(rng, today)
    if start and end and end < start:
        start, end = end, start
    return LicenseVersion.objects.create(
        tenant=lic.tenant,
        license=lic,
        number=number,
        origin="contract",
        spdx_id="LicenseRef-test",
        status=rng.choice(STATUSES),
        valid_from=start,
        valid_until=end,
        attribution=rng.choice(ATTRIBUTIONS),
    )


def _licenses(rng, tenant, scope: dict, today) -> None:
    """Zero to two licenses on a scope, each with one to three versions; the newest is
    `latest`, and `in_force` is none, the newest, or an older one."""
    for _ in range(rng.choice([0, 1, 1, 2])):
        lic = License.objects.create(tenant=tenant, **scope)
        versions = [_version(rng, lic, n, today) for n in range(1, rng.randint(1, 3) + 1)]
        lic.latest = versions[-1]
        lic.in_force = rng.choice([None, *versions])
        lic.save()


def _draw(world, seed: int, today) -> list:
    """Holders, feeds and episodes with random licenses, and digests linked to random
    sets of them."""
    rng = random.Random(seed)
    holders = [factories.rights_holder(world.acme, f"Holder {seed}-{n}") for n in range(3)]
    feeds = [
        factories.source(world.acme, f"Feed {seed}-{n}", kind="feed", rights_holder=holder)
        for n, holder in enumerate([holders[0], None])
    ]
    episodes = [
        factories.source(
            world.acme,
            f"Episode {seed}-{n}",
            parent=rng.choice([None, *feeds]),
            rights_holder=rng.choice([None, *holders]),
        )
        for n in range(10)
    ]
    with tenant_context(world.acme):
        for holder in holders:
            _licenses(rng, world.acme, {"rights_holder": holder}, today)
        for source in [*feeds, *episodes]:
            _licenses(rng, world.acme, {"source": source}, today)
    made = []
    for n in range(12):
        digest = factories.digest(world.acme, title=f"Judged {seed}-{n}")
        linked = rng.sample([*feeds, *episodes], rng.randint(0, 4))
        with tenant_context(world.acme):
            services.digest_sources_set(actor=None, digest=digest, sources=linked)
        made.append(digest)
    return made


def test_the_database_judges_sources_as_source_status_does(world):
    today = selectors.today()
    viewer = world.client("viewer")
    statuses, attributions = set(), set()
    for seed in range(8):
        made = _draw(world, seed, today)
        with tenant_context(world.acme):
            expected = selectors.sources_of_digests([d.pk for d in made])
        response = viewer.get("/api/v1/tenants/acme/digests/", {"page_size": 200})
        assert response.status_code == 200
        shown = {d["id"]: d["sources"] for d in response.json()["results"]}
        for digest in made:
            assert shown[digest.pk] == expected[digest.pk], digest.title
            for source in expected[digest.pk]:
                statuses.add(source["license_status"])
                attributions.add(source["attribution"])
    # The draws reach every status and attributions joined from two licenses; otherwise
    # the comparison proves less than it says.
    assert statuses == set(selectors.SOURCE_STATUSES)
    assert any("\n" in text for text in attributions)


def test_attributions_are_shown_once_each_in_license_order(world):
    holder = factories.rights_holder(world.acme, "Edge Network")
    feed = factories.source(world.acme, "Edge Radio", kind="feed")
    episode = factories.source(world.acme, "Episode 1", parent=feed, rights_holder=holder)
    for where, text in [
        ({"rights_holder": holder}, "Courtesy of Edge Network"),
        ({"source": feed}, "© Tidal Media"),
        ({"source": episode}, "Courtesy of Edge Network"),
        ({"source": episode}, ""),
    ]:
        factories.license(world.acme, decision="approved", attribution=text, **where)
    digest = factories.digest(world.acme, title="Attributed")
    with tenant_context(world.acme):
        services.digest_sources_set(actor=None, digest=digest, sources=[episode])
        expected = selectors.sources_of_digests([digest.pk])[digest.pk]
    assert expected[0]["attribution"] == "Courtesy of Edge Network\n© Tidal Media"

    listed = world.client("viewer").get("/api/v1/tenants/acme/digests/").json()["results"]
    assert listed[0]["sources"] == expected
