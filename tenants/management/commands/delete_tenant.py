import json

from django.core.management.base import BaseCommand, CommandError

from tenants.context import platform_scope
from tenants.models import Tenant
from tenants.services.deletion import due_for_deletion, tenant_delete


class Command(BaseCommand):
    help = (
        "Delete a tenant and everything it holds, leaving a signed receipt: at once with "
        "SLUG --now, or every tenant whose owners asked and whose grace period is over with "
        "--due (run it daily). Run as the database owner, as migrations are: the "
        "application's role may not delete audit events. Take the archive first "
        "(export_tenant)."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", metavar="SLUG", nargs="?")
        parser.add_argument("--now", action="store_true", help="delete SLUG now")
        parser.add_argument("--due", action="store_true", help="delete the tenants now due")

    def handle(self, *args, tenant=None, now=False, due=False, **options):
        if due == bool(tenant):
            raise CommandError("give SLUG --now, or --due")
        if tenant:
            if not now:
                raise CommandError(
                    "deleting is for good: add --now (owners ask through the API instead, "
                    "with a grace period)"
                )
            with platform_scope():
                found = Tenant.objects.filter(slug=tenant).first()
            if found is None:
                raise CommandError(f"no tenant {tenant!r}")
            targets = [found]
        else:
            targets = due_for_deletion()
        for target in targets:
            receipt = tenant_delete(target)
            rows = sum(receipt.rows.values())
            self.stdout.write(f"Deleted {receipt.slug}: {rows} rows. Its receipt:")
            self.stdout.write(json.dumps({"receipt": receipt.pk, "signed": receipt.signed}))
        if not targets:
            self.stdout.write("No tenant is due for deletion.")
