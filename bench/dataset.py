"""The benchmark's data on PostgreSQL, built once per scale and reused.

Per scale unit: TENANTS tenants x DIGESTS digests (10 sections of 5 bullets, 5 key points,
realistic text lengths), a source per digest, 5 active policy rules and 3 custom roles
per tenant, object grants on 1% of the digests. Rows go in through COPY; the search
vectors are then computed in one UPDATE per tenant, spread over two connections.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sys
from concurrent.futures import ThreadPoolExecutor

import psycopg

# A vocabulary of a few thousand made-up words drawn with a Zipf-like skew, so that a
# search term matches a realistic share of digests rather than all of them.
_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ran",
    "te",
    "su",
    "vor",
    "pel",
    "dan",
    "ish",
    "or",
    "quen",
    "bra",
    "til",
    "mon",
    "ge",
    "zu",
    "fa",
    "ren",
    "hol",
)
VOCABULARY = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in ("", "s", "ter")]
# Cumulative, computed once: random.choices would otherwise add up the weights of the
# whole vocabulary on every call (same draws either way).
_CUM_WEIGHTS = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))
SEARCH_WORDS = [VOCABULARY[i] for i in (40, 120, 300, 700, 900, 1100)]
TOPICS = [
    "energy",
    "databases",
    "food",
    "sport",
    "space",
    "music",
    "health",
    "regulation",
    "transport",
    "finance",
    "science",
    "cities",
]
EMOJI = ["⚡", "🇯🇵", "⚖️", "👩‍🔬", "📈", ""]
MARKER_TOPIC = "bench-blocked"  # on a few digests, so the topic rule has work to do


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(VOCABULARY, cum_weights=_CUM_WEIGHTS, k=words))
    return text[0].upper() + text[1:] + "."


def digest_row(rng: random.Random, tenant_id: int, n: int, role_group_id: int) -> tuple:
    title = f"Episode {n}: {sentence(rng, 7)[:-1]}"
    publisher = f"Bench Radio {n % 25}"
    key_points = [sentence(rng, 14) for _ in range(5)]
    sections = [
        {
            "number": s,
            "emoji": rng.choice(EMOJI),
            "title": sentence(rng, 5)[:-1],
            "bullets": [sentence(rng, 16) for _ in range(5)],
            "subsections": [],
        }
        for s in range(1, 11)
    ]
    topics = rng.sample(TOPICS, 2) + ([MARKER_TOPIC] if n % 97 == 0 else [])
    search_text = "\n".join(key_points + [t for s in sections for t in [s["title"], *s["bullets"]]])
    day = dt.date(2020, 1, 1) + dt.timedelta(days=n % 2000)
    return (
        tenant_id,
        f"episode-{n}",
        title,
        publisher,
        day,
        " ".join(sentence(rng, 18) for _ in range(4)),
        json.dumps(key_points),
        json.dumps(sections),
        json.dumps(topics),
        "en",
        "published",
        True,
        "Digestly",
        publisher,
        title,
        f"https://bench.example/{tenant_id}/{n}",
        n % 100 == 0,
        search_text,
    )


COLUMNS = (
    "tenant_id, slug, title, publisher, published_on, summary, key_points, sections, topics, "
    "language, status, truncated, exporter, source_publisher, source_title, source_url, "
    "restricted, search_text, created_at, updated_at, published_at"
)

POLICY_RULES = [
    {"id": "no-blocked-topic", "kind": "topic_block", "params": {"topics": [MARKER_TOPIC]}},
    {
        "id": "no-crypto",
        "kind": "keyword_block",
        "params": {"keywords": ["bitcoin", "crypto token", "meme coin"]},
    },
    {
        "id": "mask-emails",
        "kind": "regex_redact",
        "params": {"pattern": r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}", "mask": "[email]"},
    },
    {"id": "no-sponsor-sections", "kind": "section_hide", "params": {"pattern": "sponsor"}},
    {
        "id": "keys-no-source",
        "kind": "field_hide",
        "params": {"fields": ["source"]},
        "audience": {"type": "api_keys"},
        "mode": "monitor",
    },
]


def build(*, scale: int, tenants: int, digests: int, log=print) -> dict:
    """Create (or find) the dataset; returns what the runs need: tenant slugs, the
    viewer API key, sample digest ids and search words."""
    import django
    from django.db import connection, transaction

    django.setup()
    from audit.services import maintenance
    from policies import services as policy_services
    from tenants import rbac
    from tenants.context import platform_scope, tenant_context
    from tenants.models import ApiKey, Role, Tenant
    from tenants.services.keys import api_key_install
    from tenants.services.members import membership_add, user_get_or_create
    from tenants.services.roles import role_create
    from tenants.services.tenants import tenant_create

    total_tenants = tenants * 1  # scale multiplies digests per tenant (ten times the data)
    per_tenant = digests * scale
    slug = f"bench-s{scale}"
    key = f"dp_bench{scale:04d}_bench-viewer-key-for-the-benchmark-only"
    # The member the dataset's keys answer to (bench/load.py makes an editor key too).
    person_email = f"bench-s{scale}@bench.invalid"
    info = {
        "tenants": [f"{slug}-{i:03d}" for i in range(total_tenants)],
        "key": key,
        "accountable_person": person_email,
    }

    from licensing.models import DigestSource

    with platform_scope():
        existing = Tenant.objects.filter(slug__startswith=f"{slug}-").count()
        # A dataset built before digests had sources is rebuilt.
        current = DigestSource.objects.unscoped().filter(tenant__slug__startswith=slug).exists()
        # A dataset built before every key had an accountable person is rebuilt.
        current = current and (
            ApiKey.objects.unscoped()
            .filter(tenant__slug=info["tenants"][0], accountable_person__email=person_email)
            .exists()
        )
    if existing == total_tenants and current:
        log(f"dataset {slug}: reusing {total_tenants} tenants x {per_tenant} digests")
        return _sample(info)
    if existing:
        with platform_scope(), transaction.atomic(), maintenance():
            # Keys hold their roles (protected), so they go first.
            ApiKey.objects.unscoped().filter(tenant__slug__startswith=f"{slug}-").delete()
            Tenant.objects.filter(slug__startswith=f"{slug}-").delete()

    log(f"dataset {slug}: building {total_tenants} tenants x {per_tenant} digests")
    rng = random.Random(scale)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE digests_digest DISABLE TRIGGER digests_digest_search_vector")
    try:
        for index, tenant_slug in enumerate(info["tenants"]):
            tenant = tenant_create(slug=tenant_slug, name=f"Bench tenant {index}").tenant
            with tenant_context(tenant), transaction.atomic():
                roles = {r.slug: r for r in Role.objects.all()}
                for r in range(3):
                    role_create(
                        actor=None,
                        slug=f"custom-{r}",
                        name=f"Custom {r}",
                        permissions=sorted(rbac.PRESETS["viewer"].permissions),
                    )
                if index == 0:
                    # Every key answers to a member whose role holds the key's.
                    person = user_get_or_create(email=person_email)
                    membership_add(tenant=tenant, user=person, role=roles["editor"])
                    api_key_install(
                        name="bench viewer",
                        role=roles["viewer"],
                        token=key,
                        accountable_person=person,
                    )
                policy = policy_services.policy_create(
                    actor=None, name="Bench policy", rules=POLICY_RULES
                )
                policy_services.policy_publish(actor=None, policy=policy)
                _copy_digests(connection, rng, tenant.pk, per_tenant, roles["viewer"].group_id)
                _sources_and_licenses(rng)
            if index % 10 == 0:
                log(f"  {index + 1}/{total_tenants} tenants loaded")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE digests_digest ENABLE TRIGGER digests_digest_search_vector")
    _search_vectors(connection.settings_dict, [t for t in info["tenants"]], log)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return _sample(info)


def _sources_and_licenses(rng) -> None:
    """Each digest's episode and publisher, as the importer makes them; a license for
    most publishers (approved, permitting display), pending or none for the rest."""
    from digests.models import Digest
    from licensing import services as licensing
    from licensing.models import RightsHolder

    # Every field link_digests reads: a deferred one costs a query per digest.
    digests = list(
        Digest.objects.only(
            "pk",
            "tenant_id",
            "publisher",
            "title",
            "source_publisher",
            "source_title",
            "source_url",
        )
    )
    for start in range(0, len(digests), 1000):
        licensing.link_digests(digests[start : start + 1000])
    for holder in RightsHolder.objects.order_by("pk"):
        draw = rng.random()
        if draw < 0.15:
            continue  # unlicensed
        lic = licensing.license_propose(
            actor=None,
            rights_holder=holder,
            terms={
                "origin": "contract",
                "spdx_id": "LicenseRef-bench",
                "permitted_uses": ["summarize", "display_internally"],
                "prohibited_uses": ["train_models"],
                "attribution": f"Courtesy of {holder.name}",
            },
        )
        if draw >= 0.3:
            licensing.license_review(actor=None, lic=lic, decision="approved", version=1)


def _copy_digests(connection, rng, tenant_id: int, count: int, group_id: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY digests_digest ({COLUMNS}) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row((*digest_row(rng, tenant_id, n, group_id), now, now, now))
        # Object grants on 1% of the digests (the restricted ones), to the viewer role.
        cursor.execute(
            "INSERT INTO digests_digestgroupobjectpermission (permission_id, group_id, "
            "content_object_id) SELECT p.id, %s, d.id FROM digests_digest d, auth_permission p "
            "JOIN django_content_type c ON c.id = p.content_type_id "
            "WHERE d.tenant_id = %s AND d.restricted AND c.app_label = 'digests' "
            "AND p.codename = 'view_digest'",
            [group_id, tenant_id],
        )


def _search_vectors(settings_dict: dict, slugs: list[str], log) -> None:
    """The search vectors, one UPDATE per tenant on two connections (the trigger was off
    during COPY)."""
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
    }
    # The trigger computes both vectors; touching search_text fires it for every row.
    sql = (
        "SELECT set_config('app.tenant_id', '*', true);"
        "UPDATE digests_digest d SET search_text = d.search_text "
        "FROM tenants_tenant t WHERE t.id = d.tenant_id AND t.slug = %s"
    )

    def run(slug: str) -> None:
        with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
            conn.execute(sql.split(";", 1)[0])
            conn.execute(sql.split(";", 1)[1], [slug])

    log(f"  search vectors for {len(slugs)} tenants")
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, slugs))


def console_session(info: dict) -> str:
    """A signed-in browser session (its cookie value) of a compliance officer of the
    first tenant, for the console's pages: made afresh on every run, as a sign-in does."""
    from django.test import Client

    from tenants.context import platform_scope, tenant_context
    from tenants.models import Membership, Role, Tenant
    from tenants.services.members import membership_add, user_get_or_create

    with platform_scope():
        tenant = Tenant.objects.get(slug=info["tenants"][0])
    email = f"console-{info['tenants'][0]}@bench.invalid"
    with tenant_context(tenant):
        person = user_get_or_create(email=email)
        if not Membership.objects.filter(user=person).exists():
            membership_add(tenant=tenant, user=person, role=Role.objects.get(slug="compliance"))
    browser = Client()
    browser.force_login(person, backend="sso.auth.PasswordBackend")
    return browser.cookies["sessionid"].value


def _sample(info: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.tenant_id', '*', false)")
        cursor.execute(
            "SELECT d.id FROM digests_digest d JOIN tenants_tenant t ON t.id = d.tenant_id "
            "WHERE t.slug = %s AND NOT d.restricted AND NOT d.topics @> %s::jsonb "
            "ORDER BY d.id LIMIT 500",
            [info["tenants"][0], json.dumps([MARKER_TOPIC])],
        )
        info["digest_ids"] = [row[0] for row in cursor.fetchall()]
    info["search_words"] = SEARCH_WORDS
    info["session"] = console_session(info)
    return info


def main() -> None:
    """python -m bench.dataset --scale N --tenants T --digests D: build, print JSON info."""
    import argparse
    import os

    from bench.common import ensure_database

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--digests", type=int, default=2000)
    parser.add_argument("--runtime-role", default="digest_bench")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    info = build(
        scale=args.scale,
        tenants=args.tenants,
        digests=args.digests,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    with open(os.devnull, "w") as quiet:
        call_command(
            "grant_runtime_role", role=args.runtime_role, password="bench-only", stdout=quiet
        )
    print(json.dumps(info))


if __name__ == "__main__":
    main()
