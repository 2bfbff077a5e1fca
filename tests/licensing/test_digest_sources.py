"""Every digest links to what it derives from: the importer makes or finds the episode and
its publisher; digest responses carry sources with license status and attribution; the
links can be replaced, never with another tenant's source."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from audit.models import AuditEvent
from digests.models import Digest
from licensing.models import DigestSource, RightsHolder, Source
from tenants.context import tenant_context
from tests import factories

SEEDS: Path = settings.BASE_DIR / "seeds" / "digests"


def _import():
    call_command("import_digests", "--tenant", "acme", str(SEEDS), stdout=StringIO())


def test_the_importer_links_each_digest_to_its_episode_and_publisher(world):
    _import()
    with tenant_context(world.acme):
        digests = list(Digest.objects.all())
        links = {
            link.digest_id: link.source
            for link in DigestSource.objects.select_related("source", "source__rights_holder")
        }
        assert set(links) == {d.pk for d in digests}
        for digest in digests:
            source = links[digest.pk]
            assert (source.kind, source.title, source.publisher) == (
                "episode",
                digest.title,
                digest.publisher,
            )
            assert source.rights_holder.name == digest.publisher
        counts = (Source.objects.count(), RightsHolder.objects.count())

    _import()  # again: nothing new
    with tenant_context(world.acme):
        assert (Source.objects.count(), RightsHolder.objects.count()) == counts
        assert DigestSource.objects.count() == len(digests)
    with tenant_context(world.globex):  # the other tenant keeps only its own
        assert Source.objects.count() == 1


def test_digest_responses_carry_sources_with_status_and_attribution(world):
    digest = factories.digest(world.acme, publisher="Edge Radio", title="On caching")
    source = factories.digest_source(world.acme, digest)
    factories.license(
        world.acme, source=source, decision="approved", attribution="Courtesy of Edge Radio"
    )
    viewer = world.client("viewer")
    detail = viewer.get(f"/api/v1/tenants/acme/digests/{digest.pk}/").json()
    assert detail["sources"] == [
        {
            "id": source.pk,
            "kind": "episode",
            "title": "On caching",
            "publisher": "Edge Radio",
            "url": None,
            "license_status": "licensed",
            "attribution": "Courtesy of Edge Radio",
        }
    ]
    listed = viewer.get("/api/v1/tenants/acme/digests/").json()["results"]
    assert next(d for d in listed if d["id"] == digest.pk)["sources"] == detail["sources"]


def test_an_editor_replaces_a_digests_sources(world):
    digest = factories.digest(world.acme)
    feed = factories.source(world.acme, "The whole feed", kind="feed")
    url = f"/api/v1/tenants/acme/digests/{digest.pk}/sources/"
    editor = world.client("editor")
    response = editor.put(url, {"sources": [feed.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert [s["id"] for s in response.json()] == [feed.pk]
    assert [s["id"] for s in world.client("viewer").get(url).json()] == [feed.pk]
    with tenant_context(world.acme):
        event = AuditEvent.objects.filter(action="digest.sources_changed").get()
        assert event.changes["sources"][1] == [feed.pk]
    assert world.client("viewer").put(url, {"sources": []}, format="json").status_code == 403


def test_another_tenants_source_cannot_be_linked(world):
    digest = factories.digest(world.acme)
    url = f"/api/v1/tenants/acme/digests/{digest.pk}/sources/"
    response = world.client("editor").put(url, {"sources": [world.globex_source.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sources"
    with tenant_context(world.acme):
        assert DigestSource.objects.filter(digest=digest).count() == 1  # the original link


def test_a_source_in_use_cannot_be_deleted(world):
    digest = factories.digest(world.acme)
    source = factories.digest_source(world.acme, digest)
    url = f"/api/v1/tenants/acme/licensing/sources/{source.pk}/"
    response = world.client("owner").delete(url)
    assert response.status_code == 409
    assert response.json()["code"] == "source_in_use"
    world.client("editor").put(
        f"/api/v1/tenants/acme/digests/{digest.pk}/sources/", {"sources": []}, format="json"
    )
    assert world.client("owner").delete(url).status_code == 204
