"""Keep a copy of a tenant's digests with the generated Python client: an example an
internal app can start from (clients/README.md).

    pip install ./clients/python            # after `make client-python`
    DIGEST_PLATFORM_TOKEN=dp_... python clients/examples/sync.py http://127.0.0.1:8000 acme

It follows the changes feed until nothing more is due, follows it again from the kept
cursor, and exports the tenant's digests as JSON, changing nothing. With `--write` it
also renames one digest with If-Match (and shows the 412 a writer holding a stale ETag
gets) between the two syncs: that needs a key whose role may edit digests (editor or
above), and it changes that digest's title. It prints what it saw as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib.metadata import version
from typing import TypeVar

# Every generated name used here, in this block only: modules are grouped by the tags
# of clients/openapi.yaml and named after its operation ids, models after its schemas.
from digest_platform_client import AuthenticatedClient
from digest_platform_client.api.digests import get_digest, update_digest
from digest_platform_client.api.sync_and_exports import export_digests, get_digest_changes
from digest_platform_client.models import DigestDetail, PatchedDigestWriteRequest, Problem
from digest_platform_client.models import ExportDigestsExportFormat as ExportFormat

T = TypeVar("T")


class ApiError(Exception):
    """The API answered with a problem document (RFC 9457)."""

    def __init__(self, problem: Problem):
        super().__init__(f"{problem.status} {problem.code}: {problem.detail}")
        self.problem = problem


def ok(answer: T | Problem | None) -> T:
    """The parsed answer, or ApiError. (Statuses the document does not list raise
    UnexpectedStatus in the client itself: raise_on_unexpected_status below.)"""
    if isinstance(answer, Problem):
        raise ApiError(answer)
    if answer is None:
        raise RuntimeError("the API answered without a body")
    return answer


def sync(
    client: AuthenticatedClient,
    tenant: str,
    replica: dict[int, DigestDetail],
    since: str = "0",
    page_size: int = 100,
) -> str:
    """Apply every change after `since` to `replica` (digest id to digest) and return the
    cursor to keep for next time. A tombstone (`digest` null) removes the copy; after a
    reset the feed sends every digest again, and tombstones for those gone."""
    while True:
        page = ok(get_digest_changes.sync(tenant, client=client, since=since, page_size=page_size))
        for change in page.results:
            if change.digest is None:
                replica.pop(change.id, None)
            else:
                replica[change.id] = change.digest
        since = page.cursor
        if not page.has_more:
            return since


def read(client: AuthenticatedClient, tenant: str, digest_id: int) -> tuple[DigestDetail, str]:
    """A digest and its ETag, which a later write sends back in If-Match."""
    response = get_digest.sync_detailed(tenant, str(digest_id), client=client)
    return ok(response.parsed), response.headers["ETag"]


def rename(
    client: AuthenticatedClient, tenant: str, digest_id: int, title: str, etag: str
) -> DigestDetail | Problem:
    """Set a digest's title unless it changed since the read that gave `etag`: then the
    answer is a 412 problem, and the app reads again before deciding anew."""
    response = update_digest.sync_detailed(
        tenant,
        str(digest_id),
        client=client,
        body=PatchedDigestWriteRequest(title=title),
        if_match=etag,
    )
    if isinstance(response.parsed, Problem) and response.parsed.status == 412:
        return response.parsed
    return ok(response.parsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="for example http://127.0.0.1:8000")
    parser.add_argument("tenant", help="the tenant's slug, for example acme")
    parser.add_argument("--page-size", type=int, default=100, help="changes per request")
    parser.add_argument(
        "--write",
        action="store_true",
        help="also rename one digest with If-Match (changes its title)",
    )
    args = parser.parse_args()
    token = os.environ["DIGEST_PLATFORM_TOKEN"]  # not on the command line: ps shows that

    with AuthenticatedClient(
        base_url=args.base_url, token=token, raise_on_unexpected_status=True
    ) as client:
        replica: dict[int, DigestDetail] = {}
        cursor = sync(client, args.tenant, replica, page_size=args.page_size)
        if not replica:
            sys.exit(f"{args.tenant} has no digest this key may see")

        digest_id = min(replica)
        renamed = stale = None
        if args.write:
            digest, etag = read(client, args.tenant, digest_id)
            renamed = rename(client, args.tenant, digest_id, f"{digest.title} (revised)", etag)
            # The same ETag again, as a second writer that read before the rename sends it.
            stale = rename(client, args.tenant, digest_id, f"{digest.title} (lost)", etag)

        changed: dict[int, DigestDetail] = {}
        cursor = sync(client, args.tenant, changed, cursor, args.page_size)

        exported = ok(
            export_digests.sync(args.tenant, client=client, export_format=ExportFormat.JSON)
        )

    print(
        json.dumps(
            {
                "client_version": version("digest-platform-client"),
                "synced": {str(pk): d.title for pk, d in sorted(replica.items())},
                "renamed": None
                if renamed is None
                else {"id": digest_id, "title": renamed.title}
                if isinstance(renamed, DigestDetail)
                else renamed.to_dict(),
                "stale_write": None
                if stale is None
                else stale.to_dict()
                if isinstance(stale, Problem)
                else "written",
                "changed_since": {str(pk): d.title for pk, d in sorted(changed.items())},
                "cursor": cursor,
                "exported": [d.id for d in exported],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
