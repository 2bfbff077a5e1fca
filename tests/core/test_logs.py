"""One log line per request and per job (core/logs.py), and configuration errors told in
one line by every program's entry point (config.env.settings_or_exit)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.logs import JsonFormatter, RequestIdFilter
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = "/api/v1/tenants/acme/digests/"


def _request_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "digest_platform.requests"]


def _as_json(record: logging.LogRecord) -> dict:
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_request_writes_one_json_line_with_who_what_and_how_long(world, caplog):
    factories.digest(world.acme, title="Logged digest")
    key = factories.api_key(world.acme, "viewer")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key.token}")
    with caplog.at_level(logging.INFO, logger="digest_platform.requests"):
        response = client.get(DIGESTS, HTTP_X_REQUEST_ID="log-test-request-1")
    assert response.status_code == 200
    [record] = _request_lines(caplog)
    line = _as_json(record)
    assert line["request_id"] == response["X-Request-ID"] == "log-test-request-1"
    assert (line["level"], line["method"], line["status"]) == ("INFO", "GET", 200)
    assert line["route"].endswith("digests/") and "<" in line["route"]  # the pattern
    assert (line["view"], line["tenant"]) == ("digest-list", "acme")
    assert (line["principal_kind"], line["principal_id"]) == ("api_key", key.api_key.prefix)
    assert line["db_queries"] >= 1 and line["db_ms"] > 0
    assert line["duration_ms"] >= line["db_ms"]
    assert line["message"].startswith(f"GET {DIGESTS} 200 ")
    assert key.token not in json.dumps(line)


def test_a_member_and_an_anonymous_caller_are_told_apart(world, caplog):
    with caplog.at_level(logging.INFO, logger="digest_platform.requests"):
        world.client("auditor").get("/api/v1/me")
        APIClient().get(DIGESTS)
    member, anonymous = (_as_json(r) for r in _request_lines(caplog))
    assert (member["principal_kind"], member["principal_id"]) == (
        "user",
        world.members["auditor"].pk,
    )
    assert (anonymous["principal_kind"], anonymous["principal_id"], anonymous["status"]) == (
        "anonymous",
        None,
        401,
    )


def test_what_django_logs_of_a_request_carries_its_id(world, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = APIClient().get(DIGESTS, HTTP_X_REQUEST_ID="log-test-request-2")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert response["X-Request-ID"] == "log-test-request-2"
    assert _as_json(record)["request_id"] == "log-test-request-2"


def test_a_job_writes_one_line(world, caplog):
    from webhooks.tasks import sweep

    with caplog.at_level(logging.INFO, logger="digest_platform.jobs"):
        sweep.apply()
    [record] = [r for r in caplog.records if r.name == "digest_platform.jobs"]
    line = _as_json(record)
    assert (line["task"], line["state"]) == ("webhooks.sweep", "SUCCESS")
    assert line["duration_ms"] >= 0 and line["task_id"]


def test_an_exception_is_written_inside_its_line():
    try:
        raise ValueError("broken on purpose")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = _as_json(record)
    assert line["message"] == "failed" and "ValueError: broken on purpose" in line["exception"]


@pytest.mark.parametrize(
    "program",
    [
        [".venv/bin/python", "manage.py", "check"],
        [".venv/bin/gunicorn", "-c", "platform/gunicorn.conf.py", "config.wsgi"],
        [".venv/bin/celery", "-A", "config", "report"],
        [".venv/bin/python", "-c", "import config.wsgi"],
    ],
    ids=["manage.py", "gunicorn", "celery", "wsgi"],
)
def test_a_bad_setting_stops_every_program_with_one_line(program):
    env = {**os.environ, "LOG_FORMAT": "xml", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(program, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "LOG_FORMAT='xml' must be one of JSON, TEXT" in lines[0]


def test_statement_counting_never_removes_a_wrapper_added_during_the_request(db, caplog):
    """The tenant setting's execute wrapper is added when a connection is made, which can
    happen inside a logged request: it must still be there afterwards."""
    from django.db import connections
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.logs import RequestLogMiddleware

    wrappers = connections["default"].execute_wrappers

    def added_meanwhile(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    def view(request):
        wrappers.append(added_meanwhile)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return HttpResponse("ok")

    try:
        with caplog.at_level(logging.INFO, logger="digest_platform.requests"):
            RequestLogMiddleware(view)(RequestFactory().get("/"))
            RequestLogMiddleware(lambda request: HttpResponse("ok"))(RequestFactory().get("/"))
        assert added_meanwhile in wrappers
        first, second = _request_lines(caplog)
        assert (first.db_queries, second.db_queries) == (1, 0)
    finally:
        wrappers.remove(added_meanwhile)
