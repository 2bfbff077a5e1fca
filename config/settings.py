"""Settings for Digest Platform, read from the environment (docs/operations.md)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_int_or_off,
    env_list,
    env_networks,
    env_rate,
    env_tracing,
    parse_database_url,
    postgres_connection_defaults,
    require,
    sso_encryption_keys,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

if DEBUG:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-development-key-only-for-debug-mode"
else:
    SECRET_KEY = require("SECRET_KEY")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters when debug is off")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else ["127.0.0.1", "localhost"]
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "social_django",
    "tenants",
    "digests",
    "audit",
    "policies",
    "licensing",
    "sso",
    "webhooks",
    # Sign-in, passwords and invitations in the browser, for people.
    "accounts",
    # SCIM 2.0 provisioning per tenant, at /scim/v2/<tenant>/.
    "scim",
    # The console for people, at /: pages over the API's own views (console/api.py).
    "console",
    # The demo (manage.py load_demo), which uses every app above.
    "seeds",
]

MIDDLEWARE = [
    "core.middleware.ReleaseAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.problems.ProblemDetailsMiddleware",
    "core.middleware.RequestSizeLimitMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "core.request_context.RequestContextMiddleware",
    "core.logs.RequestLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PendingSecondFactorMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it is the first to see an exception from a view (or from opening the
    # request's transaction).
    "core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# PostgreSQL, always: `make run` and `make test` start one when DATABASE_URL is unset
# (tools/local.py).
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: set it to postgres://USER:PASSWORD@HOST:PORT/NAME, or use "
        "`make run` or `make test`, which start a PostgreSQL of their own"
    )
DATABASES = {"default": parse_database_url(DATABASE_URL)}
# Every request runs in one transaction: the tenant setting that row-level security reads
# is set per transaction (SET LOCAL semantics), which stays correct behind a transaction
# pooler, and a failed request leaves nothing half-written.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's backend with a health check that asks the socket before the server
# (core/postgresql/base.py): no `SELECT 1` round trip per request.
DATABASES["default"]["ENGINE"] = "core.postgresql"
postgres_connection_defaults(DATABASES["default"]["OPTIONS"])
# PostgreSQL's JIT compiler, off for the app's connections unless DATABASE_JIT=on: it
# compiles any statement whose estimated cost passes a threshold, and a report's or a
# facet's pass over a tenant passes it, so a request paid seconds of compiling for
# milliseconds of running (docs/performance.md). It is a startup option, which a URL
# setting `options` of its own replaces. PgBouncer refuses startup options it does not
# track: behind it, set DATABASE_JIT=on and `ALTER ROLE ... SET jit = off` on the server.
DATABASE_JIT = env_bool("DATABASE_JIT", False)
if not DATABASE_JIT:
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
# Prepared statements (platform/postgres.md). Values travel apart from the SQL text
# (server-side binding), so a statement reads the same whatever its values, and psycopg
# prepares one that a connection has run this many times: PostgreSQL then plans it once
# per connection, not per request. Planning the digest reads (visibility, policies,
# sources) costs more than running them. `off` behind a pooler that cannot keep
# prepared statements (PgBouncer older than 1.22, or max_prepared_statements = 0).
# At least 1: psycopg then runs a statement once unprepared before preparing it, and
# a migration's multi-command SQL, which PostgreSQL cannot prepare, is never repeated.
PREPARE_THRESHOLD = env_int_or_off("DATABASE_PREPARE_THRESHOLD", 5, low=1)
if PREPARE_THRESHOLD is not None:
    DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
    DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", PREPARE_THRESHOLD)
# API keys that authenticated are remembered per process, used only while the request's
# own transaction reads the tenant's security generation they were read with, and
# forgotten early when PostgreSQL notifies a change (tenants/key_cache.py): no lookup
# round trip per API request. Each process then holds one more connection, which
# LISTENs. `API_KEY_CACHE=0` behind a pooler in transaction mode, where LISTEN does not
# work. HEARTBEAT: how often that connection is checked; the cache is off while the last
# answer is older than two heartbeats.
API_KEY_CACHE = env_bool("API_KEY_CACHE", True)
API_KEY_CACHE_HEARTBEAT = 2.0
# Where that connection goes when DATABASE_URL is a pooler in transaction mode (which
# cannot carry LISTEN): the same database, reached directly. Empty: DATABASE_URL.
API_KEY_CACHE_DATABASE = None
if os.environ.get("API_KEY_CACHE_DATABASE_URL", "").strip():
    API_KEY_CACHE_DATABASE = parse_database_url(
        os.environ["API_KEY_CACHE_DATABASE_URL"].strip(), name="API_KEY_CACHE_DATABASE_URL"
    )
    postgres_connection_defaults(API_KEY_CACHE_DATABASE["OPTIONS"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Two caches of SQL, both keyed by the caller's digests.selectors.Reader: the condition of
# who may read which digests (digests.selectors), and whole statements of detail reads and
# first list pages (core/statement_cache.py). CHECK compiles again on every cache hit
# and fails if the SQL differs: on in debug mode and in the tests, so SQL that comes to
# depend on anything besides its reader fails loudly (docs/performance.md).
VISIBILITY_CACHE = env_bool("VISIBILITY_CACHE", True)
STATEMENT_CACHE = env_bool("STATEMENT_CACHE", True)
SQL_CACHE_CHECK = env_bool("SQL_CACHE_CHECK", DEBUG)
# A list page skips the redaction search in digests lacking a character every match of a
# rule must hold (policies/required.py); 0 searches every digest (docs/performance.md).
REDACTION_PRECHECK = env_bool("REDACTION_PRECHECK", True)
# Keyword rules read the phrases each digest's trigger noted in its row where they cover
# the rule (digests/keywords.py); 0 reads every digest's word vector (docs/performance.md).
KEYWORD_INDEX = env_bool("KEYWORD_INDEX", True)
# Policy insight (policies/insight.py): what the rules did to the digests shown, counted
# per rule, reader and day, kept in memory by each process and written in batches;
# 0 counts nothing. Rows older than POLICY_INSIGHT_DAYS are deleted daily.
POLICY_INSIGHT = env_bool("POLICY_INSIGHT", True)
POLICY_INSIGHT_DAYS = env_int("POLICY_INSIGHT_DAYS", 400, low=1)
# How often each process writes the counts it holds (a background thread); 0 writes each
# request's counts after its response instead (docs/performance.md).
POLICY_INSIGHT_FLUSH_SECONDS = env_int("POLICY_INSIGHT_FLUSH_SECONDS", 2, low=0)

# Results computed from a tenant's rows (the compliance reports, the library's facet
# counts) are kept in the cache below until a transaction changes one of the tenant's rows,
# for at most this many seconds (tenants/result_cache.py); 0 computes every one afresh.
RESULT_CACHE_SECONDS = env_int("RESULT_CACHE_SECONDS", 600, low=0)

# --- Cache and shared counters --------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://"
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dp",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "tenants.User"
AUTHENTICATION_BACKENDS = [
    # ModelBackend, refusing passwords to members of tenants that require SSO
    "sso.auth.PasswordBackend",
    "sso.backends.TenantOIDCAuth",
    "sso.backends.TenantSAMLAuth",
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous object permissions: guardian would otherwise look up its anonymous user
# on every request.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# Where a sign-in with no `next` lands: the console, in the person's last tenant.
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = LOGIN_URL
# Set-password links in reset messages work this long (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60, low=1) * 60
# Owners may not keep audit events for less than this; and a retention they shorten
# holds only this many days later (audit/retention.py).
AUDIT_MIN_RETENTION_DAYS = env_int("AUDIT_MIN_RETENTION_DAYS", 90, low=1)
AUDIT_RETENTION_SHORTENING_DELAY_DAYS = env_int("AUDIT_RETENTION_SHORTENING_DELAY_DAYS", 7, low=0)
# Days between an owner asking for their tenant's deletion and an operator's
# `delete_tenant --due` carrying it out (tenants/services/deletion.py).
TENANT_DELETION_GRACE_DAYS = env_int("TENANT_DELETION_GRACE_DAYS", 30, low=1)
# An invitation's link works this many days; resending starts the count again.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, low=1)
# Password sign-in is refused for SIGN_IN_LOCKOUT_MINUTES after this many wrong passwords
# within that time, for one account or from one address (accounts/lockout.py).
SIGN_IN_FAILURES_PER_ACCOUNT = env_int("SIGN_IN_FAILURES_PER_ACCOUNT", 5, low=1)
SIGN_IN_FAILURES_PER_ADDRESS = env_int("SIGN_IN_FAILURES_PER_ADDRESS", 30, low=1)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15, low=1)

# --- Mail -----------------------------------------------------------------------------------
# Invitations and password resets. EMAIL_HOST set: SMTP. Otherwise, in development, each
# message is written as a file to EMAIL_FILE_PATH (make run prints where); in production
# sending fails with a message naming EMAIL_HOST, and the invitation shows it was not sent.
# The address links in messages start with; empty: the host each request came to.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").strip().rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or (
    "Digest Platform <no-reply@localhost>"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set one of them, not both")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "").strip() or str(BASE_DIR / ".local" / "mail")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif DEBUG or os.environ.get("EMAIL_FILE_PATH", "").strip():
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "core.mail.NotConfiguredBackend"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step

# --- Request limits -------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MAX_REQUEST_BYTES", 2 * 1024 * 1024)
# License evidence (signed contracts, scans) may be larger than other request bodies:
# uploads to an evidence endpoint get this limit instead (plus room for the form).
MAX_EVIDENCE_BYTES = env_int("MAX_EVIDENCE_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
# A digest import takes up to 200 files in one request (docs/digest-format.md); Django's
# default of 100 refused the rest of them as a malformed request.
DATA_UPLOAD_MAX_NUMBER_FILES = 200

# --- REST framework -------------------------------------------------------------------------
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, debug or not. DRF's browsable API rendered its forms on a copy of the
    # request that the tenant views had not authorised, and answered 500 on every
    # tenant page; people read the API through /api/docs/ (and, later, the console).
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.renderers.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env_rate("API_THROTTLE_RATE", "1200/min"),
        "anon": env_rate("API_ANON_THROTTLE_RATE", "120/min"),
    },
    # Clients' addresses for the anonymous limit: REMOTE_ADDR unless the deployment says
    # how many trusted proxies append to X-Forwarded-For (otherwise a client could pick
    # its own throttle key by sending that header).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "EXCEPTION_HANDLER": "tenants.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Digest Platform API",
    "DESCRIPTION": (
        "Multi-tenant API for podcast and video digests. Every tenant endpoint lives under "
        "`/api/v1/tenants/{tenant}/`; errors are RFC 9457 problem documents."
    ),
    "VERSION": "2.3.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Areas of the product, in the order of the API reference's sidebar; core.schema
    # gives every operation one of them as its tag, from its path.
    "TAGS": [
        {"name": "Account", "description": "Who is signed in, and the tenants they belong to."},
        {
            "name": "Members and roles",
            "description": "People in a tenant, the roles they hold, and the permissions custom "
            "roles are built from.",
        },
        {
            "name": "API keys",
            "description": "Keys for internal apps, each with a role and an accountable person.",
        },
        {
            "name": "Digests",
            "description": "Summaries of podcasts and videos: write, search (`q`), publish, "
            "archive, and restrict who may read them.",
        },
        {
            "name": "Sync and exports",
            "description": "For internal apps keeping a copy: the changes feed, exports, and "
            "imports in the digest text format; and, for owners, the archive of everything "
            "the tenant holds.",
        },
        {
            "name": "Policies",
            "description": "Content policies: a draft, numbered published versions, simulation "
            "and rollback.",
        },
        {
            "name": "Policy insight",
            "description": "What the rules in force did, monitor mode included: which rules "
            "acted, how often, on which digests and for whom, per day.",
        },
        {
            "name": "Licensing",
            "description": "Rights holders, sources, licenses and their evidence: what each digest "
            "may be derived from.",
        },
        {
            "name": "Compliance reports",
            "description": "Licensing reports: sources by status, digests at risk, expiring "
            "licenses, the bill of sources.",
        },
        {"name": "Audit", "description": "The tamper-evident audit log: search, export, verify."},
        {
            "name": "Webhooks",
            "description": "Endpoints that receive signed events, and the deliveries made to them.",
        },
        {
            "name": "SSO",
            "description": "Single sign-on: identity-provider connections, verified domains, the "
            "tenant's SSO requirement, and email-first discovery.",
        },
    ],
    "ENUM_NAME_OVERRIDES": {
        "AuditSinkKindEnum": "audit.models.AuditSink.Kind",
        "DigestStatusEnum": "digests.models.Digest.Status",
        "ImportOutcomeEnum": ["created", "updated", "unchanged", "failed"],
        "KindEnum": "licensing.models.Source.Kind",
        "LicenseUseEnum": "licensing.uses.USE_NAMES",
        "LicenseStatusEnum": "licensing.serializers.LICENSE_STATUSES",
        "SourceLicenseStatusEnum": "licensing.selectors.SOURCE_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_problem_responses",
        "core.schema.require_bodies_that_need_a_field",
    ],
}

# --- Security headers (production) ----------------------------------------------------------
# Django's database sessions, keeping each person's list of sessions in step when a key
# changes (accounts/session_store.py).
SESSION_ENGINE = "accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    if env_bool("TRUST_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Tenancy --------------------------------------------------------------------------------
# The PostgreSQL role the application runs as in production: neither table owner nor
# BYPASSRLS, so row-level security applies (platform/postgres.md).
DATABASE_RUNTIME_ROLE = os.environ.get("DATABASE_RUNTIME_ROLE", "digest_app")

# --- Metrics (core/metrics.py, docs/operations.md "Metrics") -------------------------------
# `/metrics` answers callers from these networks (loopback by default) and, when a token
# is set, only those sending it as `Authorization: Bearer`; anyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 32 characters")
# Read by prometheus_client itself, when imported: with it, every process writes its
# metrics to files in this directory and a scrape adds up those of all of them.
# Checked here only, so that a wrong one stops start-up with one line.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
if _multiproc_dir and not os.path.isdir(_multiproc_dir):
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={_multiproc_dir!r} is not a directory: "
        "create it, empty, before starting"
    )

# --- Traces (core/tracing.py, docs/operations.md "Traces") ---------------------------------
# `otlp`: requests, database statements, jobs and outgoing HTTP calls become OpenTelemetry
# spans, sent to OTEL_EXPORTER_OTLP_ENDPOINT. Off by default: nothing is then imported.
TRACING = env_tracing()

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# One line per request and per job (core/logs.py): JSON by default in production, the
# message alone in development.
LOG_FORMAT = env_choice("LOG_FORMAT", "TEXT" if DEBUG else "JSON", ("JSON", "TEXT")).lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "core.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
CSRF_FAILURE_VIEW = "console.views.csrf_failure"

# --- Single sign-on (sso/) ------------------------------------------------------------------
# Connection secrets are encrypted with these Fernet keys (the first encrypts, every one
# decrypts, so a key can be rotated). Required when debug is off; tests and `make run`
# derive a fallback from SECRET_KEY (config.env.sso_encryption_keys).
SSO_ENCRYPTION_KEYS = sso_encryption_keys(DEBUG or SECRET_KEY.startswith("test-only-"), SECRET_KEY)
# Domain verification asks these resolvers (empty: the system's), on this port.
SSO_DNS_NAMESERVERS = env_list("SSO_DNS_NAMESERVERS", [])
SSO_DNS_PORT = env_int("SSO_DNS_PORT", 53)
SSO_DNS_TIMEOUT = float(env_int("SSO_DNS_TIMEOUT_SECONDS", 5))
# python-social-auth: the tenant's connection supplies the provider settings at run time
# (sso/strategy.py); these are the global ones.
SOCIAL_AUTH_STRATEGY = "sso.strategy.TenantStrategy"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_LOGIN_REDIRECT_URL = LOGIN_REDIRECT_URL
SOCIAL_AUTH_LOGIN_ERROR_URL = "/sso/error"
SOCIAL_AUTH_SANITIZE_REDIRECTS = True
SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS: list[str] = []
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_PIPELINE = (
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.social_user",
    "sso.pipeline.provision",
    "social_core.pipeline.social_auth.associate_user",
    "sso.pipeline.apply_roles",
    "sso.pipeline.record_sign_in",
)
# Named as the contact in the SAML service-provider metadata.
SSO_CONTACT_EMAIL = os.environ.get("SSO_CONTACT_EMAIL", "").strip() or "sso-admin@localhost"
# Development and the tests' loopback providers only: http:// issuers and SAML endpoints,
# and single-label host names (localhost) in SAML URLs.
SSO_ALLOW_HTTP = env_bool("SSO_ALLOW_HTTP", DEBUG)
# --- Job queue (Celery on Redis) and webhooks (docs/api.md, docs/operations.md) ------------
# No REDIS_URL: nothing is queued; deliveries are stored and wait, pending, for a worker.
CELERY_BROKER_URL = REDIS_URL or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# A lost worker's message goes back to the queue: acknowledged only after the attempt.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# The worker logs through LOGGING above (one JSON line per job), not Celery's own setup.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "digest-platform")
# Publishing happens after a request commits: fail fast (and leave it to the sweep)
# rather than hold the response when Redis is down.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": 7 * 3600,  # longer than the longest retry delay
    "max_retries": 0,
}
# How often the sinks are checked for events to stream: at most this late, when healthy.
AUDIT_SINK_SWEEP_SECONDS = float(env_int("AUDIT_SINK_SWEEP_SECONDS", 5, low=1))
CELERY_BEAT_SCHEDULE = {
    "webhooks-sweep": {"task": "webhooks.sweep", "schedule": 60.0},
    # Idempotent (once per license version), so hourly costs little and a missed run
    # is caught up at the next one.
    "licenses-expiring": {"task": "licensing.announce_expiring", "schedule": 3600.0},
    "sso-nonces": {"task": "sso.purge_expired_nonces", "schedule": 3600.0},
    "policy-insight": {"task": "policies.purge_insight", "schedule": 86400.0},
    # How new audit events reach the sinks (recording one queues nothing): one query
    # finds the sinks behind their chain's head (audit/sinks.py).
    "audit-sinks": {"task": "audit.sweep_sinks", "schedule": AUDIT_SINK_SWEEP_SECONDS},
}
# `license.expiring` goes out this many days before a license's version in force ends.
LICENSE_EXPIRY_NOTICE_DAYS = env_int("LICENSE_EXPIRY_NOTICE_DAYS", 30)
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8)
WEBHOOK_RETRY_BASE_SECONDS = float(env_int("WEBHOOK_RETRY_BASE_MS", 30_000)) / 1000
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
