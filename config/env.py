"""Reading settings from the environment, failing loudly on bad values.

Every error names the variable so an operator knows what to fix; Django's own
ImproperlyConfigured is raised so `manage.py` and gunicorn stop at start-up.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}"
    )


def env_int(name: str, default: int, *, low: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if low is not None and value < low:
        raise ImproperlyConfigured(f"{name}={raw!r} must be {low} or more")
    return value


def env_int_or_off(name: str, default: int | None, *, low: int = 0) -> int | None:
    """A whole number of at least `low`, or None for `off`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.strip().lower() == "off":
        return None
    value = env_int(name, low)
    if value < low:
        raise ImproperlyConfigured(f"{name}={raw!r} must be {low} or more, or off")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={raw!r} must be one of {', '.join(choices)}")
    return value


_RATE_UNITS = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as `1200/min`, checked at start-up rather than per request."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    count, _, unit = raw.strip().partition("/")
    if not count.isdigit() or unit.lower() not in _RATE_UNITS:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use <number>/<second|minute|hour|day>, e.g. 600/min"
        )
    return raw.strip()


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of IP networks in CIDR form (`10.0.0.0/8`, `::1/128`; a bare
    address is a network of one), each written back in its canonical form."""
    items = env_list(name, default)
    networks = []
    for item in items:
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP network: use CIDR, e.g. 10.0.0.0/8"
            ) from None
    return networks


# What the OpenTelemetry SDK knows for OTEL_TRACES_SAMPLER; given anything else it would
# only log a warning and sample everything.
TRACE_SAMPLERS = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)
# The installed OTLP exporter's protocol (opentelemetry-exporter-otlp-proto-http).
OTLP_PROTOCOL = "http/protobuf"


def env_tracing() -> str:
    """`TRACING`: `off` (the default) or `otlp` (core/tracing.py). When on, the standard
    OTEL_* variables the SDK and exporter read for themselves are checked here too: the
    SDK would log a warning for a bad one and go on with its default, and the exporter
    would ignore a protocol it does not speak."""
    value = env_choice("TRACING", "OFF", ("OFF", "OTLP")).lower()
    if value == "off":
        return value
    for name in ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
        raw = os.environ.get(name, "").strip()
        if raw and raw != OTLP_PROTOCOL:
            raise ImproperlyConfigured(
                f"{name}={raw!r}: traces are sent over OTLP/HTTP, use {OTLP_PROTOCOL}"
            )
    sampler = os.environ.get("OTEL_TRACES_SAMPLER", "").strip()
    if sampler and sampler.lower() not in TRACE_SAMPLERS:
        raise ImproperlyConfigured(
            f"OTEL_TRACES_SAMPLER={sampler!r} must be one of {', '.join(TRACE_SAMPLERS)}"
        )
    ratio = os.environ.get("OTEL_TRACES_SAMPLER_ARG", "").strip()
    if sampler.lower().endswith("traceidratio") and ratio:
        try:
            share = float(ratio)
        except ValueError:
            share = -1.0
        if not 0.0 <= share <= 1.0:
            raise ImproperlyConfigured(
                f"OTEL_TRACES_SAMPLER_ARG={ratio!r} is not a share of traces: use 0 to 1, e.g. 0.05"
            )
    return value


def _masked(url: str) -> str:
    """The URL as it may appear in an error message: never with its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def parse_database_url(url: str, *, name: str = "DATABASE_URL") -> dict:
    """`postgres://user:pass@host:port/db?opt=v` as a DATABASES entry: PostgreSQL is the
    only database."""
    parts = urlsplit(url)
    shown = _masked(url)
    scheme = parts.scheme.lower()
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name}={shown!r}: unsupported scheme {scheme!r}; "
            "use postgres://USER:PASSWORD@HOST:PORT/NAME"
        )
    db_name = unquote(parts.path.lstrip("/"))
    if not db_name:
        raise ImproperlyConfigured(f"{name}={shown!r}: a PostgreSQL URL needs a database name")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name}={shown!r}: the port is not a number") from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": db_name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


def require(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set")
    return value


def sso_encryption_keys(fallback_allowed: bool, secret_key: str) -> list[bytes]:
    """`SSO_ENCRYPTION_KEY`: comma-separated Fernet keys, newest first (the first encrypts,
    all decrypt, so an old key can stay while secrets are re-encrypted). Debug mode and the
    test settings may omit it and get a key derived from SECRET_KEY; production may not."""
    import base64
    import hashlib

    raw = os.environ.get("SSO_ENCRYPTION_KEY", "").strip()
    if not raw:
        if not fallback_allowed:
            raise ImproperlyConfigured(
                "SSO_ENCRYPTION_KEY must be set when debug is off: generate one with "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
        derived = hashlib.sha256(b"sso-encryption:" + secret_key.encode()).digest()
        return [base64.urlsafe_b64encode(derived)]
    keys = []
    for index, item in enumerate(part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            decoded = base64.urlsafe_b64decode(item.encode())
        except ValueError:
            decoded = b""
        if len(decoded) != 32:
            raise ImproperlyConfigured(
                f"SSO_ENCRYPTION_KEY: key {index + 1} is not a Fernet key (32 bytes, url-safe "
                "base64)"
            )
        keys.append(item.encode())
    return keys


def postgres_connection_defaults(options: dict) -> dict:
    """libpq options every PostgreSQL connection of the app gets unless its URL says
    otherwise: a 5 s connect timeout, and a server that vanishes without a word (a host
    crash, a firewall forgetting the connection) noticed within about a minute rather
    than TCP's many: keepalive probes after 30 s idle, and at most 30 s for sent data to
    go unacknowledged (core/postgresql/base.py trusts a quiet socket for a second)."""
    for option, value in (
        ("connect_timeout", "5"),
        ("keepalives", "1"),
        ("keepalives_idle", "30"),
        ("keepalives_interval", "10"),
        ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ):
        options.setdefault(option, value)
    return options


def settings_or_exit(program: str) -> None:
    """Read the settings now; if the environment lacks one or gets one wrong, stop the
    program with the one-line message naming it (`program: ...`), not a traceback. For
    the programs' entry points: manage.py, gunicorn's configuration, WSGI, Celery."""
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 (reads the environment, config/settings.py)
    except ImproperlyConfigured as error:
        raise SystemExit(f"{program}: {error}") from None
