# The verbs people use: `make run`, `make test`, `make lint`, `make bench-…`.
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

.PHONY: help install run test test-embedded lint format bench-import bench-web clean

help:
	@echo "make run            install, start PostgreSQL/Redis/worker/web, load data: http://127.0.0.1:8000"
	@echo "make test           the whole test suite"
	@echo "make lint           ruff check and format check"

$(UV):
	@test -n "$(PYTHON)" || { echo "No Python >= 3.11 found; set PYTHON=/path/to/python3" >&2; exit 1; }
	"$(PYTHON)" -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python "$(PYTHON)"
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) scripts/run.py

# Tests run with DEBUG off, as production does; settings refuse to start without a key.
test: install
	SECRET_KEY="$${SECRET_KEY:-make-test-only-key-not-for-production}" $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-import: install
	$(PY) benchmarks/bench_import.py

# 200,000 synthetic papers + the dataset in irtkb_bench, gunicorn (DEBUG off), wrk; BENCH_ARGS
# e.g. "--reload" or "--papers 20000". Needs the machine's PostgreSQL (pg_trgm) and wrk.
bench-web: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) benchmarks/web.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var/run
