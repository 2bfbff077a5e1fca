"""An event as it is shown outside the database: by the API, its exports and the
audit sinks (audit/sinks.py)."""

from __future__ import annotations

from audit.models import AuditEvent
from core.times import iso_utc


def event_to_dict(event: AuditEvent, shown: tuple[str, dict] | None = None) -> dict:
    """An event as the API shows it; `shown`: its (target display, changes) as the
    reader may see them (TargetText), as recorded when left out."""
    display, changes = shown or (event.target_display, event.changes)
    return {
        "seq": event.seq,
        "occurred_at": iso_utc(event.occurred_at, "milliseconds"),
        "actor": {
            "type": event.actor_type,
            "id": event.actor_id or None,
            "display": event.actor_display,
        },
        "action": event.action,
        "target": {
            "type": event.target_type,
            "id": event.target_id or None,
            "display": display,
        },
        "changes": changes,
        "outcome": event.outcome,
        "repeat_count": event.repeat_count,
        "request": {"id": event.request_id or None, "ip": event.ip, "user_agent": event.user_agent},
        "hash": event.hash,
        "prev_hash": event.prev_hash,
    }
