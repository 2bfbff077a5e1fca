"""The job queue: Celery with Redis (REDIS_URL) as the broker.

Workers: `celery -A config worker -B` (docs/operations.md "Workers"; platform/deploy.md). Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("digest_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["webhooks", "licensing", "sso"])


@signals.worker_init.connect
def _require_redis(**kwargs):
    # Without REDIS_URL Celery would fall back to a local AMQP broker: say what is missing.
    if not app.conf.broker_url or not app.conf.broker_url.startswith(("redis", "unix")):
        raise SystemExit("the worker needs Redis: set REDIS_URL=redis://HOST:PORT/DB")
