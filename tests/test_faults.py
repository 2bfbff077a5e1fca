"""The database going away mid-run, and coming back.

A TCP proxy in this process stands between the application and PostgreSQL. The
application runs in a child process (its own connections, as in production) and is
driven request by request over a pipe. While the proxy is cut, every request that needs
the database answers 503 `database_unavailable` with Retry-After, `/readyz` says 503 and
`/healthz` stays up; once the proxy is restored the same process serves again, with no
restart.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests import factories

ROOT = Path(__file__).resolve().parent.parent

DRIVER = """
import json, sys, django
django.setup()
from django.test import Client
client = Client()
for line in sys.stdin:
    path, token = line.split()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token != "-" else {}
    r = client.get(path, **headers)
    try:
        code = json.loads(r.content).get("code")
    except ValueError:
        code = None
    print(json.dumps([r.status_code, code, r.get("Retry-After")]), flush=True)
"""


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database; `cut()` drops every connection and
    refuses new ones, `restore()` listens again on the same port; `hold()` keeps every
    connection open but forwards nothing (a server that went silent), `release()` lets
    what waited through."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by cut()
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(a, selectors.EVENT_READ, b)
        sel.register(b, selectors.EVENT_READ, a)
        try:
            while True:
                for key, _ in sel.select():
                    self._flowing.wait()
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            for s in (a, b):
                s.close()

    def cut(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would leave the
        # port accepting connections until that call returns.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            for pair in self._pairs:
                for s in pair:
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)
            self._pairs.clear()

    def restore(self) -> None:
        self._listen()

    def hold(self) -> None:
        self._flowing.clear()

    def release(self) -> None:
        self._flowing.set()


@pytest.mark.django_db(transaction=True)
def test_the_service_answers_503_while_the_database_is_away_and_recovers(tmp_path):
    acme = factories.tenant("acme", "Acme Media")
    factories.digest(acme, title="Still here after the outage")
    token = factories.api_key(acme, "viewer", name="fault test").token

    db = settings.DATABASES["default"]
    proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    login = quote(db["USER"], safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{login}@127.0.0.1:{proxy.port}/{db['NAME']}",
        "SECRET_KEY": "k" * 40,
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "REDIS_URL": "",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "stderr").open("w"),
        text=True,
    )
    digests = "/api/v1/tenants/acme/digests/"

    def get(path: str, auth: bool = True) -> list:
        child.stdin.write(f"{path} {token if auth else '-'}\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line, (tmp_path / "stderr").read_text()[-3000:]
        return json.loads(line)

    try:
        assert get("/readyz", auth=False)[0] == 200
        assert get(digests)[0] == 200

        proxy.cut()
        for _ in range(3):  # a broken connection first, then refused ones
            status, code, retry_after = get(digests)
            assert (status, code, retry_after) == (503, "database_unavailable", "5")
        assert get("/readyz", auth=False)[:2] == [503, "database_unavailable"]
        assert get("/healthz", auth=False)[0] == 200

        proxy.restore()
        assert get("/readyz", auth=False)[0] == 200
        assert get(digests)[0] == 200
        assert "Internal Server Error" not in (tmp_path / "stderr").read_text()
    finally:
        child.stdin.close()
        child.wait(timeout=30)
        proxy.cut()
