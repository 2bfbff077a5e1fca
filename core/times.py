"""Times as the API writes them: ISO 8601 in UTC with a `Z`."""

from __future__ import annotations

import datetime as dt

import orjson

_UTC = dt.UTC


def iso_utc(value: dt.datetime | None, timespec: str = "auto") -> str | None:
    if not value:
        return None
    if value.tzinfo is _UTC and timespec == "auto" and type(value) is dt.datetime:
        # What the database and timezone.now() give (orjson refuses subclasses, such as
        # a test clock's). orjson writes the same text (microseconds only when there are
        # some, `Z` for UTC) in a third of the time isoformat takes; a list page writes
        # fifty of these.
        return orjson.dumps(value, option=orjson.OPT_UTC_Z)[1:-1].decode()
    return value.isoformat(timespec=timespec).replace("+00:00", "Z")
