# Fluxxfon: `make run` starts the service with demo data, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The simulator calls our own webhooks at the public address: by default, where `make run` serves.
FLUXX_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

# KERN, the design system of the staff pages, vendored in fluxx/static/kern/ (README "Design: KERN").
KERN_VERSION := 2.7.2

.PHONY: install run test bench lint format clean kern

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Simulation mode: no Twilio credentials, whatever the shell or .env says.
run: export FLUXX_PUBLIC_BASE_URL := $(FLUXX_PUBLIC_BASE_URL)
run: install
	FLUXX_TWILIO_ACCOUNT_SID= FLUXX_TWILIO_AUTH_TOKEN= $(BIN)/fluxx db upgrade
	FLUXX_TWILIO_ACCOUNT_SID= FLUXX_TWILIO_AUTH_TOKEN= $(BIN)/fluxx demo
	@echo "Fluxxfon startet auf http://$(HOST):$(PORT) (Simulationsmodus)."
	FLUXX_TWILIO_ACCOUNT_SID= FLUXX_TWILIO_AUTH_TOKEN= $(BIN)/fluxx serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The benchmarks (bench/, each script its own data and servers) and docs/benchmarks.md; QUICK=1: small sizes.
# Needs wrk (apt-get install wrk); FLUXX_BENCH_POSTGRES_URL adds PostgreSQL (a database of its own, e.g. `bench`).
QUICK ?=
bench: export QUICK := $(QUICK)
bench: install
	@command -v wrk >/dev/null || { echo "wrk fehlt: apt-get install wrk"; exit 1; }
	rm -rf bench/.results
	$(BIN)/python bench/incoming_calls.py
	$(BIN)/python bench/realistic_hour.py
	$(BIN)/python bench/yes_storm.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/case_search.py
	$(BIN)/python bench/bill_run.py
	$(BIN)/python bench/purge_under_calls.py
	$(BIN)/python bench/report.py

# ruff, the floors as import-linter contracts (pyproject.toml), and types (mypy --strict on every module).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Refresh the vendored KERN files from npm (`npm pack`); the only target that needs node. Commit the result.
kern:
	sh scripts/refresh-kern.sh $(KERN_VERSION)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
