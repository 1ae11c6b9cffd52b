# Newcomers need two commands on a machine with only Python 3.11 and make:
#   make run    - start govsocial (embedded PostgreSQL and Redis unless DATABASE_URL/REDIS_URL)
#   make test   - run every check and test; extra pytest arguments: make test ARGS="-k archive"
#   make manage ARGS="archive_verify" - one manage.py command on make run's servers and secrets
#   make emulator PORT=8100 - the network emulator alone (X, Graph, Mastodon, Bluesky)
# Both bootstrap first: .tools (pinned uv), .venv, and a hash-checked sync of
# requirements/dev.lock whenever the lock is newer than the last sync.

SHELL := /bin/sh
.DEFAULT_GOAL := help

# python3.11 when installed under that name, else python3 (checked below).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
UV_VERSION := 0.13.8
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
UV_STAMP := $(TOOLS)/.uv-$(UV_VERSION)
LOCK := requirements/dev.lock
SYNC_STAMP := $(VENV)/.synced-dev-lock
ARGS ?=
BENCH ?=

.PHONY: help run test bench manage totp emulator bootstrap

help:
	@echo "make run    start govsocial on http://127.0.0.1:$${PORT:-8000}/"
	@echo "make test   run ruff, mypy and pytest (pytest arguments: ARGS=\"-k archive\")"
	@echo "make bench  run every benchmark in bench/ (each prints JSON lines)"
	@echo "make bench BENCH=publish ARGS=\"--posts 100\"   one benchmark, with its options"
	@echo "make manage ARGS=\"archive_verify\"   a manage.py command on make run's data and servers"
	@echo "make totp EMAIL=admin@riverton.example   a demo user's current two-factor code"
	@echo "make emulator PORT=8100   the network emulator alone (ARGS=\"--latency-ms 100 --seed 7\")"

# exec: make then waits on the launcher itself, which stops its servers on Ctrl-C.
run: bootstrap
	exec $(VENV)/bin/python -m govsocial.launch run

test: bootstrap
	exec $(VENV)/bin/python -m govsocial.launch test $(ARGS)

# Options go to the one benchmark BENCH names: each script refuses the others' options.
bench: bootstrap
	exec $(VENV)/bin/python -m govsocial.launch bench $(BENCH) $(ARGS)

manage: bootstrap
	exec $(VENV)/bin/python -m govsocial.launch manage $(ARGS)

totp: bootstrap
	exec $(VENV)/bin/python -m govsocial.launch totp $(EMAIL)

emulator: bootstrap
	exec $(VENV)/bin/python -m emulator --host 127.0.0.1 --port $(or $(PORT),8100) $(ARGS)

bootstrap: $(SYNC_STAMP)

# The stamp names the uv version, so changing UV_VERSION reinstalls uv.
$(UV_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ echo "Python 3.11 is required (found: '$(PYTHON)'); set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@if ! $(UV) --version 2>/dev/null | grep -q '^uv $(UV_VERSION) '; then \
		set -x; \
		$(PYTHON) -m venv $(TOOLS) && \
		$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); \
	fi
	@touch $@

$(VENV)/bin/python: | $(UV_STAMP)
	$(UV) venv --clear --no-python-downloads --python $(PYTHON) $(VENV)

$(SYNC_STAMP): $(LOCK) | $(VENV)/bin/python
	VIRTUAL_ENV=$(VENV) $(UV) pip sync --require-hashes $(LOCK)
	touch $@
