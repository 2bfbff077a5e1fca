"""platform/gunicorn.conf.py: a worker freezes what it loaded out of the collector's sight."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "platform" / "gunicorn.conf.py"


def test_a_worker_freezes_the_loaded_app_and_its_views():
    conf = runpy.run_path(str(CONF))
    assert conf["worker_class"] == "gthread"
    gc.unfreeze()
    try:
        conf["post_worker_init"](worker=None)
        frozen = gc.get_freeze_count()
        # Django, the app and every view module the URL patterns import.
        assert frozen > 50_000, frozen
        gc.collect()
        assert gc.get_freeze_count() == frozen  # a full collection leaves them frozen
    finally:
        gc.unfreeze()


def test_a_bare_wsgi_app_served_with_this_configuration_starts():
    """The configuration reads Django's settings (so a bad one stops the server in one
    line), but a worker of an app that never loads Django's apps, such as the
    benchmark's limit, must not load the URL patterns."""
    import os
    import subprocess
    import sys

    script = (
        f"import runpy; conf = runpy.run_path({str(CONF)!r});"
        "conf['post_worker_init'](worker=None); from django.apps import apps;"
        "print('apps loaded' if apps.ready else 'started')"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=CONF.parent.parent,
        env={**os.environ, "PYTHONPATH": str(CONF.parent.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started"
