"""Jobs the worker runs for licensing (`celery -A config worker`, docs/operations.md "Workers")."""

from __future__ import annotations

from django.conf import settings

from config.celery import app
from licensing import services
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant


def announce_expiring_everywhere(within_days: int | None = None) -> int:
    """`license.expiring` for every active tenant; how many licenses were announced."""
    days = settings.LICENSE_EXPIRY_NOTICE_DAYS if within_days is None else within_days
    with platform_scope():
        tenants = list(Tenant.objects.filter(status=Tenant.Status.ACTIVE).order_by("pk"))
    announced = 0
    for tenant in tenants:
        with tenant_context(tenant):
            announced += len(services.announce_expiring(within_days=days))
            services.refresh_validity()
    return announced


@app.task(name="licensing.announce_expiring", ignore_result=True)
def announce_expiring() -> int:
    return announce_expiring_everywhere()
