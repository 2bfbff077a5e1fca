"""Bulk import throughput on PostgreSQL: how many digest exports per second.

    make bench-import                    # 2,000 generated exports
    make bench-import BENCH_ARGS='--count 5000'

Generates realistic exports (5 key points, 10 sections of 5 bullets), imports them into a
fresh tenant through the same code path as `manage.py import_digests`, then imports them
again (every file unchanged) and prints both rates. Uses DATABASE_URL (a PostgreSQL
database that this script migrates and writes to; it removes its tenant afterwards).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.dataset import sentence

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
EMOJI = ["⚡", "🇯🇵", "⚖️", "👩‍🔬", "📈", ""]


def export(rng: random.Random, n: int) -> str:
    title = f"Episode {n}: {sentence(rng, 6)[:-1]}"
    lines = [
        "Digestly",
        "",
        f"{rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2019, 2026)}",
        "",
        title,
        "",
        f"Bench Publisher {n % 40} - {title}",
        "",
        " ".join(sentence(rng, 18) for _ in range(4)),
        "",
        "Key Points:",
        "",
    ]
    lines += [f"  • {sentence(rng, 14)}" for _ in range(5)]
    lines += ["", "Details:", ""]
    for s in range(1, 11):
        lines.append(f"{s}. {rng.choice(EMOJI)} {sentence(rng, 5)[:-1]}".replace("  ", " "))
        lines.append("")
        lines += [f"  • {sentence(rng, 16)}" for _ in range(5)]
        lines.append("")
    lines += ["View Full Content", "Read every episode in full with a paid plan"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from bench.common import ensure_database

    ensure_database(os.environ.get("DATABASE_URL", ""))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from audit.services import maintenance as audit_maintenance
    from digests.importing import collect, import_files
    from digests.models import Digest
    from tenants.context import platform_scope, tenant_context
    from tenants.models import Tenant
    from tenants.services.tenants import tenant_create

    call_command("migrate", verbosity=0)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        for n in range(args.count):
            Path(folder, f"{n:06d}.txt").write_text(export(rng, n), encoding="utf-8")
        files = collect([folder])
        slug = f"bench-import-{os.getpid()}"
        tenant = tenant_create(slug=slug, name="Import benchmark").tenant
        try:
            with tenant_context(tenant):
                started = time.perf_counter()
                _, first = import_files(files, publish=True)
                first_seconds = time.perf_counter() - started
                started = time.perf_counter()
                _, second = import_files(files, publish=True)
                second_seconds = time.perf_counter() - started
                stored = Digest.objects.count()
        finally:
            # The tenant's audit events go with it: a deliberate maintenance delete.
            with platform_scope(), transaction.atomic(), audit_maintenance():
                Tenant.objects.filter(pk=tenant.pk).delete()

    print(f"files: {len(files)}  stored: {stored}")
    print(
        f"first import:  {dict(first)}  {first_seconds:.2f} s  "
        f"{len(files) / first_seconds:.0f} digests/s"
    )
    print(
        f"re-import:     {dict(second)}  {second_seconds:.2f} s  "
        f"{len(files) / second_seconds:.0f} digests/s"
    )


if __name__ == "__main__":
    main()
