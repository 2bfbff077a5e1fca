"""Before the suite: is PostgreSQL 15 or newer reachable at DATABASE_URL? Say exactly what
to do if not. (Without DATABASE_URL, make test starts one of its own: tools/local.py.)"""

import os
import sys
from urllib.parse import urlsplit

import psycopg

OLDEST = 15

url = os.environ["DATABASE_URL"]
parts = urlsplit(url)
if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
    sys.exit(
        f"make test runs on PostgreSQL, but DATABASE_URL is {url!r}. Unset it (make test then "
        "starts a PostgreSQL of its own) or point it at a PostgreSQL server: "
        "postgres://USER:PASSWORD@HOST:PORT/NAME"
    )
try:
    # The suite creates its own test_<name> database; connect to the maintenance db.
    with psycopg.connect(url.replace(parts.path, "/postgres", 1), connect_timeout=3) as conn:
        version = conn.info.server_version // 10000
except psycopg.OperationalError as exc:
    host = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    sys.exit(
        f"Cannot reach PostgreSQL at {host} as {parts.username or 'the current user'}:\n"
        f"  {str(exc).strip().splitlines()[0]}\n"
        "Start it (Debian: pg_ctlcluster 15 main start; macOS: brew services start postgresql),\n"
        "point the tests elsewhere: make test DATABASE_URL=postgres://USER:PASS@HOST:5432/NAME,\n"
        "or unset DATABASE_URL: make test then starts a PostgreSQL of its own.\n"
        "The user needs CREATEDB and CREATEROLE (the suite creates its test database and the\n"
        "runtime role that row-level security is tested with)."
    )
if version < OLDEST:
    sys.exit(
        f"PostgreSQL {version} at DATABASE_URL is too old: the platform needs {OLDEST} or newer "
        "(15 to 18 are tested)"
    )
