from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceError
from sso import services
from sso.models import VerifiedDomain
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Verify a tenant's domain: by its DNS TXT record, or with --skip-dns when an operator "
        "has confirmed ownership another way. Adds the domain if the tenant has not yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG")
        parser.add_argument("domain")
        parser.add_argument(
            "--skip-dns", action="store_true", help="Do not look for the TXT record."
        )

    def handle(self, *args, tenant, domain, skip_dns=False, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"no tenant {tenant!r}")
        with tenant_context(tenant_obj):
            try:
                name = services.normalize_domain(domain)
                record = VerifiedDomain.objects.filter(domain=name).first()
                if record is None:
                    record = services.domain_add(actor=None, domain=name)
                record = services.domain_verify(actor=None, record=record, skip_dns=skip_dns)
            except ServiceError as exc:
                raise CommandError(exc.detail) from None
        self.stdout.write(f"{record.domain} is verified for {tenant_obj.slug}")
