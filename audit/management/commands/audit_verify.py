from django.core.management.base import BaseCommand, CommandError

from audit.verify import verify_chain
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Verify the audit hash chain of one tenant or of all; exits 1 at a broken link."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG")

    def handle(self, *args, tenant=None, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"no tenant {tenant!r}")
        broken = 0
        for each in tenants:
            with tenant_context(each):
                verdict = verify_chain()
            if verdict.ok:
                self.stdout.write(f"{each.slug}: ok, {verdict.checked} events verified")
            else:
                broken += 1
                self.stdout.write(
                    f"{each.slug}: BROKEN at event {verdict.broken_seq}: {verdict.reason}"
                )
        if broken:
            raise CommandError(f"{broken} chain(s) broken")
