"""The API key cache (tenants/key_cache.py) against a real listening connection.

These tests commit (transaction=True): PostgreSQL delivers notifications only when the
change that sent them commits. Changes "from another process" are made on a connection
of the test's own, outside Django, as another gunicorn worker or a shell would.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from policies import services as policy_services
from tenants import authentication, key_cache
from tenants.context import tenant_context
from tenants.services.keys import api_key_revoke
from tests import factories
from tests.spies import note_calls
from tests.test_faults import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

DIGESTS = "/api/v1/tenants/acme/digests/"
WAIT = 5.0


@pytest.fixture
def cache(settings):
    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 0.3
    try:
        listener = key_cache.listener()
        assert listener.wait_live(WAIT)
        yield listener
    finally:
        # Its connection must not outlive the test: the test database is dropped at the end.
        key_cache.stop()


def conninfo(**extra) -> dict:
    """The default database's libpq parameters, as the cache's connections get them."""
    params = key_cache._params(connections["default"])
    return {**params, "application_name": "test: another process", **extra}


def elsewhere(sql: str, params=()) -> None:
    """Run `sql` and commit, on a connection of its own."""
    with psycopg.connect(**conninfo(), autocommit=True) as other:
        other.execute(sql, params)


def wait_for_change(listener, before: int) -> None:
    """Until the listener has forgotten what it held at generation `before`."""
    deadline = time.monotonic() + WAIT
    while (listener.generation() or before) == before:
        assert time.monotonic() < deadline, "no notification arrived"
        time.sleep(0.01)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def acme_key(db):
    acme = factories.tenant("acme", "Acme Media")
    factories.digest(acme, title="Cached keys still read fresh digests")
    return factories.api_key(acme, "viewer", name="cached")


def lookups(monkeypatch) -> list:
    return note_calls(monkeypatch, authentication, "keys_with_prefix", lambda found, prefix: prefix)


def remembered(token: str):
    return authentication.api_key_authenticate(token)


def test_a_key_is_looked_up_once_then_served_from_memory(cache, acme_key, monkeypatch):
    seen = lookups(monkeypatch)
    client = bearer(acme_key.token)
    assert client.get(DIGESTS).status_code == 200
    assert len(seen) == 1
    assert client.get(DIGESTS).status_code == 200
    assert len(seen) == 1
    # Checking the remembered key against the tenant's security generation travels with
    # the BEGIN of the request's transaction: no statement of its own.
    with transaction.atomic(), CaptureQueriesContext(connections["default"]) as queries:
        key = authentication.api_key_authenticate(acme_key.token)
    assert len(queries) == 0
    assert key.pk == acme_key.api_key.pk
    assert key.tenant.slug == "acme" and key.role.slug == "viewer"


def test_a_wrong_secret_with_a_remembered_prefix_is_refused(cache, acme_key):
    assert remembered(acme_key.token) is not None
    prefix = acme_key.api_key.prefix
    assert authentication.api_key_authenticate(f"dp_{prefix}_{'x' * 40}") is None
    assert bearer(f"dp_{prefix}_{'x' * 40}").get(DIGESTS).status_code == 401


def test_a_revocation_through_the_api_is_refused_at_the_next_request(cache, acme_key):
    """This process forgets at the commit; it does not wait for the notification."""
    owner = factories.member(acme_key.api_key.tenant, "owner", email="owner@acme.test")
    admin = APIClient()
    admin.force_login(owner)
    client = bearer(acme_key.token)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    response = admin.delete(f"/api/v1/tenants/acme/api-keys/{acme_key.api_key.pk}/")
    assert response.status_code in (200, 204), response.content
    assert client.get(DIGESTS).status_code == 401


def test_this_process_forgets_its_own_change_without_waiting_for_the_notification(
    settings, acme_key, monkeypatch
):
    db = settings.DATABASES["default"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    through_proxy = conninfo(host="127.0.0.1", port=proxy.port)
    monkeypatch.setattr(key_cache, "_conninfo", lambda: (through_proxy, through_proxy))
    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 2.0
    try:
        assert key_cache.listener().wait_live(WAIT)
        client = bearer(acme_key.token)
        assert client.get(DIGESTS).status_code == 200
        assert client.get(DIGESTS).status_code == 200
        proxy.hold()  # the notification of the revocation will not get through
        with tenant_context(acme_key.api_key.tenant):
            api_key_revoke(actor=None, api_key=acme_key.api_key)
        assert key_cache.listener().live()
        assert client.get(DIGESTS).status_code == 401
    finally:
        proxy.release()
        key_cache.stop()
        proxy.cut()


@pytest.fixture
def held(settings, monkeypatch):
    """A cache whose listening connection (and heartbeat) go through a proxy the test can
    hold: notifications then wait in it, as they do for a busy or distant worker."""
    db = settings.DATABASES["default"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    through_proxy = conninfo(host="127.0.0.1", port=proxy.port)
    monkeypatch.setattr(key_cache, "_conninfo", lambda: (through_proxy, through_proxy))
    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 2.0
    try:
        assert key_cache.listener().wait_live(WAIT)
        yield proxy
    finally:
        proxy.release()
        key_cache.stop()
        proxy.cut()


ENABLE_POLICY = "UPDATE policies_policy SET enabled = true WHERE id = %(policy)s"
# What policies.services.policy_update writes when another process enables a policy.
BUMP_POLICY_GENERATION = (
    "UPDATE tenants_tenant SET policy_generation = policy_generation + 1 WHERE id = %(tenant)s"
)


@pytest.mark.parametrize(
    ("changes", "then"),
    [
        (["UPDATE tenants_apikey SET revoked_at = now() WHERE id = %(key)s"], 401),
        (["DELETE FROM tenants_apikey WHERE id = %(key)s"], 401),
        (["UPDATE tenants_tenant SET status = 'suspended' WHERE id = %(tenant)s"], 403),
        (
            [
                "UPDATE tenants_apikey SET role_id = (SELECT id FROM tenants_role "
                "WHERE tenant_id = %(tenant)s AND slug = 'member-of-nothing') WHERE id = %(key)s"
            ],
            403,
        ),
        ([ENABLE_POLICY, BUMP_POLICY_GENERATION], "hidden"),
        ([ENABLE_POLICY], "hidden"),
        (
            [
                "UPDATE tenants_user SET is_active = false WHERE id = "
                "(SELECT accountable_person_id FROM tenants_apikey WHERE id = %(key)s)"
            ],
            401,
        ),
    ],
    ids=[
        "revoked",
        "deleted",
        "tenant-suspended",
        "role-changed",
        "policy-enabled",
        "policy-enabled-by-sql-alone",
        "person-deactivated",
    ],
)
def test_a_change_committed_elsewhere_is_seen_before_its_notification_arrives(
    held, acme_key, changes, then
):
    """Correctness does not wait for notifications: a request that starts after another
    process committed a change is served with the new state, even while the change's
    notification is still on its way (held in the proxy)."""
    acme = acme_key.api_key.tenant
    factories.custom_role(acme, slug="member-of-nothing", permissions=[])
    policy = factories.policy(
        acme,
        slug="no-fresh",
        rules=[{"id": "no-fresh", "kind": "keyword_block", "params": {"keywords": ["fresh"]}}],
        publish=True,
    )
    with tenant_context(acme):
        policy_services.policy_update(actor=None, policy=policy, enabled=False)
    client = bearer(acme_key.token)
    assert len(client.get(DIGESTS).json()["results"]) == 1
    assert len(client.get(DIGESTS).json()["results"]) == 1  # served from memory
    held.hold()
    ids = {"key": acme_key.api_key.pk, "tenant": acme.pk, "policy": policy.pk}
    with psycopg.connect(**conninfo(), autocommit=True) as other, other.transaction():
        for change in changes:
            other.execute(change, ids)
    assert key_cache.listener().live()
    response = client.get(DIGESTS)
    if then == "hidden":
        assert response.status_code == 200
        assert response.json()["results"] == []
    else:
        assert response.status_code == then


def test_the_database_moves_the_security_generation_with_every_change_that_matters(acme_key):
    """The counter a remembered key is checked against moves in the change's own
    transaction, whoever writes the change, and only forward."""
    acme = acme_key.api_key.tenant
    globex = factories.tenant("globex", "Globex")
    role = factories.custom_role(acme, slug="reader", permissions=["digests.view_digest"])
    policy = factories.policy(acme, slug="p", rules=[], publish=True)
    version = policy.active_version_id

    def generation(tenant=acme) -> int:
        with psycopg.connect(**conninfo()) as other:
            query = "SELECT security_generation FROM tenants_tenant WHERE id = %s"
            return other.execute(query, [tenant.pk]).fetchone()[0]

    def moves(sql: str, params=()) -> int:
        before, other_tenant = generation(), generation(globex)
        elsewhere(sql, params)
        assert generation(globex) == other_tenant  # one tenant's change is its own
        return generation() - before

    key = acme_key.api_key.pk
    assert moves("UPDATE tenants_apikey SET last_used_at = now() WHERE id = %s", [key]) == 0
    assert moves("UPDATE tenants_apikey SET name = name WHERE id = %s", [key]) == 0
    assert moves("UPDATE tenants_apikey SET name = 'renamed' WHERE id = %s", [key]) == 1
    assert moves("UPDATE tenants_apikey SET revoked_at = now() WHERE id = %s", [key]) == 1
    assert moves("UPDATE tenants_role SET name = 'Readers' WHERE id = %s", [role.pk]) == 1
    assert moves("UPDATE tenants_tenant SET status = 'suspended' WHERE id = %s", [acme.pk]) == 1
    assert moves("UPDATE tenants_tenant SET name = name WHERE id = %s", [acme.pk]) == 0
    # A stale value written back (a whole row saved from an old read) still moves it on.
    assert moves("UPDATE tenants_tenant SET security_generation = 0 WHERE id = %s", [acme.pk]) == 1
    assert moves("UPDATE policies_policy SET enabled = false WHERE id = %s", [policy.pk]) == 1
    assert moves("UPDATE policies_policy SET name = 'Renamed' WHERE id = %s", [policy.pk]) == 0
    assert (
        moves("UPDATE policies_policy SET active_version_id = NULL WHERE id = %s", [policy.pk]) == 1
    )
    assert (
        moves(
            "UPDATE policies_policy SET active_version_id = %s WHERE id = %s", [version, policy.pk]
        )
        == 1
    )
    person = acme_key.api_key.accountable_person_id
    assert moves("UPDATE tenants_user SET last_login = now() WHERE id = %s", [person]) == 0
    before = generation(globex)
    elsewhere("UPDATE tenants_user SET is_active = false WHERE id = %s", [person])
    assert generation(globex) == before + 1  # every tenant's: the person's are not known
    assert moves("DELETE FROM tenants_apikey WHERE id = %s", [key]) == 1
    elsewhere("UPDATE policies_policy SET active_version_id = NULL WHERE id = %s", [policy.pk])
    elsewhere("DELETE FROM policies_policyversion WHERE policy_id = %s", [policy.pk])
    assert moves("DELETE FROM policies_policy WHERE id = %s", [policy.pk]) == 1


@pytest.mark.parametrize(
    ("change", "then"),
    [
        ("UPDATE tenants_apikey SET revoked_at = now() WHERE id = %(key)s", 401),
        ("UPDATE tenants_apikey SET expires_at = now() WHERE id = %(key)s", 401),
        ("DELETE FROM tenants_apikey WHERE id = %(key)s", 401),
        ("UPDATE tenants_tenant SET status = 'suspended' WHERE id = %(tenant)s", 403),
        ("UPDATE tenants_tenant SET slug = 'acme-renamed' WHERE id = %(tenant)s", 404),
        (
            "UPDATE tenants_apikey SET role_id = (SELECT id FROM tenants_role "
            "WHERE tenant_id = %(tenant)s AND slug = 'member-of-nothing') WHERE id = %(key)s",
            403,
        ),
    ],
    ids=["revoked", "expired", "deleted", "tenant-suspended", "tenant-renamed", "role-changed"],
)
def test_a_change_committed_elsewhere_is_seen_at_the_next_request(cache, acme_key, change, then):
    acme = acme_key.api_key.tenant
    factories.custom_role(acme, slug="member-of-nothing", permissions=[])
    client = bearer(acme_key.token)
    assert client.get(DIGESTS).status_code == 200
    before = cache.generation()
    elsewhere(change, {"key": acme_key.api_key.pk, "tenant": acme.pk})
    wait_for_change(cache, before)
    assert client.get(DIGESTS).status_code == then


def test_a_custom_role_losing_a_permission_elsewhere_refuses_at_once(cache, acme_key):
    """A custom role's permissions are read per request, never remembered: removing one
    needs no notification to take effect."""
    acme = acme_key.api_key.tenant
    role = factories.custom_role(acme, slug="reader", permissions=["digests.view_digest"])
    key = factories.api_key(acme, "reader", name="custom")
    client = bearer(key.token)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    elsewhere("DELETE FROM tenants_role_permissions WHERE role_id = %s", [role.pk])
    assert client.get(DIGESTS).status_code == 403


def test_a_role_renamed_elsewhere_is_read_again(cache, acme_key):
    acme = acme_key.api_key.tenant
    role = factories.custom_role(acme, slug="reader", permissions=["digests.view_digest"])
    key = factories.api_key(acme, "reader", name="custom")
    assert remembered(key.token).role.name == "reader"
    before = cache.generation()
    elsewhere("UPDATE tenants_role SET name = 'Reader (renamed)' WHERE id = %s", [role.pk])
    wait_for_change(cache, before)
    assert remembered(key.token).role.name == "Reader (renamed)"


def test_a_published_policy_reaches_a_remembered_key(cache, acme_key):
    acme = acme_key.api_key.tenant
    client = bearer(acme_key.token)
    listed = client.get(DIGESTS).json()["results"]
    assert [d["title"] for d in listed] == ["Cached keys still read fresh digests"]
    before = cache.generation()
    factories.policy(
        acme,
        rules=[{"id": "no-fresh", "kind": "keyword_block", "params": {"keywords": ["fresh"]}}],
        publish=True,
    )
    wait_for_change(cache, before)
    assert client.get(DIGESTS).json()["results"] == []


def notifications_for(action) -> list[str]:
    """The payloads on the cache's channel that `action` (committed on a connection of its
    own) sent, fenced by a NOTIFY of our own."""
    with psycopg.connect(**conninfo(), autocommit=True) as listening:
        listening.execute(f"LISTEN {key_cache.CHANNEL}")
        action()
        elsewhere(f"NOTIFY {key_cache.CHANNEL}, 'fence'")
        payloads = []
        for notify in listening.notifies(timeout=WAIT):
            payloads.append(notify.payload)
            if notify.payload == "fence":
                break
    return payloads


def test_recording_a_last_use_notifies_nothing(acme_key):
    api_key = acme_key.api_key
    api_key.last_used_at = timezone.now() - timedelta(hours=1)
    assert notifications_for(lambda: authentication.api_key_record_use(api_key)) == ["fence"]
    assert notifications_for(
        lambda: elsewhere("UPDATE tenants_apikey SET name = 'renamed' WHERE id = %s", [api_key.pk])
    ) == [f"tenants_apikey:{api_key.tenant_id}", "fence"]


def test_an_update_that_changes_nothing_notifies_nothing(acme_key):
    acme = acme_key.api_key.tenant
    assert notifications_for(
        lambda: elsewhere("UPDATE tenants_tenant SET name = name WHERE id = %s", [acme.pk])
    ) == ["fence"]
    assert notifications_for(
        lambda: elsewhere("UPDATE tenants_role SET name = name WHERE tenant_id = %s", [acme.pk])
    ) == ["fence"]
    assert notifications_for(
        lambda: elsewhere("UPDATE tenants_tenant SET name = 'Acme' WHERE id = %s", [acme.pk])
    ) == [f"tenants_tenant:{acme.pk}", "fence"]


def test_one_transaction_changing_many_rows_notifies_once_per_tenant(acme_key):
    acme = acme_key.api_key.tenant
    factories.api_key(acme, "viewer", name="second")
    globex = factories.tenant("globex", "Globex")
    factories.api_key(globex, "viewer", name="third")
    payloads = notifications_for(lambda: elsewhere("UPDATE tenants_apikey SET name = name || '!'"))
    assert sorted(payloads[:-1]) == sorted(
        [f"tenants_apikey:{acme.pk}", f"tenants_apikey:{globex.pk}"]
    )
    assert payloads[-1] == "fence"
    assert notifications_for(lambda: elsewhere("TRUNCATE tenants_apikey")) == [
        "tenants_apikey",
        "fence",
    ]


def test_a_lookup_overtaken_by_a_change_is_not_remembered(cache, acme_key, monkeypatch):
    real = authentication.keys_with_prefix

    def overtaken(prefix):
        found = real(prefix)
        # A change commits elsewhere after the row was read, before it is remembered.
        before = cache.generation()
        elsewhere(
            "UPDATE tenants_apikey SET name = 'changed meanwhile' WHERE id = %s",
            [acme_key.api_key.pk],
        )
        wait_for_change(cache, before)
        return found

    monkeypatch.setattr(authentication, "keys_with_prefix", overtaken)
    assert remembered(acme_key.token).name == "cached"
    monkeypatch.undo()
    seen = lookups(monkeypatch)
    assert remembered(acme_key.token).name == "changed meanwhile"
    assert len(seen) == 1


def test_without_its_connection_the_cache_is_not_used(cache, acme_key, monkeypatch):
    assert remembered(acme_key.token) is not None
    elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = %s AND datname = current_database()",
        [key_cache.APPLICATION_NAME],
    )
    deadline = time.monotonic() + WAIT
    seen = lookups(monkeypatch)
    while cache.live():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert remembered(acme_key.token) is not None
    assert len(seen) == 1  # looked up: nothing is used or kept while not listening
    # It connects again by itself, having forgotten everything.
    assert cache.wait_live(WAIT)
    assert remembered(acme_key.token) is not None
    assert remembered(acme_key.token) is not None
    assert len(seen) == 2


def test_a_silent_server_turns_the_cache_off_within_two_heartbeats(acme_key):
    db = settings.DATABASES["default"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    listener = key_cache.Listener(
        conninfo(host="127.0.0.1", port=proxy.port, application_name="test: silent"),
        heartbeat=0.2,
    )
    listener.start()
    try:
        assert listener.wait_live(WAIT)
        generation = listener.generation()
        listener.remember(authentication.api_key_authenticate(acme_key.token), generation)
        assert listener.recall(acme_key.api_key.secret_hash) is not None
        proxy.hold()  # the server stops answering; nothing closes
        time.sleep(0.5)
        assert not listener.live()
        assert listener.recall(acme_key.api_key.secret_hash) is None
        proxy.release()
        assert listener.wait_live(WAIT)
        # Answering again is not enough to trust what was kept before the silence.
        assert listener.recall(acme_key.api_key.secret_hash) is None
    finally:
        proxy.release()
        listener.stop()
        proxy.cut()


class ListeningElsewhere(key_cache.Listener):
    """What a pooler in transaction mode does to a LISTEN: it runs on whichever server
    session is free, not on the one whose notifications this connection goes on reading."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.other = psycopg.connect(**conninfo(), autocommit=True)

    def _subscribe(self, connection):
        super()._subscribe(self.other)


def deaf_listener_test(deaf, acme_key, monkeypatch, caplog):
    monkeypatch.setattr(key_cache, "DEAF_AFTER", 2)
    deaf.start()
    try:
        assert not deaf.wait_live(1.0)
        deaf.remember(authentication.api_key_authenticate(acme_key.token), deaf.generation())
        assert deaf.recall(acme_key.api_key.secret_hash) is None
        assert "does not hear notifications" in caplog.text
        # Unheard heartbeats are not collected for ever: only the last two periods'.
        time.sleep(0.6)
        assert 0 < len(deaf._pending) <= 3
    finally:
        deaf.stop()


def test_a_listen_that_landed_on_another_session_leaves_the_cache_off(
    acme_key, monkeypatch, caplog
):
    deaf = ListeningElsewhere(conninfo(application_name="test: pooled"), heartbeat=0.2)
    try:
        deaf_listener_test(deaf, acme_key, monkeypatch, caplog)
    finally:
        deaf.other.close()


def test_a_listener_on_another_database_than_the_app_leaves_the_cache_off(
    acme_key, monkeypatch, caplog
):
    """The heartbeat goes the way the app's statements go: a listener reaching another
    database (a wrong name, an old primary) never hears it."""
    deaf = key_cache.Listener(
        conninfo(application_name="test: elsewhere", dbname="postgres"),
        heartbeat=0.2,
        probe_conninfo=conninfo(application_name="test: probe"),
    )
    deaf_listener_test(deaf, acme_key, monkeypatch, caplog)


def test_a_change_in_one_tenant_forgets_only_its_keys(cache, acme_key, monkeypatch):
    globex = factories.tenant("globex", "Globex")
    globex_key = factories.api_key(globex, "viewer", name="globex")
    assert remembered(acme_key.token) is not None
    assert remembered(globex_key.token) is not None
    before = cache.generation()
    elsewhere("UPDATE tenants_tenant SET name = 'Globex, renamed' WHERE id = %s", [globex.pk])
    wait_for_change(cache, before)
    seen = lookups(monkeypatch)
    assert remembered(acme_key.token).tenant.name == "Acme Media"
    assert seen == []
    assert remembered(globex_key.token).tenant.name == "Globex, renamed"
    assert len(seen) == 1


def test_the_listening_connection_can_take_a_way_of_its_own(settings, acme_key):
    """API_KEY_CACHE_DATABASE_URL: what a deployment behind a transaction pooler sets."""
    db = settings.DATABASES["default"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    settings.API_KEY_CACHE = True
    settings.API_KEY_CACHE_HEARTBEAT = 0.2
    settings.API_KEY_CACHE_DATABASE = {
        "NAME": db["NAME"],
        "USER": db["USER"],
        "HOST": "127.0.0.1",
        "PORT": str(proxy.port),
        "OPTIONS": {},
    }
    try:
        listener = key_cache.listener()
        assert listener.wait_live(WAIT)
        proxy.cut()  # only that way is cut: the app's own connections are untouched
        deadline = time.monotonic() + WAIT
        while listener.live():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert bearer(acme_key.token).get(DIGESTS).status_code == 200
    finally:
        key_cache.stop()
        proxy.cut()


def test_a_forked_child_listens_on_its_own(cache):
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the child)
        try:
            mine = key_cache.listener()
            ok = mine is not cache and mine.wait_live(WAIT)
            os.write(write, b"yes" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 16)
    os.waitpid(child, 0)
    assert answer == b"yes"
    assert key_cache.listener() is cache


def test_a_listener_whose_thread_died_is_replaced(cache, monkeypatch):
    cache.stop()
    assert not cache.thread.is_alive()
    fresh = key_cache.listener()
    assert fresh is not cache
    assert fresh.wait_live(WAIT)


def test_a_last_use_recorded_elsewhere_lately_is_not_written_again(cache, acme_key):
    api_key = acme_key.api_key
    elsewhere(
        "UPDATE tenants_apikey SET last_used_at = now() - interval '10 seconds' WHERE id = %s",
        [api_key.pk],
    )
    recorded = stored_last_use(api_key.pk)
    api_key.last_used_at = timezone.now() - timedelta(hours=2)  # what this process knew
    authentication.api_key_record_use(api_key)
    assert stored_last_use(api_key.pk) == recorded
    assert api_key.last_used_at == recorded
    assert not authentication.api_key_use_is_stale(api_key)


def stored_last_use(pk: int):
    with psycopg.connect(**conninfo()) as other:
        return other.execute(
            "SELECT last_used_at FROM tenants_apikey WHERE id = %s", [pk]
        ).fetchone()[0]


def test_nothing_is_kept_longer_than_the_maximum_age(cache, acme_key, monkeypatch):
    assert remembered(acme_key.token) is not None
    assert cache.recall(acme_key.api_key.secret_hash) is not None
    monkeypatch.setattr(key_cache, "MAX_AGE_SECONDS", 0.0)
    assert cache.recall(acme_key.api_key.secret_hash) is None


def test_each_request_gets_its_own_copy(cache, acme_key):
    first = remembered(acme_key.token)
    first.tenant.name = "changed by a request"
    first.role.slug = "owner"
    first.name = "changed too"
    second = remembered(acme_key.token)
    assert second is not first and second.tenant is not first.tenant
    assert (second.tenant.name, second.role.slug, second.name) == ("Acme Media", "viewer", "cached")


def test_a_recorded_use_is_remembered_so_it_is_not_recorded_again(cache, acme_key, monkeypatch):
    client = bearer(acme_key.token)
    writes = note_calls(monkeypatch, authentication, "api_key_record_use", lambda _, key: key.pk)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    assert len(writes) == 1
    assert remembered(acme_key.token).last_used_at is not None


def test_an_expiry_passing_needs_no_notification(cache, acme_key):
    soon = factories.api_key(
        acme_key.api_key.tenant,
        "viewer",
        name="soon",
        expires_at=timezone.now() + timedelta(seconds=1),
    )
    assert remembered(soon.token) is not None
    time.sleep(1.1)
    assert remembered(soon.token) is None


def test_turned_off_every_request_looks_its_key_up(settings, acme_key, monkeypatch):
    settings.API_KEY_CACHE = False
    assert key_cache.listener() is None
    seen = lookups(monkeypatch)
    client = bearer(acme_key.token)
    assert client.get(DIGESTS).status_code == 200
    assert client.get(DIGESTS).status_code == 200
    assert len(seen) == 2


def test_a_recalled_key_is_what_the_database_gave(cache, acme_key):
    """The copies (core.internals.copied_instance) carry what copy.copy would, and can be used
    as any instance: saved, related objects read."""
    looked_up = remembered(acme_key.token)
    recalled = remembered(acme_key.token)
    for fresh, read in (
        (recalled, looked_up),
        (recalled.tenant, looked_up.tenant),
        (recalled.role, looked_up.role),
    ):
        mine = {k: v for k, v in fresh.__dict__.items() if k != "_state"}
        assert mine == {k: v for k, v in read.__dict__.items() if k != "_state"}
        assert (fresh._state.db, fresh._state.adding) == (read._state.db, False)
    recalled.role.name = "Viewer, renamed by a save"
    recalled.role.save(update_fields=["name"])
    assert recalled.role.tenant.slug == "acme"


@pytest.mark.parametrize(
    ("payload", "forgets"),
    [
        ("tenants_apikey:7", 7),
        ("tenants_tenant:7", 7),
        ("tenants_apikey", None),  # a truncation
        ("tenants_role", None),  # a role change
        ("tenants_apikey:²", None),  # digits Python reads, but not a tenant id
        ("tenants_apikey:" + "9" * 5000, None),
        ("tenants_apikey:-1", None),
        ("", None),
    ],
)
def test_a_notification_forgets_the_tenant_it_names_or_everything(payload, forgets):
    listener = key_cache.Listener({}, heartbeat=1.0)
    forgotten = []
    listener.forget = forgotten.append
    listener._notified(payload)
    assert forgotten == [forgets]


def test_a_role_change_and_a_deleted_key_notify(acme_key):
    api_key = acme_key.api_key
    assert notifications_for(
        lambda: elsewhere(
            "UPDATE tenants_role SET name = 'Viewers' WHERE id = %s", [api_key.role_id]
        )
    ) == ["tenants_role", "fence"]
    assert notifications_for(
        lambda: elsewhere("DELETE FROM tenants_apikey WHERE id = %s", [api_key.pk])
    ) == [f"tenants_apikey:{api_key.tenant_id}", "fence"]


def test_the_heartbeat_goes_the_apps_way_and_nothing_is_prepared(settings):
    settings.API_KEY_CACHE_DATABASE = {
        "NAME": "digests",
        "USER": "listener",
        "PASSWORD": "",
        "HOST": "db.internal",
        "PORT": "5432",
        "OPTIONS": {},
    }
    listening, heartbeat = key_cache._conninfo()
    assert listening["host"] == "db.internal" and listening["dbname"] == "digests"
    default = settings.DATABASES["default"]
    assert heartbeat["dbname"] == default["NAME"]
    # A pooler that cannot keep prepared statements may be on the heartbeat's way.
    assert listening["prepare_threshold"] is None and heartbeat["prepare_threshold"] is None


def test_losing_the_heartbeat_connection_alone_turns_the_cache_off_and_back(cache, acme_key):
    assert remembered(acme_key.token) is not None
    elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = %s AND datname = current_database()",
        [f"{key_cache.APPLICATION_NAME} heartbeat"],
    )
    deadline = time.monotonic() + WAIT
    while cache.live():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert cache.recall(acme_key.api_key.secret_hash) is None
    assert cache.wait_live(WAIT)
    assert cache.recall(acme_key.api_key.secret_hash) is None  # forgotten meanwhile


class SlowHeartbeat(key_cache.Listener):
    """Its heartbeats take longer than two periods to go out (a probe stuck in a queue)."""

    def _send_heartbeat(self, probe, nonce):
        time.sleep(2.5 * self.heartbeat)
        super()._send_heartbeat(probe, nonce)


def test_a_heartbeat_counts_from_when_it_was_sent():
    slow = SlowHeartbeat(conninfo(application_name="test: slow"), heartbeat=0.2)
    slow.start()
    try:
        time.sleep(1.5)  # several heartbeats sent and heard, each too old when heard
        assert slow._heard_at is None or not slow.live()
        assert not slow.wait_live(0.5)
    finally:
        slow.stop()


class Mute(key_cache.Listener):
    """Listens on its heartbeat channel but never sends a heartbeat of its own."""

    def _send_heartbeat(self, probe, nonce):
        pass


def test_a_notification_on_the_heartbeat_channel_that_it_did_not_send_is_ignored():
    mute = Mute(conninfo(application_name="test: forged"), heartbeat=0.2)
    mute.start()
    try:
        time.sleep(0.3)
        for _ in range(5):
            elsewhere("SELECT pg_notify(%s, 'forged')", [mute.heartbeat_channel])
        assert not mute.wait_live(0.5)
    finally:
        mute.stop()
