from django.core.management.base import BaseCommand, CommandError

from scim.services import scim_token_create
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Create a SCIM token for a tenant; prints the token alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG")
        parser.add_argument("--name", default="SCIM", help="Which provider uses it")

    def handle(self, *args, tenant, name, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"no tenant {tenant!r}")
        if not name.strip():
            raise CommandError("--name must not be empty")
        with tenant_context(tenant_obj):
            created = scim_token_create(actor=None, name=name.strip()[:100])
        self.stdout.write(
            f"Created SCIM token {created.scim_token.prefix} ({created.scim_token.name}) for "
            f"{tenant}; its base URL is /scim/v2/{tenant}/. The token follows; it is not "
            "shown again."
        )
        self.stdout.write(created.secret)
