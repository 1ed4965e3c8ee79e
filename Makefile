# Two commands for a newcomer on Debian or Ubuntu: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# apt-get needs root; use sudo when we are not root and it is there.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
DEV_ENV := DJANGO_DEBUG=true
# axe-core for the browser tests' accessibility checks, from the npm registry into a git-ignored
# directory: Playwright injects it into the page under test; the app never serves it. Pinned to
# the minor version the pages were checked with (a newer one may bring new rules: bump on purpose).
AXE := .cache/axe/node_modules/axe-core/axe.min.js

.PHONY: run test install install-test system-deps system-deps-test lint migrations-check bench bench-audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test $(AXE)

$(AXE):
	npm install --silent --no-save --no-audit --no-fund --prefix .cache/axe 'axe-core@~4.12.1'

# WeasyPrint draws PDFs with Pango; Debian and Ubuntu ship it, minimal images may not. The
# record prints a child's words in any script and with their emoji: the Noto families
# (static/css/print.css names Noto Sans and Noto Sans CJK; fontconfig finds the rest).
system-deps:
	@missing=""; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	for font in fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji; do \
	  dpkg-query -W -f='$${Status}' $$font 2>/dev/null | grep -q "ok installed" || missing="$$missing $$font"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The suite runs against a throwaway PostgreSQL and drives Debian's Chromium.
system-deps-test: system-deps
	@missing=""; \
	command -v pg_virtualenv >/dev/null || missing="$$missing postgresql postgresql-common"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Open http://localhost:$(PORT)/, not 127.0.0.1: passkeys (WebAuthn) refuse an IP address.
# The task worker (manage.py db_worker) runs in the background and is stopped with the server.
run: install system-deps
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Open http://localhost:$(PORT)/ (localhost, not 127.0.0.1: passkeys refuse an IP address)"
	@echo "One task worker (exports) runs beside the server and stops with it."
	$(DEV_ENV) $(BIN)/python manage.py db_worker --no-reload --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(DEV_ENV) DJANGO_SITE_URL=http://localhost:$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# mypy loads the settings (django-stubs' plugin), which refuse to start without DEBUG or a key.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	$(DEV_ENV) $(BIN)/mypy

migrations-check: install-test
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# Two roles, as in production: the suite creates, migrates and flushes the test database as the
# owner (DATABASE_MIGRATE_URL) and runs the application's queries as a role that owns nothing.
test: system-deps-test install-test lint migrations-check
	SAFEGUARDING_TEST_BACKEND=postgresql pg_virtualenv -t -- bash -c '\
	  psql -q -v ON_ERROR_STOP=1 -f tests/roles.sql && \
	  DATABASE_URL="postgres://safeguarding_app:app-test-password@$${PGHOST}:$${PGPORT}/$${PGDATABASE}" \
	  DATABASE_MIGRATE_URL="postgres://safeguarding_owner:owner-test-password@$${PGHOST}:$${PGPORT}/$${PGDATABASE}" \
	  DJANGO_DEBUG=true DJANGO_SECRET_KEY=test-only-secret-key-0123456789abcdefghijklmnop \
	  DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 \
	  $(BIN)/python -m pytest $(PYTEST_ARGS)'

# Production settings (DEBUG off, static files from the manifest) on a throwaway PostgreSQL;
# plain HTTP on loopback for the load run, as behind a proxy that terminates TLS.
# BENCH_ARGS passes options to bench/run.py, e.g. BENCH_ARGS="--sizes small --no-load".
# pg_virtualenv turns fsync off for its throwaway clusters; the bench turns it back on, so
# every commit pays for its flush as in production.
bench: install-test system-deps-test
	pg_virtualenv -t -o fsync=on -- bash -c '\
	  DATABASE_URL="postgres://$${PGUSER}:$${PGPASSWORD}@$${PGHOST}:$${PGPORT}/$${PGDATABASE}" \
	  DJANGO_DEBUG=false DJANGO_SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmn \
	  SAFEGUARDING_DIGEST_KEYS=bench:YmVuY2gtb25seS1kaWdlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY= \
	  DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=false \
	  $(BIN)/python bench/run.py $(BENCH_ARGS)'

# Audited writes a second, 1, 8 and 32 writers across schools: the one deployment-wide chain
# (as before migration 0018) beside a chain per school, on a throwaway PostgreSQL with fsync on
# (pg_virtualenv turns it off unless told). BENCH_AUDIT_ARGS passes options, e.g. "--seconds 10".
bench-audit: install-test system-deps-test
	pg_virtualenv -t -o fsync=on -- bash -c '\
	  DATABASE_URL="postgres://$${PGUSER}:$${PGPASSWORD}@$${PGHOST}:$${PGPORT}/$${PGDATABASE}" \
	  DJANGO_DEBUG=false DJANGO_SECRET_KEY=bench-only-secret-key-0123456789abcdefghijklmn \
	  SAFEGUARDING_DIGEST_KEYS=bench:YmVuY2gtb25seS1kaWdlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY= \
	  DJANGO_ALLOWED_HOSTS=testserver,localhost,127.0.0.1 DJANGO_SECURE_SSL_REDIRECT=false \
	  $(BIN)/python bench/audit_capacity.py $(BENCH_AUDIT_ARGS)'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .cache/axe
