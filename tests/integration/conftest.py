"""Real services for the integration tests: a Celery worker process on a Redis database
(and the HTTP receiver on loopback, `receiver` in tests/conftest.py). Nothing runs eagerly
in place of the worker."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app
from tests.processes import database_url

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
# The worker's pace: quick retries, few attempts, so the tests see every outcome fast.
WORKER_MAX_ATTEMPTS = 3
WORKER_RETRY_BASE_MS = 300


@contextlib.contextmanager
def running_worker(
    log: Path, pool: str = "threads", **extra_env: str
) -> Iterator[subprocess.Popen]:
    """A real worker subprocess on the test database, on a queue of its own, with
    `extra_env` added to its environment; this process publishes to that queue meanwhile."""
    # This worker's Redis database when REDIS_URL is set (tests/conftest.py), else a default
    broker = settings.REDIS_URL or DEFAULT_REDIS
    queue = f"digest-platform-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "CELERY_QUEUE": queue,
        "WEBHOOK_ALLOW_PRIVATE_URLS": "1",
        "WEBHOOK_MAX_ATTEMPTS": str(WORKER_MAX_ATTEMPTS),
        "WEBHOOK_RETRY_BASE_MS": str(WORKER_RETRY_BASE_MS),
        "DATABASE_CONN_MAX_AGE": "0",
        **extra_env,
    }
    # This process publishes where the worker listens (webhooks.services.enqueue reads both).
    publishing = override_settings(CELERY_BROKER_URL=broker, CELERY_TASK_DEFAULT_QUEUE=queue)
    publishing.enable()
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                "--concurrency=2",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
                "-n",
                f"{queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 40
        while b" ready." not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        publishing.disable()
        # Drop what is left on the private queue (retries of rows the tests deleted).
        with celery_app.connection_for_write(broker) as conn:
            conn.default_channel.queue_delete(queue)


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real worker subprocess on the test database, on a queue of its own."""
    with running_worker(tmp_path_factory.mktemp("worker") / "worker.log") as process:
        yield process
