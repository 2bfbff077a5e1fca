"""Template filters for the console's pages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from django import template

register = template.Library()


@register.filter
def when(value: str | None) -> str:
    """An API timestamp (ISO 8601, UTC) as people read it: `2026-12-07 08:46 UTC`."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@register.filter
def shown(value) -> str:
    """A value of an audit change as text: strings as they are, the rest as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ", ".join(value) if value else "—"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@register.filter
def before_after(changes) -> list[tuple[str, object, object]]:
    """An event's `changes` ({field: [before, after]}) as rows; a value that is not a pair
    is shown as what was recorded."""
    rows = []
    for name, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2:
            rows.append((name, value[0], value[1]))
        else:
            rows.append((name, None, value))
    return rows


@register.filter
def words(value) -> str:
    """A code as words: `approved_with_conditions` -> `approved with conditions`."""
    return str(value or "").replace("_", " ")


@register.filter
def epoch(value) -> str:
    """Seconds since 1970 (UTC) as people read a time."""
    try:
        moment = datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError):
        return ""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@register.filter
def field_label(path: str) -> str:
    """Where in a digest a highlight is, for people: `sections[1].subsections[0].bullets[2]`
    -> `sections / subsections / bullets`."""
    return re.sub(r"\[\d+\]", "", str(path or "")).replace("_", " ").replace(".", " / ")
