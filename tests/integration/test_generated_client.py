"""The generated client (clients/digest_platform_client, `make client`) against a live
server: an internal app's round trip with an API key."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

from tests import factories

CLIENTS = Path(__file__).resolve().parents[2] / "clients"
sys.path.insert(0, str(CLIENTS))

from digest_platform_client import AuthenticatedClient  # noqa: E402
from digest_platform_client.api.me import me_retrieve  # noqa: E402
from digest_platform_client.api.tenants import (  # noqa: E402
    tenants_digests_changes,
    tenants_digests_list,
    tenants_digests_retrieve,
)
from digest_platform_client.models import DigestChanges, DigestDetail, Problem  # noqa: E402


def test_the_committed_client_matches_the_api():
    """The client is generated from this document; after an API change, `make client`."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    current = yaml.safe_load(OpenApiYamlRenderer().render(schema))
    committed = yaml.safe_load((CLIENTS / "openapi.yaml").read_text())
    assert current == committed, "the API changed: run `make client` and commit clients/"


@pytest.mark.django_db(transaction=True)
def test_an_internal_app_lists_syncs_and_fetches_with_the_client(world, live_server):
    made = [factories.digest(world.acme, title=f"Episode {i}") for i in range(5)]
    token = factories.api_key(world.acme, "viewer", name="sync app").token
    with AuthenticatedClient(base_url=live_server.url, token=token) as client:
        me = me_retrieve.sync(client=client)
        assert [m.tenant.slug for m in me.memberships] == ["acme"]

        # List, page by page, following the cursor in `next`.
        seen, cursor = [], None
        while True:
            page = tenants_digests_list.sync(
                "acme", client=client, page_size=2, **({"cursor": cursor} if cursor else {})
            )
            seen += [d.id for d in page.results]
            if not page.next_:
                break
            cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
        assert sorted(seen) == sorted(d.pk for d in made)

        # Sync: page through changes, then only what changed since.
        replica, since = {}, "0"
        while True:
            changes = tenants_digests_changes.sync("acme", client=client, since=since, page_size=2)
            assert isinstance(changes, DigestChanges)
            for change in changes.results:
                if change.digest is None:
                    replica.pop(change.id, None)
                else:
                    replica[change.id] = change.digest.title
            since = changes.cursor
            if not changes.has_more:
                break
        assert replica == {d.pk: d.title for d in made}
        factories.digest(world.acme, title="Episode 5")
        latest = tenants_digests_changes.sync("acme", client=client, since=since)
        assert [c.digest.title for c in latest.results] == ["Episode 5"]

        detail = tenants_digests_retrieve.sync("acme", made[0].pk, client=client)
        assert isinstance(detail, DigestDetail)
        assert detail.title == "Episode 0" and detail.sections[0].title == "Opening"

        missing = tenants_digests_retrieve.sync("globex", world.globex_digest.pk, client=client)
        assert isinstance(missing, Problem) and missing.status == 404
