"""Jobs the worker runs for digests (`celery -A config worker`, docs/operations.md "Workers")."""

from __future__ import annotations

from config.celery import app
from digests import keywords


@app.task(name=keywords.NOTE_TASK, ignore_result=True)
def note_keyword_phrases(tenant_id: int) -> int:
    """Note the tenant's keyword phrases in its digests that have not looked for them."""
    return keywords.note_phrases(tenant_id)
