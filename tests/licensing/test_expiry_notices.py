"""`license.expiring`: announced to subscribed webhooks and in the audit log, once per
license version, for versions in force that end within the window."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command

from audit.models import AuditEvent
from licensing import services
from tenants.context import tenant_context
from tests import factories
from webhooks.models import WebhookDelivery

TODAY = dt.date.today()


def _days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def _announced(world) -> list[tuple[str, int]]:
    with tenant_context(world.acme):
        return sorted(
            (d.event, d.payload["object"]["id"])
            for d in WebhookDelivery.objects.filter(event="license.expiring")
        )


def test_licenses_ending_soon_are_announced_once(world):
    hook = factories.webhook(world.acme, events=["license.expiring"])
    soon = factories.license(
        world.acme, source=factories.source(world.acme), decision="approved", valid_until=_days(10)
    )
    factories.license(  # ends later than the window
        world.acme, source=factories.source(world.acme), decision="approved", valid_until=_days(90)
    )
    factories.license(  # ends soon, but was never approved: nothing is in force
        world.acme, source=factories.source(world.acme), valid_until=_days(5)
    )
    factories.license(  # already ended
        world.acme,
        source=factories.source(world.acme),
        decision="approved",
        valid_from="2020-01-01",
        valid_until="2021-01-01",
    )
    out = StringIO()
    call_command("license_expiry_notices", "--days", "30", stdout=out)
    assert "announced 1 expiring license(s)" in out.getvalue()
    assert _announced(world) == [("license.expiring", soon.pk)]
    with tenant_context(world.acme):
        delivery = WebhookDelivery.objects.get(event="license.expiring")
        assert delivery.endpoint_id == hook.pk
        assert delivery.payload["object"]["path"] == (
            f"/api/v1/tenants/acme/licensing/licenses/{soon.pk}/"
        )
        event = AuditEvent.objects.get(action="license.expiring")
        assert event.target_id == str(soon.pk)
        assert event.changes["days_left"] == [None, 10]

    call_command("license_expiry_notices", "--days", "30", stdout=StringIO())
    assert len(_announced(world)) == 1  # once per version


def test_a_renewal_is_announced_again_when_its_own_end_approaches(world):
    factories.webhook(world.acme, events=["license.expiring"])
    lic = factories.license(
        world.acme, source=factories.source(world.acme), decision="approved", valid_until=_days(3)
    )
    with tenant_context(world.acme):
        assert services.announce_expiring(within_days=30) == [lic]
        services.license_revise(
            actor=None, lic=lic, changes={"valid_until": TODAY.replace(year=TODAY.year + 1)}
        )
        services.license_review(actor=None, lic=lic, decision="approved", version=2)
        assert services.announce_expiring(within_days=30) == []  # the renewal ends later
        assert services.announce_expiring(within_days=400) == [lic]


def test_other_tenants_are_announced_in_their_own_tenant(world):
    factories.webhook(world.globex, events=["license.expiring"])
    theirs = factories.license(
        world.globex,
        source=factories.source(world.globex),
        decision="approved",
        valid_until=_days(7),
    )
    call_command("license_expiry_notices", stdout=StringIO())
    assert _announced(world) == []
    with tenant_context(world.globex):
        announced = WebhookDelivery.objects.filter(event="license.expiring")
        assert [d.payload["object"]["id"] for d in announced] == [theirs.pk]
