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
