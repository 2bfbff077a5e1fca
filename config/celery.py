"""The job queue: Celery with Redis (REDIS_URL) as the broker.

Workers: `celery -A config worker -B` (docs/operations.md "Workers"; platform/deploy.md). Settings
are the CELERY_* names in config/settings.py.
"""

from __future__ import annotations

import logging
import os
import time

from celery import Celery, signals

from config.env import settings_or_exit
from core import tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
settings_or_exit("celery")

logger = logging.getLogger(__name__)

app = Celery("digest_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["webhooks", "licensing", "sso", "audit", "policies", "digests"])


def send_jobs(task: str, arguments: list[list], *, countdown: float | None = None) -> bool:
    """Queue `task` once per argument list; whether the broker took them. The broker and
    queue are read from the settings each time (not Celery's pooled connection), so what
    the settings say now is where the messages go. Without a broker, or with it down,
    nothing is raised: callers keep what is owed in the database and a sweep queues it
    later."""
    from django.conf import settings

    broker = settings.CELERY_BROKER_URL
    if not broker:
        return False
    try:
        with app.connection_for_write(broker) as connection:
            for args in arguments:
                app.send_task(
                    task,
                    args=args,
                    countdown=countdown,
                    queue=settings.CELERY_TASK_DEFAULT_QUEUE,
                    connection=connection,
                    retry=False,
                )
    except Exception as exc:  # the broker's connection errors vary by transport
        logger.warning("%s not queued (%s); the sweep retries", task, exc)
        return False
    return True


@signals.worker_init.connect
def _require_redis(**kwargs):
    # Without REDIS_URL Celery would fall back to a local AMQP broker: say what is missing.
    if not app.conf.broker_url or not app.conf.broker_url.startswith(("redis", "unix")):
        raise SystemExit("the worker needs Redis: set REDIS_URL=redis://HOST:PORT/DB")


@signals.worker_init.connect
def _trace_worker(sender=None, **kwargs):
    # Traces (core/tracing.py) are set up where tasks run: a prefork pool's processes
    # each do it after their fork (below); the threads pool runs them in this one.
    from celery.concurrency import get_implementation
    from celery.concurrency.prefork import TaskPool as PreforkPool

    if not issubclass(get_implementation(sender.pool_cls), PreforkPool):
        tracing.start()


@signals.worker_process_init.connect
def _trace_pool_process(**kwargs):
    tracing.start()  # a prefork pool process (or the solo pool: then again, a no-op)


@signals.worker_process_shutdown.connect
def _send_last_spans(**kwargs):
    # A pool process ends without running atexit, where the tracer provider would flush.
    tracing.stop()


@signals.worker_process_shutdown.connect
def _forget_live_metrics(pid=None, **kwargs):
    # A pool process is ending: with metrics in multiprocess mode, drop its live gauges
    # (its open database connections), as gunicorn's child_exit does for its workers.
    from core.metrics import MULTIPROCESS

    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


_started: dict[str, float] = {}


@signals.task_prerun.connect
def _job_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@signals.task_postrun.connect
def _job_ended(task_id=None, task=None, state=None, **kwargs):
    from core.logs import log_job

    started = _started.pop(task_id, None)
    if started is not None:
        log_job(task.name, task_id, state or "UNKNOWN", time.perf_counter() - started)
