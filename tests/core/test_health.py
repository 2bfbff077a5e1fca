"""The probes when the database is gone: /healthz stays up, /readyz says 503."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client()
out = {}
for path in ("/healthz", "/readyz"):
    r = client.get(path)
    out[path] = [r.status_code, r["Content-Type"], json.loads(r.content)]
print(json.dumps(out))
"""


def test_probes_with_the_database_unreachable():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Nothing listens on port 9 (discard) here: connections are refused at once.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/nowhere",
        "SECRET_KEY": "k" * 40,
        "SSO_ENCRYPTION_KEY": "a" * 43 + "=",
        "DJANGO_DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probes = json.loads(result.stdout.strip().splitlines()[-1])
    assert probes["/healthz"][0] == 200
    status, content_type, body = probes["/readyz"]
    assert status == 503
    assert content_type == "application/problem+json"
    assert body["code"] == "database_unavailable"
