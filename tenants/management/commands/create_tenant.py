from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core.exceptions import ServiceError
from tenants.models import SLUG_VALIDATOR
from tenants.services.tenants import tenant_create


class Command(BaseCommand):
    help = "Create a tenant with its preset roles and, optionally, its first owner."

    def add_arguments(self, parser):
        parser.add_argument(
            "slug", help="URL name of the tenant: lowercase letters, digits, hyphens"
        )
        parser.add_argument("--name", required=True, help="Display name")
        parser.add_argument("--owner", metavar="EMAIL", help="Email of the first owner")

    def handle(self, *args, slug, name, owner=None, **options):
        try:
            SLUG_VALIDATOR(slug)
        except ValidationError as exc:
            raise CommandError(f"slug {slug!r}: {exc.messages[0]}") from None
        if not name.strip():
            raise CommandError("--name must not be empty")
        if owner is not None:
            try:
                validate_email(owner)
            except ValidationError:
                raise CommandError(f"--owner {owner!r} is not an email address") from None
        try:
            tenant = tenant_create(slug=slug, name=name.strip(), owner_email=owner)
        except ServiceError as exc:
            raise CommandError(exc.detail) from None
        suffix = f" with owner {owner}" if owner else ""
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.slug}{suffix}."))
