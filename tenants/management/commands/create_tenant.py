from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from core.exceptions import ServiceError
from core.mail import site_url
from tenants.context import tenant_context
from tenants.models import SLUG_VALIDATOR, Invitation
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
            created = tenant_create(slug=slug, name=name.strip(), owner_email=owner)
        except ServiceError as exc:
            raise CommandError(exc.detail) from None
        tenant, link = created.tenant, created.owner_invitation
        suffix = f" with owner {owner}" if owner else ""
        self.stdout.write(self.style.SUCCESS(f"Created tenant {tenant.slug}{suffix}."))
        if link is None:
            return
        # Mailed when the transaction committed; say whether it went, then the link itself
        # on the last line, for an operator without mail to hand over.
        with tenant_context(tenant):
            invitation = Invitation.objects.get(pk=link.invitation.pk)
        if invitation.sent_at is not None:
            self.stdout.write(f"An invitation was mailed to {invitation.user.email}.")
        else:
            self.stdout.write(f"The invitation could not be mailed: {invitation.send_error}")
        self.stdout.write(
            f"The owner sets their password at this link (valid until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC, once):"
        )
        self.stdout.write(site_url() + link.path)
