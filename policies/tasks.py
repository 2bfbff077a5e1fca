"""Jobs the worker runs for policies (`celery -A config worker`, docs/operations.md "Workers")."""

from __future__ import annotations

from config.celery import app
from policies import insight


@app.task(name="policies.purge_insight", ignore_result=True)
def purge_insight() -> int:
    """Daily: drop policy insight rows older than POLICY_INSIGHT_DAYS."""
    return insight.purge()
