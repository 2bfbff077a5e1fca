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
