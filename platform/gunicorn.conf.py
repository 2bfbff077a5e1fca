"""Gunicorn settings for Digest Platform in production.

Run from anywhere: gunicorn -c platform/gunicorn.conf.py config.wsgi
Gunicorn executes this file by path; it is not importable and must stay that way
(`platform` is a standard-library module name).
"""

import gc
import os
import sys
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise RuntimeError(f"{name}={raw!r} must be at least 1")
    return value


def _usable_cores() -> int:
    # sched_getaffinity honours CPU pinning (taskset, container cpusets); cpu_count()
    # reports the whole host and would start far too many workers in a small container.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# config.wsgi and the relative paths in settings resolve against the project root,
# whatever directory the service manager starts us in.
chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "config.wsgi:application"
# Not preloaded: each worker imports config.wsgi after the fork, and so sets up its own
# tracing there when TRACING is on (core/tracing.py: the exporter's thread is per process).

# Read the settings before any worker starts, so a missing or wrong one stops the server
# with its one-line message rather than a worker's traceback.
sys.path.insert(0, chdir)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from config.env import settings_or_exit  # noqa: E402 (needs the project on the path)

settings_or_exit("gunicorn")

# Loopback by default: the TLS-terminating proxy is the only thing that should reach us.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Requests spend most of their time waiting on PostgreSQL and Redis, so a few threads per
# process add concurrency cheaply. Every thread keeps its own database connection
# (CONN_MAX_AGE), and each worker two more for the API key cache (tenants/key_cache.py:
# one listens, one sends its heartbeat), so one instance can hold workers x (threads + 2)
# PostgreSQL connections: size max_connections or the pooler for that.
worker_class = "gthread"
workers = _env_int("WEB_CONCURRENCY", 2 * _usable_cores() + 1)
threads = _env_int("GUNICORN_THREADS", 4)

# A gthread worker reports to the arbiter from its main loop, not from request threads,
# so this restarts a wedged process; it does not cut off a slow request. Request length
# is bounded by the database connect timeout and the proxy's upstream timeout.
timeout = 30
# On SIGTERM, in-flight requests get this long to finish; keep the orchestrator's
# termination grace period longer than this.
graceful_timeout = 30
# Longer than the usual 60 s idle timeout of proxies and load balancers, so the proxy
# closes idle upstream connections first; the other way round, a request can be sent on
# a socket gunicorn is closing and the client sees a 502. Idle connections hold no thread.
keepalive = 65


def post_worker_init(worker):
    """The worker has loaded the app: load the URL patterns too (every view module, as
    the first request would), then freeze what exists out of the garbage collector's
    sight. It lives as long as the worker, yet every full collection scanned it: about
    120,000 objects and 50 ms with the GIL held, a pause for every request the worker was
    serving, every few seconds under load."""
    from django.apps import apps

    if apps.ready:  # a Django app (not a bare WSGI app, such as the benchmark's limit)
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (loading them is the point)
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    """A worker has exited: with metrics in multiprocess mode (PROMETHEUS_MULTIPROC_DIR,
    docs/operations.md "Metrics"), drop its live gauges, such as its open database
    connections; its counters stay in the sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# Recycle each worker after a while so slow memory growth cannot accumulate; the jitter
# keeps workers from all restarting at the same moment.
max_requests = 1000
max_requests_jitter = 100

# The heartbeat file is touched constantly; on tmpfs that never blocks on a slow or
# overlay disk, which would otherwise look like a hung worker. Gunicorn creates it with
# mkstemp and unlinks it at once, so a shared directory is fine here.
_TMPFS = "/dev/shm"  # noqa: S108
if os.path.isdir(_TMPFS):
    worker_tmp_dir = _TMPFS

# Logs go to stdout/stderr for the service manager to collect. %(h)s is the proxy's
# address, so the forwarded client address is logged too; %(M)s is the request time in
# milliseconds, the number to watch for slow endpoints.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s client=%({x-forwarded-for}i)s "%(r)s" %(s)s %(B)s %(M)sms %(p)s "%(a)s"'
