"""CSV that is safe to open in a spreadsheet, written in chunks for streamed downloads."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
CHUNK_BYTES = 64_000


def csv_cell(value) -> str:
    """A cell that a spreadsheet shows as text: control characters escaped, formulas
    defused with a leading apostrophe."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    value = value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
    value = "".join(c if c >= " " or c == "\t" else f"\\x{ord(c):02x}" for c in value)
    if value.startswith(FORMULA_START):
        value = "'" + value
    return value


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The header, then the rows, in chunks of about CHUNK_BYTES."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() > CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
