"""Times as the API writes them: ISO 8601 in UTC with a `Z`."""

from __future__ import annotations

import datetime as dt


def iso_utc(value: dt.datetime | None, timespec: str = "auto") -> str | None:
    return value.isoformat(timespec=timespec).replace("+00:00", "Z") if value else None
