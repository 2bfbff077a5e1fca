"""What highlights and facets cost a search of the digest list, measured in process.

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.search_cost [--digests 2000] [--requests 100]

Builds (or reuses) the benchmark's dataset for one tenant (bench.dataset: realistic text,
the benchmark policy, whose redaction and section rules give the viewer a search shape),
then times requests of the viewer's API key through Django's test client: no server, no
network, so the numbers are the application's and the database's own. Each variant is
asked once to warm the caches, then REQUESTS times, the variants taking turns, cycling
through the dataset's search words. Prints the median and 90th percentile in
milliseconds, the queries of one request (BEGIN and COMMIT included) and its hits.
"q without highlights" is the same request with `digests.highlights` switched off in
this process (there is no parameter for it): what a search cost before them.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from contextlib import contextmanager
from unittest import mock


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--digests", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    logging.getLogger("digest_platform").setLevel(logging.WARNING)  # a line per request
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.dataset import build
    from digests import highlights

    settings.ALLOWED_HOSTS = ["testserver"]
    info = build(scale=1, tenants=1, digests=args.digests, log=lambda m: print(m, file=sys.stderr))
    url = f"/api/v1/tenants/{info['tenants'][0]}/digests/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {info['key']}"}
    client = Client()

    @contextmanager
    def no_highlights():
        with (
            mock.patch.object(highlights, "with_sections", lambda queryset: queryset),
            mock.patch.object(highlights, "shown_sections", lambda rules, page: [None] * len(page)),
            mock.patch.object(highlights, "attach", lambda q, results, sections: None),
        ):
            yield

    @contextmanager
    def as_is():
        yield

    facets = {"facets": "topics,publishers,years"}
    variants = [
        ("list, no q", as_is, {}),
        ("list, no q, facets", as_is, facets),
        ("q without highlights", no_highlights, {}),
        ("q (highlights)", as_is, {}),
        ("q (highlights) + facets", as_is, facets),
    ]
    words = info["search_words"]
    timings: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    queries: dict[str, int] = {}
    hits: dict[str, int] = {}
    # Round-robin: each round asks every variant once, so that whatever else the machine
    # does weighs on all of them alike. Round 0 warms the caches (the search shape, the
    # compiled SQL, the plans); round 1 counts the queries.
    for n in range(args.requests + 1):
        for name, context, extra in variants:
            params = {**extra, **({"q": words[n % len(words)]} if name.startswith("q") else {})}
            with context(), CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url, params, **auth)
                took = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, response.content[:500]
            if n:
                timings[name].append(took)
            if n == 1:
                queries[name] = len(captured)
                hits[name] = len(response.json()["results"])
    print(f"{args.digests} digests, viewer key, {args.requests} requests each; ms")
    print(f"{'variant':28} {'median':>7} {'p90':>7} {'queries':>7} {'hits':>6}")
    for name, _, _ in variants:
        median = statistics.median(timings[name])
        p90 = statistics.quantiles(timings[name], n=10)[-1]
        print(f"{name:28} {median:7.1f} {p90:7.1f} {queries[name]:7d} {hits[name]:6d}")


if __name__ == "__main__":
    main()
