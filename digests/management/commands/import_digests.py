from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.progress import ProgressBar, add_progress_argument
from digests.importing import collect, import_files
from digests.models import validate_stored_language
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Import digest exports (the text format of docs/digest-format.md) into a tenant. "
        "Files or folders (every *.txt below). Re-importing an export updates its digest; "
        "a malformed file is reported with its line and leaves nothing behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, metavar="SLUG")
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--publish", action="store_true", help="Publish what is imported")
        parser.add_argument(
            "--language",
            metavar="TAG",
            help="The language of every file (de, pt-BR); new digests are English without it",
        )
        add_progress_argument(
            parser, "Progress bar on stderr (auto: when stderr is a terminal and files > 1)"
        )

    def handle(
        self, *args, tenant, paths, publish=False, language=None, progress="auto", **options
    ):
        if language is not None:
            try:
                validate_stored_language(language)
            except ValidationError as exc:
                raise CommandError(f"--language {language!r}: {exc.messages[0]}") from None
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"no tenant {tenant!r}")
        try:
            files = collect(paths)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        if not files:
            raise CommandError("no .txt files found in " + ", ".join(paths))
        total = len(files)
        bar = ProgressBar(self.stderr, total, progress)

        def report(index, result):
            if result.status == "failed":
                bar.note(f"failed: {result.error}")
            bar.update(index)

        with tenant_context(tenant_obj):
            _, counts = import_files(files, publish=publish, language=language, on_result=report)
        self.stdout.write(
            f"Imported into {tenant}: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['failed']} failed."
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {total} files failed (see above)")
