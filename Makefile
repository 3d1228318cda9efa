# The verbs people use: `make run`, `make test`, `make check`, `make bench-…` (`make` lists all).
# Everything installs into .venv from uv.lock, so a fresh machine gets what CI tested.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python >= 3.12 and pgserver (the embedded PostgreSQL) ships wheels only up to
# 3.12, so prefer 3.12 (pyenv's too), then 3.11 (where uv.lock selects Django 5.2 LTS).
PYTHON ?= $(shell for p in python3.12 $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3) python3.11 python3; do \
	"$$p" -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# Production-like settings for `check --deploy` (and for mypy, whose Django plugin imports them):
# DEBUG off, a fresh random key each run, a host name, HTTPS on. The database is whichever the
# environment names, as for `make test`: only makemigrations reads it (it checks that the
# migrations applied there are consistent with the files).
CHECK_ENV = DEBUG=0 SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=irtkb.example.org SECURE_COOKIES=1 SECURE_SSL_REDIRECT=1 \
	SECURE_HSTS_SECONDS=31536000 SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SECURE_HSTS_PRELOAD=1 \
	SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https

.PHONY: help install run stop test lint format check mypy mypy-baseline coverage-floor baselines \
	bench-import bench-web clean

help:  ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-z-]*:.*## / {printf "make %-16s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

$(UV):
	@test -n "$(PYTHON)" || { echo "No Python >= 3.11 found; set PYTHON=/path/to/python3" >&2; exit 1; }
	"$(PYTHON)" -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

install: $(VENV)/.installed  ## create .venv from uv.lock (the other targets do this first)

run: install  ## start PostgreSQL, Redis, worker, beat, web; load data: http://127.0.0.1:8000
	$(PY) scripts/run.py

stop: install  ## stop what a `make run` killed hard left running, and the embedded servers
	$(PY) scripts/run.py --stop

# Tests run with DEBUG off, as production does; settings refuse to start without a key.
# Coverage is measured on every run and its figure printed; a whole-suite run fails below the
# floor in pyproject.toml (tests/coverage_floor.py). COV_FAIL_UNDER=0 turns the floor off.
test: install  ## the test suite with coverage (PYTEST_ARGS="-q tests/web" to pick tests)
	SECRET_KEY="$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" $(PY) -m pytest \
		--cov --cov-report= $(if $(COV_FAIL_UNDER),--cov-fail-under=$(COV_FAIL_UNDER)) $(PYTEST_ARGS)

lint: install  ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install  ## ruff check --fix and ruff format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: lint  ## lint, missing migrations, check --deploy (production-like), mypy vs its baseline
	@echo "manage.py makemigrations --check --dry-run"
	@$(CHECK_ENV) $(MANAGE) makemigrations --check --dry-run
	@echo "manage.py check --deploy --fail-level WARNING  (DEBUG off, HTTPS on, random key)"
	@$(CHECK_ENV) $(MANAGE) check --deploy --fail-level WARNING
	@$(MAKE) --no-print-directory mypy

mypy: install  ## mypy: fail on an error not in mypy-baseline.txt, or on an entry now gone
	@echo "scripts/mypy_baseline.py check"
	@$(CHECK_ENV) $(PY) scripts/mypy_baseline.py check

mypy-baseline: install  ## rewrite mypy-baseline.txt from today's mypy errors
	@echo "scripts/mypy_baseline.py update"
	@$(CHECK_ENV) $(PY) scripts/mypy_baseline.py update

coverage-floor: install  ## run the whole suite, then set the coverage floor to its figure
	$(MAKE) test PYTEST_ARGS=-q COV_FAIL_UNDER=0
	$(PY) scripts/coverage_floor.py --write

# After merging branches: both records follow the merged code; review `git diff` and commit.
baselines: mypy-baseline coverage-floor  ## after a merge: rewrite the mypy baseline and coverage floor

bench-import: install  ## parsers, file import, E-utilities and peak memory on synthetic records (docs/benchmarks.md)
	$(PY) -u benchmarks/bench_import.py

# 200,000 synthetic papers + the dataset in irtkb_bench, gunicorn (DEBUG off), wrk; BENCH_ARGS
# e.g. "--reload" or "--papers 20000". Needs the machine's PostgreSQL (pg_trgm) and wrk.
bench-web: install  ## 200,000 synthetic papers, then pages and search under load (needs wrk)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) benchmarks/web.py $(BENCH_ARGS)

clean:  ## remove .venv, .tools, var/run and coverage data
	rm -rf $(VENV) $(TOOLS) var/run .coverage .coverage.* htmlcov .mypy_cache
