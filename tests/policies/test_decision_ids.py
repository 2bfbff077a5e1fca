"""Policy decision ids: 32 hex digits, different for every decision, in every worker."""

from __future__ import annotations

import os
import re

from policies import engine


def _ids(n: int) -> list[str]:
    return [engine.apply(engine.RuleSet(version=""), None, {})["decision_id"] for _ in range(n)]


def test_decision_ids_look_as_before_and_do_not_repeat():
    ids = _ids(2000)
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_a_forked_worker_does_not_repeat_its_parents_ids():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn worker forked from a preloaded app
        os.close(read)
        os.write(write, "".join(_ids(4)).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 4096).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = "".join(_ids(4))
    assert len(child) == len(parent) == 128
    assert child != parent


def test_an_etag_ignores_the_decision_id_in_compact_and_indented_json():
    """The id names the answer, not what it says: two answers that differ only by it
    carry one ETag, whether the JSON is compact or indented for a browser."""
    from types import SimpleNamespace

    from django.utils import timezone

    from tenants.api_base import etag_for

    row = SimpleNamespace(pk=7, updated_at=timezone.now())
    for separator in (b":", b": "):
        bodies = [
            b'{"policy"' + separator + b'{"decision_id"' + separator + b'"' + id_ + b'"}}'
            for id_ in (b"a" * 32, b"b" * 32)
        ]
        assert etag_for(row, bodies[0]) == etag_for(row, bodies[1]), separator
