from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F

from core.progress import ProgressBar, add_progress_argument
from digests import keywords, search
from digests.models import Digest, SearchShape
from tenants.context import tenant_context
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the stored digests: each digest's own search vector "
        "and the keyword phrases of the rules in force it holds (digests/keywords.py), "
        "and its shown text for every shape of the rules in force (digests/search.py). "
        "Shapes of rules no longer in force are dropped. Searches go on meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="One tenant (default: every one)")
        add_progress_argument(parser)

    def handle(self, *args, tenant=None, progress="auto", **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant is not None:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"no tenant {tenant!r}")
        for each in tenants:
            with tenant_context(each):
                self._rebuild(each, progress)

    def _rebuild(self, tenant, progress: str) -> None:
        shapes = search.shapes_in_force()
        count = Digest.objects.count()
        bar = ProgressBar(self.stderr, count * (1 + len(shapes)), progress)
        with transaction.atomic():  # holds the tenant's row lock: kept short
            keywords.add_phrases(keywords.phrases_in_force())
        with transaction.atomic():
            # The triggers write both vectors and the keyword notes again; the text
            # itself is unchanged.
            Digest.objects.update(search_text=F("search_text"))
        bar.update(count)
        keys = {shape.key for shape in shapes}
        SearchShape.objects.exclude(key__in=keys).delete()
        for position, shape in enumerate(shapes):
            search.build(
                shape,
                rebuild=True,
                progress=lambda done, _total, base=count * (1 + position): bar.update(base + done),
            )
        bar.update(count * (1 + len(shapes)))
        self.stdout.write(
            f"{tenant.slug}: {count} digests indexed, for {len(shapes)} shape(s) of the "
            "rules in force"
        )
