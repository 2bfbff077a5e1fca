"""The changes feed under concurrent writers, on PostgreSQL with real connections: a
reader paging while writers commit sees every change once, in order, and ends with
exactly what the database holds."""

from __future__ import annotations

import random
import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from digests import changes
from digests import services as digest_services
from digests.models import Digest
from tenants.context import tenant_context
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

FEED = "/api/v1/tenants/acme/digests/changes/"


def _in_thread(fn):
    """Run `fn` on its own thread and database connection; re-raise what it raised."""
    errors: list[BaseException] = []

    def run():
        try:
            fn()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_late_committing_writer_is_not_skipped(world):
    """Writer A takes its change number first and commits last; B writes meanwhile. A
    reader that paged past B must still get A: numbers follow commit order."""
    first = factories.digest(world.acme, title="First")
    second = factories.digest(world.acme, title="Second")
    owner = world.client("owner")
    cursor = owner.get(FEED, {"page_size": 200}).json()["cursor"]
    a_holds, a_may_commit, b_started = threading.Event(), threading.Event(), threading.Event()

    def writer_a():
        with tenant_context(world.acme), transaction.atomic():
            # Only the change log, no audit event: the counter alone must order A and B.
            Digest.objects.filter(pk=first.pk).update(title="A wrote")
            changes.record([first.pk])
            a_holds.set()
            assert a_may_commit.wait(10)

    def writer_b():
        b_started.set()
        with tenant_context(world.acme):
            digest_services.digest_update(actor=None, digest=second, data={"title": "B wrote"})

    thread_a, errors_a = _in_thread(writer_a)
    assert a_holds.wait(10)
    thread_b, errors_b = _in_thread(writer_b)
    assert b_started.wait(10)
    time.sleep(0.3)  # B is now waiting behind A
    # Neither is visible yet: nothing to page past.
    assert owner.get(FEED, {"since": cursor}).json()["results"] == []
    a_may_commit.set()
    thread_a.join(10)
    thread_b.join(10)
    assert not errors_a and not errors_b, errors_a + errors_b
    body = owner.get(FEED, {"since": cursor}).json()
    assert [(c["id"], c["digest"]["title"]) for c in body["results"]] == [
        (first.pk, "A wrote"),
        (second.pk, "B wrote"),
    ]
    close_old_connections()


def test_paging_while_writers_commit_ends_with_exactly_the_database_state(world):
    writers, ops_each = 4, 12
    done = threading.Event()
    replica: dict[int, str] = {}
    seen_seqs: list[int] = []
    pages = [0]

    def writer(n: int):
        rng = random.Random(n)
        mine: list[Digest] = []
        for i in range(ops_each):
            with tenant_context(world.acme):
                choice = rng.random()
                if not mine or choice < 0.45:
                    mine.append(
                        factories.digest(world.acme, title=f"w{n} made {i}", status="draft")
                    )
                elif choice < 0.85:
                    target = rng.choice(mine)
                    digest_services.digest_update(
                        actor=None, digest=target, data={"title": f"w{n} edit {i}"}
                    )
                else:
                    target = mine.pop(rng.randrange(len(mine)))
                    digest_services.digest_delete(actor=None, digest=target)

    def reader():
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_login(world.members["owner"])
        since = 0
        while True:
            finished = done.is_set()  # read before paging: a last full pass follows it
            while True:
                body = client.get(FEED, {"since": since, "page_size": 5}).json()
                pages[0] += 1
                for change in body["results"]:
                    seen_seqs.append(change["seq"])
                    if change["digest"] is None:
                        replica.pop(change["id"], None)
                    else:
                        replica[change["id"]] = change["digest"]["title"]
                since = body["cursor"]
                if not body["has_more"]:
                    break
            if finished:
                return
            time.sleep(0.01)

    threads = [_in_thread(lambda n=n: writer(n)) for n in range(writers)]
    reader_thread, reader_errors = _in_thread(reader)
    for thread, _ in threads:
        thread.join(60)
    done.set()
    reader_thread.join(60)
    errors = [e for _, errs in threads for e in errs] + reader_errors
    assert not errors, errors

    assert seen_seqs == sorted(seen_seqs) and len(seen_seqs) == len(set(seen_seqs))
    with tenant_context(world.acme):
        expected = dict(Digest.objects.values_list("pk", "title"))
    assert replica == expected
    assert pages[0] > 3  # it really paged while the writers ran
    close_old_connections()
