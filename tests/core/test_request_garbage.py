"""A rendered answer is freed when the server is done with it, not by the garbage collector.

DRF's view and request refer to each other, and its Response puts itself into its own
renderer context: whatever hangs from those cycles waits for the collector, which walks
every such object first. A list page hung there in full (its digests through the
paginator, every answer dict) and the collector cost about a third of a list request.
core.middleware.ReleaseAnswerMiddleware keeps the answer and the page out of the
cycles; what stays in them is the request's own bookkeeping."""

from __future__ import annotations

import gc
import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from digests.models import Digest
from tests import factories

LIST = "/api/v1/tenants/acme/digests/"


def serve(path: str, query: str, token: str) -> tuple[str, bytes]:
    """One request through the WSGI handler, as a server makes it: the body read and the
    response closed, nothing kept (the connection too, as the test client keeps it: the
    test's transaction lives on it)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    started = []
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = WSGIHandler()(environ, lambda status, headers: started.append(status))
        try:
            content = b"".join(body)
        finally:
            body.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started[0], content


def left_to_collector(path: str, query: str, token: str) -> list:
    """What one request leaves that only the garbage collector frees."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        status, content = serve(path, query, token)
        assert status.startswith("200"), content
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("query", ["", "page_size=2"])
def test_a_list_page_is_freed_with_its_answer(world, query):
    for n in range(4):
        factories.digest(world.acme, title=f"Freed digest {n}")
    token = factories.api_key(world.acme, "viewer").token
    serve(LIST, query, token)  # compiled reads, caches: warm

    left = left_to_collector(LIST, query, token)

    # The check looks where it should: the view itself is in DRF's cycles.
    assert any(type(obj).__name__ == "DigestViewSet" for obj in left)
    assert [obj for obj in left if isinstance(obj, Digest)] == []
    answers = [obj for obj in left if type(obj) is dict and "policy" in obj and "slug" in obj]
    assert answers == []
    assert [obj for obj in left if type(obj) is dict and "results" in obj] == []


def test_a_detail_answer_is_freed_with_it(world):
    made = factories.digest(world.acme, title="Freed alone")
    token = factories.api_key(world.acme, "viewer").token
    path = f"{LIST}{made.pk}/"
    serve(path, "", token)

    left = left_to_collector(path, "", token)

    assert any(type(obj).__name__ == "DigestViewSet" for obj in left)
    assert [obj for obj in left if type(obj) is dict and "policy" in obj] == []
