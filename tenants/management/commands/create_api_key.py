from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.exceptions import ServiceError
from tenants.context import tenant_context
from tenants.models import Role, Tenant, User
from tenants.services.keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a tenant; prints the secret alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG")
        parser.add_argument("--role", required=True, metavar="ROLE", help="A role's slug")
        parser.add_argument("--name", required=True, help="What the key is for")
        parser.add_argument(
            "--accountable-person",
            required=True,
            metavar="EMAIL",
            help="The member the key answers to: removing them, or giving them a role "
            "without the key's permissions, revokes it",
        )
        parser.add_argument("--expires-in-days", type=int, metavar="DAYS")

    def handle(
        self, *args, tenant, role, name, accountable_person, expires_in_days=None, **options
    ):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"no tenant {tenant!r}")
        if not name.strip():
            raise CommandError("--name must not be empty")
        person = User.objects.filter(email__iexact=accountable_person.strip()).first()
        if person is None:
            raise CommandError(f"no person with the address {accountable_person!r}")
        expires_at = None
        if expires_in_days is not None:
            if expires_in_days <= 0:
                raise CommandError("--expires-in-days must be a positive number")
            expires_at = timezone.now() + timedelta(days=expires_in_days)
        with tenant_context(tenant_obj):
            role_obj = Role.objects.filter(slug=role).first()
            if role_obj is None:
                known = ", ".join(Role.objects.values_list("slug", flat=True))
                raise CommandError(f"no role {role!r} in tenant {tenant!r} (roles: {known})")
            try:
                created = api_key_create(
                    actor=None,
                    name=name.strip(),
                    role=role_obj,
                    expires_at=expires_at,
                    accountable_person=person,
                )
            except ServiceError as exc:
                raise CommandError(exc.detail) from None
        self.stdout.write(
            f"Created API key {created.api_key.prefix} ({role}) for {tenant}, accountable "
            f"person {person.email}. "
            "The secret follows; it is not shown again."
        )
        self.stdout.write(created.token)
