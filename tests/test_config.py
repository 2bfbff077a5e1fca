"""Settings from the environment: good values parse, bad ones stop start-up by name."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_int,
    env_int_or_off,
    env_list,
    env_networks,
    parse_database_url,
)

LONG_SECRET = "s" * 40
# Any Fernet key: production start-up needs one for SSO connection secrets.
SSO_KEY = "a" * 43 + "="


# --- DATABASE_URL -----------------------------------------------------------------------------


def test_postgres_url_with_user_password_port_and_options():
    config = parse_database_url(
        "postgres://digest:p%40ss%2Fword@db.internal:6543/digest_prod"
        "?sslmode=require&application_name=digest",
    )
    assert config == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "digest_prod",
        "USER": "digest",
        "PASSWORD": "p@ss/word",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require", "application_name": "digest"},
    }


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql", "POSTGRES"])
def test_postgres_scheme_aliases(scheme):
    config = parse_database_url(f"{scheme}://localhost/app")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "app"
    assert config["HOST"] == "localhost"
    assert config["USER"] == ""
    assert config["PASSWORD"] == ""
    assert config["PORT"] == ""
    assert config["OPTIONS"] == {}


def test_postgres_url_without_host_uses_the_local_socket():
    config = parse_database_url("postgres:///app")
    assert config["HOST"] == ""
    assert config["NAME"] == "app"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mysql://user:pw@host/db", "unsupported scheme 'mysql'"),
        ("db.sqlite3", "unsupported scheme ''"),
        ("sqlite:///db.sqlite3", "unsupported scheme 'sqlite'"),
        ("postgres://user@host:5432/", "needs a database name"),
        ("postgres://user@host", "needs a database name"),
        ("postgres://user@host:port/db", "port is not a number"),
        ("postgres://user@host:99999/db", "port"),
    ],
)
def test_bad_database_url_names_the_variable(url, reason):
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url(url)
    message = str(raised.value)
    assert message.startswith("DATABASE_URL=")
    assert reason in message


def test_bad_database_url_names_the_variable_it_came_from():
    with pytest.raises(ImproperlyConfigured, match=r"^REPLICA_DATABASE_URL="):
        parse_database_url("oracle://x/y", name="REPLICA_DATABASE_URL")


def test_bad_database_url_error_does_not_reveal_the_password():
    with pytest.raises(ImproperlyConfigured) as raised:
        parse_database_url("postgres://digest:hunter2-secret@db:notaport/app")
    assert "DATABASE_URL" in str(raised.value)
    assert "hunter2-secret" not in str(raised.value)


# --- Booleans, numbers, lists -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_common_words(monkeypatch, raw, expected):
    monkeypatch.setenv("DP_TEST_FLAG", raw)
    assert env_bool("DP_TEST_FLAG", not expected) is expected


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("DP_TEST_FLAG", raising=False)
    assert env_bool("DP_TEST_FLAG", True) is True
    assert env_bool("DP_TEST_FLAG", False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "tru"])
def test_env_bool_bad_value_names_the_variable(monkeypatch, raw):
    monkeypatch.setenv("DP_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured) as raised:
        env_bool("DP_TEST_FLAG", False)
    message = str(raised.value)
    assert message.startswith(f"DP_TEST_FLAG={raw!r}")
    assert "true" in message and "false" in message


def test_env_int_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("DP_TEST_NUMBER", "12kb")
    with pytest.raises(ImproperlyConfigured, match=r"^DP_TEST_NUMBER='12kb' is not a whole"):
        env_int("DP_TEST_NUMBER", 5)
    monkeypatch.setenv("DP_TEST_NUMBER", " ")
    assert env_int("DP_TEST_NUMBER", 5) == 5
    monkeypatch.setenv("DP_TEST_NUMBER", "42")
    assert env_int("DP_TEST_NUMBER", 5) == 42


def test_env_int_or_off_reads_numbers_and_off(monkeypatch):
    monkeypatch.delenv("DP_TEST_THRESHOLD", raising=False)
    assert env_int_or_off("DP_TEST_THRESHOLD", 5) == 5
    for raw, expected in (("1", 1), (" 12 ", 12), ("off", None), ("OFF", None), ("", 5)):
        monkeypatch.setenv("DP_TEST_THRESHOLD", raw)
        assert env_int_or_off("DP_TEST_THRESHOLD", 5, low=1) == expected, raw
    for raw in ("0", "-1", "never"):
        monkeypatch.setenv("DP_TEST_THRESHOLD", raw)
        with pytest.raises(ImproperlyConfigured, match=rf"^DP_TEST_THRESHOLD={raw!r}"):
            env_int_or_off("DP_TEST_THRESHOLD", 5, low=1)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("DP_TEST_LIST", " a.example , ,b.example,")
    assert env_list("DP_TEST_LIST", ["x"]) == ["a.example", "b.example"]
    monkeypatch.delenv("DP_TEST_LIST")
    assert env_list("DP_TEST_LIST", ["x"]) == ["x"]


def test_env_networks_reads_cidrs_and_names_a_bad_one(monkeypatch):
    monkeypatch.setenv("DP_TEST_NETWORKS", " 10.0.0.0/8, 192.0.2.7 ,::1, 172.16.5.4/12")
    assert env_networks("DP_TEST_NETWORKS", []) == [
        "10.0.0.0/8",
        "192.0.2.7/32",
        "::1/128",
        "172.16.0.0/12",
    ]
    monkeypatch.setenv("DP_TEST_NETWORKS", "10.0.0.0/8,intranet")
    with pytest.raises(
        ImproperlyConfigured, match=r"^DP_TEST_NETWORKS: 'intranet' is not an IP network"
    ):
        env_networks("DP_TEST_NETWORKS", [])
    monkeypatch.delenv("DP_TEST_NETWORKS")
    assert env_networks("DP_TEST_NETWORKS", ["127.0.0.1"]) == ["127.0.0.1/32"]


# --- Start-up, in a fresh process -------------------------------------------------------------


# Settings need a PostgreSQL URL; importing them makes no connection.
SOME_DATABASE = "postgres://app@db.internal/digest"


def start_django(
    after_setup: str = "print('started')", **env: str | None
) -> subprocess.CompletedProcess:
    """Import the settings in a new interpreter with only the given environment (None
    leaves a variable out)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATABASE_URL": SOME_DATABASE,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {after_setup}"],
        cwd=settings.BASE_DIR,
        env={name: value for name, value in clean.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def manage(*args: str, **env: str | None) -> subprocess.CompletedProcess:
    """manage.py in a new interpreter with only the given environment (None leaves a
    variable out)."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={name: value for name, value in {**clean, **env}.items() if value is not None},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_without_database_url_manage_py_says_in_one_line_what_to_do():
    result = manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 1
    assert result.stderr == (
        "manage.py: DATABASE_URL is not set: set it to postgres://USER:PASSWORD@HOST:PORT/NAME, "
        "or use `make run` or `make test`, which start a PostgreSQL of their own\n"
    )
    assert "Traceback" not in result.stderr
    # Blank counts as unset; and the application itself does not start either.
    assert manage("check", DJANGO_DEBUG="1", DATABASE_URL=" ").stderr == result.stderr
    started = start_django(DJANGO_DEBUG="1", DATABASE_URL=None)
    assert started.returncode != 0
    assert "DATABASE_URL is not set" in started.stderr


def test_commands_that_read_only_the_code_need_no_environment():
    """A checkout's checks (a hook, CI) run the migration and schema checks with nothing
    set; nothing is connected to."""
    migrations = manage("makemigrations", "--check", "--dry-run")
    assert (migrations.returncode, migrations.stdout) == (0, "No changes detected\n")
    schema = manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    assert (schema.returncode, schema.stderr) == (0, "")


def test_a_sqlite_url_is_a_one_line_configuration_error():
    result = manage("check", DJANGO_DEBUG="1", DATABASE_URL="sqlite:///db.sqlite3")
    assert result.returncode == 1
    assert result.stderr == (
        "manage.py: DATABASE_URL='sqlite:///db.sqlite3': unsupported scheme 'sqlite'; "
        "use postgres://USER:PASSWORD@HOST:PORT/NAME\n"
    )


def test_manage_py_names_other_bad_settings_in_one_line_too():
    result = manage("check", DJANGO_DEBUG="0", DATABASE_URL=SOME_DATABASE)
    assert result.returncode == 1
    assert result.stderr == "manage.py: SECRET_KEY must be set\n"


def test_production_start_without_secret_key_fails_naming_it():
    result = start_django(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr
    assert "started" not in result.stdout


def test_debug_off_is_the_default_so_a_missing_secret_key_fails():
    result = start_django()
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_blank_secret_key_counts_as_missing():
    result = start_django(DJANGO_DEBUG="0", SECRET_KEY="   ")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_short_secret_key_is_refused():
    result = start_django(DJANGO_DEBUG="0", SECRET_KEY="too-short-0123456789")
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 32 characters" in result.stderr
    assert "too-short-0123456789" not in result.stderr


def test_production_start_with_a_long_secret_key_succeeds():
    result = start_django(DJANGO_DEBUG="0", SECRET_KEY=LONG_SECRET, SSO_ENCRYPTION_KEY=SSO_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


def test_production_start_without_the_sso_encryption_key_fails_naming_it():
    result = start_django(DJANGO_DEBUG="0", SECRET_KEY=LONG_SECRET)
    assert result.returncode != 0
    assert "SSO_ENCRYPTION_KEY must be set" in result.stderr


def test_a_malformed_sso_encryption_key_is_refused():
    result = start_django(DJANGO_DEBUG="0", SECRET_KEY=LONG_SECRET, SSO_ENCRYPTION_KEY="short")
    assert result.returncode != 0
    assert "SSO_ENCRYPTION_KEY: key 1 is not a Fernet key" in result.stderr


def test_debug_mode_starts_without_a_secret_key():
    result = start_django(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_bad_debug_flag_stops_start_up_naming_it():
    result = start_django(DJANGO_DEBUG="perhaps", SECRET_KEY=LONG_SECRET)
    assert result.returncode != 0
    assert "DJANGO_DEBUG='perhaps' is not a boolean" in result.stderr


def test_bad_database_url_stops_start_up_naming_it():
    result = start_django(
        DJANGO_DEBUG="0", SECRET_KEY=LONG_SECRET, DATABASE_URL="postgres://h:notaport/db"
    )
    assert result.returncode != 0
    assert "DATABASE_URL=" in result.stderr
    assert "port is not a number" in result.stderr


def database_options(**env: str) -> subprocess.CompletedProcess:
    """The database OPTIONS that start-up settles on for a PostgreSQL URL (no connection)."""
    return start_django(
        after_setup="from django.conf import settings; "
        "print(sorted(settings.DATABASES['default']['OPTIONS'].items()))",
        **{"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://app@db.internal/digest", **env},
    )


def test_postgres_prepares_statements_unless_told_off():
    default = database_options()
    assert default.returncode == 0, default.stderr
    assert "('prepare_threshold', 5)" in default.stdout
    assert "('server_side_binding', True)" in default.stdout
    second_run = database_options(DATABASE_PREPARE_THRESHOLD="1")
    assert "('prepare_threshold', 1)" in second_run.stdout
    # 0 would prepare on the first run: PostgreSQL cannot prepare a migration's
    # multi-command SQL, so `migrate` would fail.
    zero = database_options(DATABASE_PREPARE_THRESHOLD="0")
    assert zero.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD='0' must be 1 or more, or off" in zero.stderr
    # Behind a pooler that cannot keep them: Django's defaults, values bound in the client.
    off = database_options(DATABASE_PREPARE_THRESHOLD="off")
    assert off.returncode == 0, off.stderr
    assert "prepare_threshold" not in off.stdout
    assert "server_side_binding" not in off.stdout
    bad = database_options(DATABASE_PREPARE_THRESHOLD="sometimes")
    assert bad.returncode != 0
    assert "DATABASE_PREPARE_THRESHOLD='sometimes' is not a whole number" in bad.stderr


def test_postgres_connections_run_without_jit_unless_told():
    assert "('options', '-c jit=off')" in database_options().stdout
    assert "options" not in database_options(DATABASE_JIT="on").stdout
    own = database_options(DATABASE_URL="postgres://app@db.internal/digest?options=-c%20a%3Db")
    assert "('options', '-c a=b')" in own.stdout


@pytest.mark.django_db
def test_the_apps_connections_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_postgres_connections_notice_a_silent_server_within_a_minute():
    default = database_options()
    assert default.returncode == 0, default.stderr
    for option in (
        "('keepalives', '1')",
        "('keepalives_idle', '30')",
        "('keepalives_interval', '10')",
        "('keepalives_count', '3')",
        "('tcp_user_timeout', '30000')",
    ):
        assert option in default.stdout
    told = database_options(
        DATABASE_URL="postgres://app@db.internal/digest?tcp_user_timeout=5000&keepalives=0"
    )
    assert "('tcp_user_timeout', '5000')" in told.stdout
    assert "('keepalives', '0')" in told.stdout


def test_the_api_key_cache_is_on_with_postgres_unless_told_off():
    show = "from django.conf import settings; print('cache', settings.API_KEY_CACHE)"
    postgres = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://app@db.internal/digest"}
    assert "cache True" in start_django(show, **postgres).stdout
    assert "cache False" in start_django(show, **postgres, API_KEY_CACHE="off").stdout
    bad = start_django(show, **postgres, API_KEY_CACHE="sometimes")
    assert bad.returncode != 0
    assert "API_KEY_CACHE='sometimes' is not a boolean" in bad.stderr


def test_the_api_key_cache_may_listen_through_a_url_of_its_own():
    show = "from django.conf import settings; print(settings.API_KEY_CACHE_DATABASE)"
    postgres = {"DJANGO_DEBUG": "1", "DATABASE_URL": "postgres://app@pgbouncer.internal/digest"}
    direct = start_django(
        show, **postgres, API_KEY_CACHE_DATABASE_URL="postgres://app@db.internal:5432/digest"
    )
    assert direct.returncode == 0, direct.stderr
    assert "'HOST': 'db.internal'" in direct.stdout
    # The same connection defaults as DATABASE_URL: a silent server is noticed.
    assert "'tcp_user_timeout': '30000'" in direct.stdout
    assert "'connect_timeout': '5'" in direct.stdout
    assert "None" in start_django(show, **postgres).stdout
    sqlite = start_django(show, **postgres, API_KEY_CACHE_DATABASE_URL="sqlite:///x.db")
    assert sqlite.returncode != 0
    assert "API_KEY_CACHE_DATABASE_URL='sqlite:///x.db': unsupported scheme" in sqlite.stderr


def test_a_short_metrics_token_is_refused_without_being_shown():
    result = start_django(DJANGO_DEBUG="1", METRICS_TOKEN="short-metrics-token")
    assert result.returncode != 0
    assert "METRICS_TOKEN must be at least 32 characters" in result.stderr
    assert "short-metrics-token" not in result.stderr


def test_a_missing_metrics_directory_is_refused(tmp_path):
    missing = str(tmp_path / "missing")
    result = start_django(DJANGO_DEBUG="1", PROMETHEUS_MULTIPROC_DIR=missing)
    assert result.returncode != 0
    assert f"PROMETHEUS_MULTIPROC_DIR={missing!r} is not a directory" in result.stderr


# --- Traces (TRACING, core/tracing.py) ----------------------------------------------------------


def test_tracing_is_off_unless_told_otlp(monkeypatch):
    from config.env import env_tracing

    for name in ("TRACING", "OTEL_TRACES_SAMPLER", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    assert env_tracing() == "off"
    monkeypatch.setenv("TRACING", " OTLP ")
    assert env_tracing() == "otlp"
    # The standard variables are checked only when they are used.
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    monkeypatch.setenv("TRACING", "off")
    assert env_tracing() == "off"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TRACING": "jaeger"}, "TRACING='jaeger' must be one of OFF, OTLP"),
        (
            {"TRACING": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
            "OTEL_EXPORTER_OTLP_PROTOCOL='grpc': traces are sent over OTLP/HTTP, use http/protobuf",
        ),
        (
            {"TRACING": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"},
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL='http/json': traces are sent over OTLP/HTTP, "
            "use http/protobuf",
        ),
        (
            {"TRACING": "otlp", "OTEL_TRACES_SAMPLER": "sometimes"},
            "OTEL_TRACES_SAMPLER='sometimes' must be one of always_on, always_off, "
            "traceidratio, parentbased_always_on, parentbased_always_off, "
            "parentbased_traceidratio",
        ),
        (
            {
                "TRACING": "otlp",
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "5%",
            },
            "OTEL_TRACES_SAMPLER_ARG='5%' is not a share of traces: use 0 to 1, e.g. 0.05",
        ),
        (
            {
                "TRACING": "otlp",
                "OTEL_TRACES_SAMPLER": "traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "2",
            },
            "OTEL_TRACES_SAMPLER_ARG='2' is not a share of traces: use 0 to 1, e.g. 0.05",
        ),
    ],
)
def test_a_bad_tracing_setting_is_one_line_naming_it(env, message):
    result = manage("check", DJANGO_DEBUG="1", DATABASE_URL=SOME_DATABASE, **env)
    assert result.returncode == 1
    assert result.stderr == f"manage.py: {message}\n"


def test_good_tracing_settings_start(monkeypatch):
    from config.env import env_tracing

    monkeypatch.setenv("TRACING", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "ParentBased_TraceIdRatio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.05")
    assert env_tracing() == "otlp"
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "ignored by this sampler")
    assert env_tracing() == "otlp"
