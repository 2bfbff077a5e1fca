from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import services as audit
from tenants import archive
from tenants.context import platform_scope, tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Write everything a tenant holds to one zip archive (the owners' "
        "GET /api/v1/tenants/{tenant}/archive/); prints the archive's path on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", metavar="SLUG")
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="the file to write, or a folder to write it in (default: this folder)",
        )

    def handle(self, *args, tenant, output=None, **options):
        with platform_scope():
            found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"no tenant {tenant!r}")
        path = Path(output or ".")
        if path.is_dir():
            path = path / archive.archive_name(found)
        if path.exists():
            raise CommandError(f"{path} exists; name another file")
        try:
            with open(path, "xb") as out:
                manifest = archive.write_archive(found, out)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        with tenant_context(found):
            audit.record(
                "tenant.exported",
                target=audit.Target.of(found, found.name),
                changes={"files": [None, len(manifest["files"])]},
            )
        tables = [f for f in manifest["files"] if f.startswith("tables/")]
        rows = sum(manifest["files"][f]["rows"] for f in tables)
        self.stdout.write(f"{len(tables)} tables, {rows} rows, to:")
        self.stdout.write(str(path))
