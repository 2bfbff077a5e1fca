from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.retention import in_force
from audit.services import purge_before
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Delete audit events older than each tenant's retention (the operator's, else what "
        "its owners set, audit/retention.py; or --days), keeping the rest of the chain "
        "verifiable: the first kept event becomes its anchor. Run it daily as the database "
        "owner: the application's role may not delete audit events."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG")
        parser.add_argument("--days", type=int, help="Override the tenant's retention")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, tenant=None, days=None, dry_run=False, **options):
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1")
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"no tenant {tenant!r}")
        for each in tenants:
            with tenant_context(each):
                keep_days = days if days is not None else in_force()
            if not keep_days:
                continue
            cutoff = timezone.now() - timedelta(days=keep_days)
            with tenant_context(each):
                deleted = purge_before(cutoff, dry_run=dry_run)
            verb = "would delete" if dry_run else "deleted"
            self.stdout.write(f"{each.slug}: {verb} {deleted} events older than {keep_days} days")
