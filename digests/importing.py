"""Import digest exports: shared by the command, the API and the demo loader."""

from __future__ import annotations

import contextvars
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from digests import services
from digests.parser import FormatError, ParsedDigest, parse
from tenants.principals import Principal

CHUNK = 200
WRITERS = 2  # database connections storing batches in parallel, outside a transaction


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


def _decode_and_parse(name: str, raw: bytes) -> ParsedDigest | FileResult:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return FileResult(name, "failed", f"{name}:{line}: not valid UTF-8", line=line)
    try:
        return parse(text, name)
    except FormatError as exc:
        return FileResult(name, "failed", str(exc), line=exc.line)


def import_many(
    items: Iterable[tuple[str, bytes]],
    *,
    actor: Principal | None = None,
    publish: bool = False,
    language: str | None = None,
    on_result: Callable[[int, FileResult], None] | None = None,
) -> tuple[list[FileResult], Counter]:
    """Import (name, bytes) exports in order. The caller has made the tenant current.
    `language`, a validated tag, is that of every export (the format names none).

    A malformed export is reported with its line and never reaches the database; the
    others are stored a batch at a time (one transaction per batch of CHUNK).

    On PostgreSQL outside a transaction (the command, a job), WRITERS threads store
    batches on their own connections while this one reads and parses the next: most of
    an import's cost is the database computing search vectors, and that then runs on
    more than one core. Inside a transaction (a request, the demo loader) everything
    runs here, in that transaction.
    """
    results: list[FileResult] = []
    overlap = not connection.in_atomic_block
    executor = ThreadPoolExecutor(max_workers=WRITERS) if overlap else None
    pending: deque[tuple[Future, list]] = deque()

    def store(parsed: list[ParsedDigest]) -> list[services.ImportOutcome]:
        try:
            return services.digest_import_many(
                actor=actor, parsed=parsed, publish=publish, language=language
            )
        finally:
            if overlap:
                connection.close()  # the worker thread's own connection

    def report(batch: list, outcomes: list[services.ImportOutcome]) -> None:
        stored = iter(outcomes)
        for name, item in batch:
            if isinstance(item, FileResult):
                result = item
            else:
                outcome = next(stored)
                if outcome.digest is None:  # refused: names nothing of the digest it met
                    result = FileResult(name, outcome.status, f"{name}: {outcome.error}")
                else:
                    result = FileResult(name, outcome.status, digest_id=outcome.digest.pk)
            results.append(result)
            if on_result:
                on_result(len(results), result)

    def flush(batch: list) -> None:
        parsed = [item for _, item in batch if isinstance(item, ParsedDigest)]
        if executor is None:
            report(batch, store(parsed) if parsed else [])
            return
        if len(pending) >= WRITERS:
            future, done = pending.popleft()
            report(done, future.result())
        # The worker runs in a copy of this context: same tenant, same scope.
        pending.append((executor.submit(contextvars.copy_context().run, store, parsed), batch))

    try:
        batch: list = []
        for name, raw in items:
            batch.append((name, _decode_and_parse(name, raw)))
            if len(batch) >= CHUNK:
                flush(batch)
                batch = []
        if batch:
            flush(batch)
        while pending:
            future, done = pending.popleft()
            report(done, future.result())
    finally:
        if executor is not None:
            executor.shutdown(wait=True)
    counts = Counter({"created": 0, "updated": 0, "unchanged": 0, "failed": 0})
    counts.update(r.status for r in results)
    return results, counts


def import_files(
    files: list[Path],
    *,
    actor: Principal | None = None,
    publish: bool = False,
    language: str | None = None,
    on_result: Callable[[int, FileResult], None] | None = None,
) -> tuple[list[FileResult], Counter]:
    return import_many(
        ((str(path), path.read_bytes()) for path in files),
        actor=actor,
        publish=publish,
        language=language,
        on_result=on_result,
    )
