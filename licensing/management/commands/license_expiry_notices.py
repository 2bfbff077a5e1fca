"""Announce licenses whose terms end soon (`license.expiring`), once per version.

The worker's beat runs this daily (`licensing.announce_expiring`); the command is the same
job for operators who schedule with cron, or to run it now.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from licensing.tasks import announce_expiring_everywhere


class Command(BaseCommand):
    help = "Announce license.expiring for licenses ending within --days (once per version)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"The window, {settings.LICENSE_EXPIRY_NOTICE_DAYS} by default "
            "(LICENSE_EXPIRY_NOTICE_DAYS)",
        )

    def handle(self, *args, days=None, **options):
        count = announce_expiring_everywhere(days)
        self.stdout.write(f"announced {count} expiring license(s)")
