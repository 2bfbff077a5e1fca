"""The job queue: Celery with Redis (REDIS_URL) as the broker.

Workers: `celery -A config worker -B` (README "Workers"; platform/deploy.md). Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("digest_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["webhooks"])
