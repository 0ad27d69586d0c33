# Terang: `make demo` sets up and serves the demo site; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-dev serve lint typecheck schema check-schema messages ci clean bench

$(PY):
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 tidak ditemukan (Python >= 3.11 is required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.base-installed: requirements/base.lock | $(PY)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/base.lock
	$(PIP) install --quiet --no-deps --no-build-isolation -e . >/dev/null 2>&1 || $(PIP) install --quiet --no-deps -e .
	@touch $@

$(VENV)/.dev-installed: requirements/dev.lock $(VENV)/.base-installed
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/dev.lock
	@touch $@

install: $(VENV)/.base-installed
install-dev: $(VENV)/.dev-installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference
	$(PY) manage.py demo_data --scale small
	@echo ""
	@echo "Terang berjalan di http://$(HOST):$(PORT)/  (Ctrl+C untuk berhenti)"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) manage.py check
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

typecheck: install-dev
	$(VENV)/bin/mypy terang config

schema: install-dev
	$(PY) manage.py spectacular --validate --fail-on-warn --file schema/openapi.yaml

check-schema: install-dev
	bash scripts/check_schema.sh

messages: install-dev
	$(PY) manage.py makemessages -l id -l en --ignore=.venv --ignore=node_modules --ignore=static --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

ci:
	bash .ci/run

# Benchmarks (not tests): each prints its figures and the ratio to its target. See bench/README.md.
bench: install-dev
	$(PY) bench/budget_freeze_diff.py
	TERANG_BENCH_CACHE=1 $(PY) bench/bench_summary_api.py
	TERANG_BENCH_CACHE=1 $(PY) bench/bench_csv_export_memory.py
	TERANG_BENCH_CACHE=1 $(PY) bench/bench_load.py
	@if [ -n "$$DATABASE_URL" ]; then $(PY) bench/bench_import_copy.py; fi

clean:
	rm -rf $(VENV) var/staticfiles
