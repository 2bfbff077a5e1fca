"""Import digest exports from files: shared by the command and the demo loader."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digests import services
from digests.parser import FormatError, parse
from tenants.services import Principal


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str  # created, updated, unchanged, failed
    error: str | None = None
    digest_id: int | None = None
    line: int | None = None


def collect(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders as every *.txt below them (sorted); missing paths raise."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return found


def import_bytes(name: str, raw: bytes, *, actor: Principal | None, publish: bool) -> FileResult:
    """One export, all or nothing. The caller has made the tenant current."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return FileResult(name, "failed", f"{name}:{line}: not valid UTF-8", line=line)
    try:
        parsed = parse(text, name)
    except FormatError as exc:
        return FileResult(name, "failed", str(exc), line=exc.line)
    outcome = services.digest_import(actor=actor, parsed=parsed, publish=publish)
    return FileResult(name, outcome.status, digest_id=outcome.digest.pk)


def import_file(path: Path, *, actor: Principal | None, publish: bool) -> FileResult:
    return import_bytes(str(path), path.read_bytes(), actor=actor, publish=publish)


def import_files(
    files: list[Path],
    *,
    actor: Principal | None = None,
    publish: bool = False,
    on_result: Callable[[int, FileResult], None] | None = None,
) -> tuple[list[FileResult], Counter]:
    results = []
    for index, path in enumerate(files, start=1):
        result = import_file(path, actor=actor, publish=publish)
        results.append(result)
        if on_result:
            on_result(index, result)
    counts = Counter({"created": 0, "updated": 0, "unchanged": 0, "failed": 0})
    counts.update(r.status for r in results)
    return results, counts
