from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.services import purge_before
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Delete audit events older than each tenant's retention (or --days), keeping the "
        "rest of the chain verifiable: the first kept event becomes its anchor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG")
        parser.add_argument("--days", type=int, help="Override the tenant's retention")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, tenant=None, days=None, dry_run=False, **options):
        from audit.models import AuditChain

        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"no tenant {tenant!r}")
        with platform_scope():
            retention = dict(
                AuditChain.objects.unscoped().values_list("tenant_id", "retention_days")
            )
        for each in tenants:
            keep_days = days if days is not None else retention.get(each.pk)
            if not keep_days:
                continue
            cutoff = timezone.now() - timedelta(days=keep_days)
            with tenant_context(each):
                deleted = purge_before(cutoff, dry_run=dry_run)
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"{each.slug}: {verb} {deleted} events older than {keep_days} days")
