"""Deployment hygiene: `check --deploy` is clean with production settings; HTML pages
carry a Content-Security-Policy and run no inline script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "k" * 20 + "Zx9-" + "q" * 30,
        "ALLOWED_HOSTS": "api.example.com",
        "SECURE_SSL_REDIRECT": "1",
        "SSO_ENCRYPTION_KEY": "a" * 43 + "=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docs_pages_have_a_csp_and_no_inline_script(client, db):
    for path in ("/api/docs/", "/api/redoc/", "/api/auth/login/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        html = response.content.decode()
        inline = [s for s in re.findall(r"<script([^>]*)>", html) if "src=" not in s]
        assert inline == [], f"{path} has inline scripts"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_api_answers_carry_no_csp_but_the_usual_security_headers(client, db):
    response = client.get("/healthz")
    assert "Content-Security-Policy" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
