"""Every console page's server time, as a tenant owner, at ten times the data.

    python -m bench.console_pages INFO_JSON   (the benchmark's settings and database URL
    in the environment, as bench.run sets them; INFO_JSON is the dataset's info)

The pages are found by walking the console's URLconf, so a page added later is measured
without being named here; a page that shows one object is given one of the dataset's
(an SSO connection is made for the purpose, the dataset has none). Each page is asked
once to warm the caches (its time is reported as `first_ms`: with the result cache, what
the first reader after a change waits), then REQUESTS times through Django's test
client: no server, no network, so the time is the application's and the database's own,
what a person's browser waits for before the first byte. Prints one JSON object: for
each route, the status, the median, the 90th percentile and the first request's time in
milliseconds.
"""

from __future__ import annotations

import json
import logging
import statistics
import sys
import time

REQUESTS = 15


def main() -> None:
    import django

    django.setup()
    logging.getLogger("digest_platform").setLevel(logging.WARNING)  # a line per request
    from django.conf import settings
    from django.test import Client

    from console.urls import urlpatterns
    from licensing.models import License
    from policies.models import Policy
    from sso.models import Connection
    from tenants.context import platform_scope, tenant_context
    from tenants.models import Membership, Role, Tenant
    from tenants.services.members import membership_add, user_get_or_create

    settings.ALLOWED_HOSTS = ["testserver"]
    info = json.loads(sys.argv[1])
    slug = info["tenants"][0]
    with platform_scope():
        tenant = Tenant.objects.get(slug=slug)
    with tenant_context(tenant):
        owner = user_get_or_create(email=f"owner-{slug}@bench.invalid")
        if not Membership.objects.filter(user=owner).exists():
            membership_add(tenant=tenant, user=owner, role=Role.objects.get(slug="owner"))
        connection = Connection.objects.first() or _connection()
        objects = {
            "digest": info["digest_ids"][0],
            "policy": Policy.objects.order_by("pk").first().pk,
            "license": License.objects.order_by("pk").first().pk,
            "license-evidence-upload": License.objects.order_by("pk").first().pk,
            "sso_connection": connection.pk,
        }
    browser = Client()
    browser.force_login(owner, backend="sso.auth.PasswordBackend")
    out = {}
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        url = "/" + route.replace("<slug:tenant>", slug).replace("<slug:provider>", "okta")
        if "<int:pk>" in route:
            url = url.replace("<int:pk>", str(objects[pattern.name]))
        started = time.perf_counter()
        browser.get(url)
        first = (time.perf_counter() - started) * 1000
        times, status = [], None
        for _ in range(REQUESTS):
            started = time.perf_counter()
            status = browser.get(url).status_code
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        out[route or "/"] = {
            "status": status,
            "p50_ms": round(statistics.median(times), 1),
            "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
            "first_ms": round(first, 1),
        }
    print(json.dumps(out))


def _connection():
    """An OIDC connection for the connection's page (nothing signs in through it)."""
    from sso import services as sso_services
    from tenants.models import Role

    return sso_services.connection_create(
        actor=None,
        protocol="oidc",
        default_role=Role.objects.get(slug="viewer"),
        name="Bench provider",
        issuer="https://idp.bench.invalid/",
        client_id="bench",
        client_secret="bench-only",
    )


if __name__ == "__main__":
    main()
