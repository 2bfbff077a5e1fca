from django.core.management.base import BaseCommand
from django.db import transaction

from sso import crypto
from sso.models import Connection
from tenants.context import platform_scope


class Command(BaseCommand):
    help = (
        "Re-encrypt every SSO client secret with the first key of SSO_ENCRYPTION_KEY, so the "
        "older keys can be removed afterwards."
    )

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic(), platform_scope():
            for connection in Connection.objects.unscoped().select_for_update():
                if connection.client_secret_encrypted:
                    connection.client_secret_encrypted = crypto.rotate(
                        connection.client_secret_encrypted
                    )
                    connection.save(update_fields=["client_secret_encrypted"])
                    count += 1
        self.stdout.write(f"{count} client secrets re-encrypted with the current key")
