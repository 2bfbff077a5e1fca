"""Policy insight: what the rules did to the digests shown, counted per rule, reader and
day (policies.insight), and read by admins at `policies/insight/`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies import insight
from policies.models import PolicyRuleDay
from tenants.context import tenant_context
from tests import factories
from tests.conftest import SENTINEL
from tests.policies import BASE, DIGESTS, bearer, detail, item, page, publish, rule

INSIGHT = f"{BASE}/policies/insight/"
TABLE = PolicyRuleDay._meta.db_table


def rows(tenant) -> list[dict]:
    with tenant_context(tenant):
        return list(
            PolicyRuleDay.objects.order_by("rule", "mode", "action", "role", "api_key").values(
                "rule", "kind", "mode", "action", "role", "api_key", "count", "digests"
            )
        )


def stored_text() -> str:
    """Every row of the table, every column, as PostgreSQL writes it out."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT string_agg(t::text, '\n') FROM {TABLE} t")
        return cursor.fetchone()[0] or ""


def insight_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if TABLE in q["sql"]]


@pytest.fixture
def watched(world):
    """Three published acme digests, two about bitcoin; a policy watching bitcoin in
    monitor mode."""
    coins = [
        factories.digest(world.acme, title=f"Coins {n}", summary="All about bitcoin today.")
        for n in range(2)
    ]
    garden = factories.digest(world.acme, title="Garden notes", summary="Tomatoes.")
    publish(
        world,
        rule("keyword_block", "watch-coins", mode="monitor", keywords=["bitcoin"]),
        rule("regex_redact", "watch-word", mode="monitor", pattern="bitcoin"),
    )
    return coins, garden


def test_a_monitor_rule_is_counted_with_its_digests_and_readers_and_changes_nothing(world, watched):
    coins, garden = watched
    listed = page(world.client("viewer"))
    assert {d["id"] for d in listed} == {d.pk for d in [*coins, garden]}
    for digest in coins:
        shown = item(listed, digest.pk)
        assert shown["summary"] == "All about bitcoin today."
        assert {(f["rule"], f["enforced"]) for f in shown["policy"]["findings"]} == {
            ("content/watch-coins", False),
            ("content/watch-word", False),
        }
    key = factories.api_key(world.acme, "viewer", name="widget")
    assert detail(bearer(key.token), coins[0].pk).status_code == 200

    coin_ids = sorted(d.pk for d in coins)
    found = rows(world.acme)
    assert [
        (r["rule"], r["kind"], r["mode"], r["action"], r["role"], r["api_key"], r["count"])
        for r in found
    ] == [
        ("content/watch-coins", "keyword_block", "monitor", "hide", "viewer", "", 2),
        (
            "content/watch-coins",
            "keyword_block",
            "monitor",
            "hide",
            "viewer",
            key.api_key.prefix,
            1,
        ),
        ("content/watch-word", "regex_redact", "monitor", "redact", "viewer", "", 2),
        (
            "content/watch-word",
            "regex_redact",
            "monitor",
            "redact",
            "viewer",
            key.api_key.prefix,
            1,
        ),
    ]
    assert sorted(found[0]["digests"]) == coin_ids
    assert found[1]["digests"] == [coins[0].pk]


def test_an_enforced_redaction_is_counted_and_applied(world):
    digest = factories.digest(world.acme, title="Pay talk", summary="Her salary is 120k.")
    publish(world, rule("regex_redact", "no-pay", pattern=r"\d+k", mask="[pay]"))
    shown = item(page(world.client("editor")), digest.pk)
    assert shown["summary"] == "Her salary is [pay]."
    assert [
        (r["mode"], r["action"], r["role"], r["count"], r["digests"]) for r in rows(world.acme)
    ] == [("enforce", "redact", "editor", 1, [digest.pk])]


def test_counts_of_two_requests_add_up_in_one_row(world, watched):
    viewer = world.client("viewer")
    page(viewer)
    page(viewer)
    assert [r["count"] for r in rows(world.acme) if r["rule"] == "content/watch-coins"] == [4]


def test_one_write_per_request_and_none_without_findings(world, watched):
    viewer = world.client("viewer")
    page(viewer)  # the session's first use is noted once; warm
    with CaptureQueriesContext(connection) as queries:
        page(viewer)
    (write,) = insight_writes(queries)
    assert write.startswith(f"INSERT INTO {TABLE}")
    with CaptureQueriesContext(connection) as queries:
        page(viewer, q="tomatoes")
    assert insight_writes(queries) == []


def test_the_matched_and_hidden_text_is_never_stored(world):
    secret = "quokka-4411"  # in nothing but this digest
    leak = factories.digest(
        world.acme,
        title=f"Leak {secret}",
        summary=f"The code is {secret}.",
        sections=[
            {"number": 1, "emoji": "", "title": f"About {secret}", "bullets": ["b"]},
            {"number": 2, "emoji": "", "title": "Other", "bullets": ["c"]},
        ],
    )
    publish(
        world,
        # These two before the redaction, which would leave them nothing to find.
        rule("regex_redact", "watch", mode="monitor", pattern=f"code is {secret}"),
        rule("section_hide", "sections", pattern=secret),
        rule("regex_redact", "mask", pattern=secret),
        rule("keyword_block", "would-hide", mode="monitor", keywords=[secret]),
        rule("field_hide", "no-summary", mode="monitor", fields=["summary"]),
    )
    viewer = world.client("viewer")
    assert secret not in str(page(viewer))  # the list has no sections
    assert secret not in detail(viewer, leak.pk).content.decode()
    found = rows(world.acme)
    assert {(r["rule"], r["action"]) for r in found} == {
        ("content/mask", "redact"),
        ("content/watch", "redact"),
        ("content/sections", "hide_section"),
        ("content/would-hide", "hide"),
        ("content/no-summary", "hide_field"),
    }
    stored = stored_text()
    assert "content/mask" in stored  # the dump holds the rows
    assert secret not in stored.lower()
    # Nor the admin's reads: the titles there are shown through the admin's own rules.
    admin = world.client("admin")
    for path in ("", "days/", "readers/", "digests/"):
        response = admin.get(f"{INSIGHT}{path}")
        assert response.status_code == 200
        assert secret not in response.content.decode().lower()


def test_a_detail_refused_by_an_enforced_hiding_rule_is_counted(world):
    hidden = factories.digest(world.acme, title="Coins", summary="About bitcoin.")
    draft = factories.digest(world.acme, title="Draft coins", summary="bitcoin", status="draft")
    publish(world, rule("keyword_block", "no-coins", keywords=["bitcoin"]))
    viewer = world.client("viewer")
    assert detail(viewer, hidden.pk).status_code == 404
    assert detail(viewer, draft.pk).status_code == 404  # never visible to a viewer
    assert detail(viewer, 987654321).status_code == 404
    assert viewer.get(f"{DIGESTS}{hidden.pk}/export/").status_code == 404
    assert page(viewer) == []  # left out of lists: not counted
    assert [(r["mode"], r["action"], r["count"], r["digests"]) for r in rows(world.acme)] == [
        ("enforce", "hide", 2, [hidden.pk])
    ]


def test_a_detail_refused_by_a_license_gate_is_counted(world):
    digest = factories.digest(world.acme, title="Unlicensed")
    publish(world, rule("license_gate", "licensed", use="display_internally"))
    assert detail(world.client("viewer"), digest.pk).status_code == 451
    assert [
        (r["rule"], r["kind"], r["mode"], r["action"], r["count"]) for r in rows(world.acme)
    ] == [("content/licensed", "license_gate", "enforce", "hide", 1)]


def test_exports_and_the_changes_feed_are_counted(world, watched):
    viewer = world.client("viewer")
    export = viewer.get(f"{DIGESTS}export/?export_format=json")
    assert export.status_code == 200
    b"".join(export.streaming_content)
    assert [r["count"] for r in rows(world.acme) if r["action"] == "hide"] == [2]
    assert viewer.get(f"{DIGESTS}changes/?since=0").status_code == 200
    assert [r["count"] for r in rows(world.acme) if r["action"] == "hide"] == [4]


def test_checks_and_simulations_are_not_counted(world, watched):
    policy = publish(world, rule("topic_block", "t", mode="monitor", topics=["x"]), slug="other")
    admin = world.client("admin")
    response = admin.post(
        f"{BASE}/policies/{policy.pk}/simulate/", {"as_role": "viewer"}, format="json"
    )
    assert response.status_code == 200
    assert rows(world.acme) == []


def test_off_writes_nothing(world, watched, settings):
    settings.POLICY_INSIGHT = False
    with CaptureQueriesContext(connection) as queries:
        page(world.client("viewer"))
    assert insight_writes(queries) == []
    assert rows(world.acme) == []


def test_counted_read_and_purged_as_the_runtime_role(world, watched, settings):
    """As the application's role (no superuser, no BYPASSRLS), row-level security
    applies: the write lands in the reader's tenant, reads see only it, and the purge
    reaches every tenant through the platform scope."""
    globex_rows = len(rows(world.globex))  # globex's own (tests/conftest.py)
    assert globex_rows
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{settings.DATABASE_RUNTIME_ROLE}"')
    try:
        page(world.client("viewer"))
        totals = world.client("admin").get(f"{INSIGHT}").json()["results"]
        assert sorted((r["rule"], r["count"]) for r in totals) == [
            ("content/watch-coins", 2),
            ("content/watch-word", 2),
        ]
        later = insight.today() + dt.timedelta(settings.POLICY_INSIGHT_DAYS + 1)
        assert insight.purge(later) == 2 + globex_rows
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def test_a_rows_digests_are_the_first_twenty_distinct(world):
    made = [
        factories.digest(world.acme, title=f"Coin {n}", summary="bitcoin")
        for n in range(insight.SAMPLE + 5)
    ]
    publish(world, rule("keyword_block", "watch", mode="monitor", keywords=["bitcoin"]))
    viewer = world.client("viewer")
    page(viewer, page_size=10)  # the newest ten first
    page(viewer)
    (row,) = rows(world.acme)
    assert row["count"] == 10 + len(made)
    assert len(row["digests"]) == insight.SAMPLE == len(set(row["digests"]))
    newest = sorted((d.pk for d in made), reverse=True)
    assert row["digests"][:10] == sorted(newest[:10], reverse=True)


def test_the_beat_purges_old_rows_of_every_tenant_daily(world, watched, settings):
    from config.celery import app
    from policies.tasks import purge_insight

    app.loader.import_default_modules()  # the worker's task discovery
    entry = settings.CELERY_BEAT_SCHEDULE["policy-insight"]
    assert (entry["task"], entry["schedule"]) == (purge_insight.name, 86400.0)
    assert purge_insight.name in app.tasks

    page(world.client("viewer"))
    oldest_kept = insight.today() - dt.timedelta(days=settings.POLICY_INSIGHT_DAYS)
    with tenant_context(world.acme):
        PolicyRuleDay.objects.filter(action="hide").update(day=oldest_kept)
        PolicyRuleDay.objects.filter(action="redact").update(day=oldest_kept - dt.timedelta(1))
    factories.policy_insight(world.globex, world.globex_policy)
    with tenant_context(world.globex):
        globex_rows = PolicyRuleDay.objects.update(day=oldest_kept - dt.timedelta(1))
    assert purge_insight() == 1 + globex_rows
    assert [r["action"] for r in rows(world.acme)] == ["hide"]
    assert rows(world.globex) == []


# --- Reading it --------------------------------------------------------------------------------


def test_admins_read_totals_days_readers_and_digests(world, watched):
    coins, _ = watched
    page(world.client("viewer"))
    page(world.client("editor"))
    key = factories.api_key(world.acme, "viewer", name="widget")
    page(bearer(key.token))
    other_key = factories.api_key(world.acme, "viewer", name="board")
    page(bearer(other_key.token))
    with tenant_context(world.acme):
        policy_id = PolicyRuleDay.objects.values_list("policy_id", flat=True).first()
    auditor = world.client("auditor")
    totals = auditor.get(INSIGHT).json()["results"]
    today = insight.today().isoformat()
    assert totals == [
        {
            "policy": policy_id,
            "rule": "content/watch-coins",
            "kind": "keyword_block",
            "mode": "monitor",
            "action": "hide",
            "count": 8,
            "first_day": today,
            "last_day": today,
        },
        {
            "policy": policy_id,
            "rule": "content/watch-word",
            "kind": "regex_redact",
            "mode": "monitor",
            "action": "redact",
            "count": 8,
            "first_day": today,
            "last_day": today,
        },
    ]
    days = auditor.get(f"{INSIGHT}days/", {"action": "hide"}).json()["results"]
    assert [(d["day"], d["rule"], d["count"]) for d in days] == [(today, "content/watch-coins", 8)]
    readers = auditor.get(f"{INSIGHT}readers/", {"rule": "content/watch-coins"}).json()["results"]
    assert sorted((r["role"], r["by_api_key"], r["api_key"], r["count"]) for r in readers) == [
        ("editor", False, None, 2),
        ("viewer", False, None, 2),
        *sorted(
            ("viewer", True, prefix, 2) for prefix in (key.api_key.prefix, other_key.api_key.prefix)
        ),
    ]
    # Compliance may read policies, not API keys: a role's keys stand together.
    readers = world.client("compliance").get(f"{INSIGHT}readers/", {"rule": "content/watch-word"})
    assert [
        (r["role"], r["by_api_key"], r["api_key"], r["count"]) for r in readers.json()["results"]
    ] == [
        ("viewer", True, None, 4),
        ("editor", False, None, 2),
        ("viewer", False, None, 2),
    ]
    involved = auditor.get(f"{INSIGHT}digests/").json()["results"]
    assert [d["id"] for d in involved] == sorted((d.pk for d in coins), reverse=True)
    assert involved[0]["title"] == coins[1].title
    assert involved[0]["rules"] == [
        {"rule": "content/watch-coins", "mode": "monitor", "action": "hide"},
        {"rule": "content/watch-word", "mode": "monitor", "action": "redact"},
    ]


def test_titles_only_of_digests_the_reader_may_read(world):
    draft = factories.digest(world.acme, title="Draft about bitcoin", status="draft")
    publish(world, rule("keyword_block", "watch", mode="monitor", keywords=["bitcoin"]))
    page(world.client("editor"))  # editors see drafts
    for role, title in (("auditor", None), ("admin", "Draft about bitcoin")):
        (found,) = world.client(role).get(f"{INSIGHT}digests/").json()["results"]
        assert (found["id"], found["title"]) == (draft.pk, title)


def test_the_range_defaults_to_the_last_thirty_days(world, watched):
    page(world.client("viewer"))
    today = insight.today()
    with tenant_context(world.acme):
        PolicyRuleDay.objects.filter(action="hide").update(day=today - dt.timedelta(days=30))
    admin = world.client("admin")
    assert [r["action"] for r in admin.get(INSIGHT).json()["results"]] == ["redact"]
    since = (today - dt.timedelta(days=30)).isoformat()
    assert {r["action"] for r in admin.get(INSIGHT, {"since": since}).json()["results"]} == {
        "hide",
        "redact",
    }
    until = (today - dt.timedelta(days=1)).isoformat()
    assert [r["action"] for r in admin.get(INSIGHT, {"until": until}).json()["results"]] == ["hide"]
    assert admin.get(INSIGHT, {"since": "yesterday"}).status_code == 400


@pytest.mark.parametrize("path", ["", "days/", "readers/", "digests/"])
def test_readers_without_the_permission_get_403(world, watched, path):
    page(world.client("viewer"))
    for role in ("viewer", "editor"):
        response = world.client(role).get(f"{INSIGHT}{path}")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"


def test_another_tenants_insight_is_invisible(world, watched):
    page(world.client("viewer"))
    globex_owner = world.client(user=world.globex_owner)
    # globex's own insight (tests/conftest.py), which its hidden digest's list adds nothing to
    assert globex_owner.get("/api/v1/tenants/globex/digests/").json()["results"] == []
    assert [r["count"] for r in rows(world.globex)] == [1]
    acme = world.client("owner")
    for path in ("", "days/", "readers/", "digests/"):
        response = acme.get(f"{INSIGHT}{path}")
        assert response.json()["results"]
        assert SENTINEL.lower() not in response.content.decode().lower()
        assert world.globex_digest.pk not in [r.get("id") for r in response.json()["results"]]
    assert acme.get("/api/v1/tenants/globex/policies/insight/").status_code == 404
    globex = globex_owner.get("/api/v1/tenants/globex/policies/insight/readers/").json()
    assert [(r["rule"], r["api_key"], r["count"]) for r in globex["results"]] == [
        (world.globex_insight.rule, world.globex_key.prefix, 1)
    ]


# --- Pending counts: written by each process in batches ---------------------------------


def test_batched_reads_write_nothing_until_flushed_then_the_same_rows(world, watched, settings):
    settings.POLICY_INSIGHT_FLUSH_SECONDS = 3600  # the thread would not flush in this test
    coins, _garden = watched
    viewer, key = world.client("viewer"), factories.api_key(world.acme, "viewer", name="w")
    page(viewer)  # warm
    insight.pending.flush()
    with tenant_context(world.acme):
        PolicyRuleDay.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        page(viewer)
        page(viewer)
        assert detail(bearer(key.token), coins[0].pk).status_code == 200
    assert insight_writes(queries) == []
    assert rows(world.acme) == []

    with CaptureQueriesContext(connection) as queries:
        assert insight.pending.flush() == 2  # the viewers, and the key

    assert len(insight_writes(queries)) == 2
    counted = [
        (r["rule"], r["api_key"], r["count"], sorted(r["digests"])) for r in rows(world.acme)
    ]
    coin_ids = sorted(d.pk for d in coins)
    prefix = key.api_key.prefix
    assert counted == [
        ("content/watch-coins", "", 4, coin_ids),
        ("content/watch-coins", prefix, 1, [coins[0].pk]),
        ("content/watch-word", "", 4, coin_ids),
        ("content/watch-word", prefix, 1, [coins[0].pk]),
    ]
    assert insight.pending.flush() == 0  # nothing held twice


def test_pending_counts_keep_the_first_ids_up_to_the_sample(world, settings):
    settings.POLICY_INSIGHT_FLUSH_SECONDS = 3600
    many = [
        factories.digest(world.acme, title=f"Coin {n}", summary="bitcoin")
        for n in range(insight.SAMPLE + 5)
    ]
    publish(world, rule("keyword_block", "watch", mode="monitor", keywords=["bitcoin"]))
    viewer = world.client("viewer")
    page(viewer, page_size=10)
    page(viewer, page_size=100)
    insight.pending.flush()

    (row,) = rows(world.acme)
    newest_first = sorted((d.pk for d in many), reverse=True)
    assert row["count"] == 10 + len(many)
    assert row["digests"] == newest_first[: insight.SAMPLE]


def test_the_thread_writes_pending_counts_within_its_interval(transactional_db, world, settings):
    import time

    settings.POLICY_INSIGHT_FLUSH_SECONDS = 1
    factories.digest(world.acme, title="Coins", summary="bitcoin")
    publish(world, rule("keyword_block", "watch", mode="monitor", keywords=["bitcoin"]))
    page(world.client("viewer"))

    deadline = time.monotonic() + 10
    while not rows(world.acme) and time.monotonic() < deadline:
        time.sleep(0.1)

    assert [(r["rule"], r["count"]) for r in rows(world.acme)] == [("content/watch", 1)]
