# The single entry point: people, pre-commit and CI run these targets. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

UV_VERSION := 0.13.9
TOOLS := .tools
# A uv on the PATH is used as it is; otherwise a pinned uv is installed into .tools/ (its own venv, made by the
# machine's python3, since a system Python may refuse a global pip install and `uv sync` would remove a uv
# living inside the project environment).
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/$(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
# the real interpreter behind python3 (a pyenv shim path would look like another Python to uv)
export UV_PYTHON := $(or $(UV_PYTHON),$(shell python3 -c 'import sys; print(sys.executable)'))
MEMBERS := shared gateway identity complaints permits
SERVICES := identity complaints permits
PYTEST_ARGS ?=

# members with a pyproject, plus test-only folders at the root (deploy: images, compose; e2e: the whole platform)
member_dir = $(if $(filter $(1),shared gateway deploy e2e),$(1),svc-$(1))

# (pattern targets such as test-% and migrate-% must not be .PHONY: make skips pattern rules for phony targets)
.PHONY: help all env run migrate seed test lint typecheck fmt check-migrations clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_%-]+:.*## / {printf "  %-20s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

all: lint typecheck test ## What CI runs on one database (lint, typecheck, test)

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: uv.lock pyproject.toml $(foreach m,$(MEMBERS),$(call member_dir,$(m))/pyproject.toml) | $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --locked --all-packages
	@touch $@

env: .venv/.synced ## Create or update the environment from uv.lock

run: env migrate seed ## Run the whole platform on embedded defaults: gateway on http://127.0.0.1:8000
	$(UV) run --no-sync python scripts/dev_run.py

migrate: $(addprefix migrate-,$(SERVICES)) ## Migrate every service's database to its Alembic head

migrate-%: env ## Migrate one service: make migrate-permits
	cd svc-$* && $(UV) run --no-sync alembic upgrade head

seed: env ## Seed development data (holiday calendars, demo accounts -> var/demo-credentials.json)
	@for s in $(SERVICES); do $(UV) run --no-sync python -m siantar_$$s seed; done

test: $(addprefix test-,$(MEMBERS) deploy e2e) ## Run every member's tests (SQLite, or PostgreSQL with TEST_DATABASE_URL)

test-%: env ## Test one member: make test-complaints
	$(UV) run --no-sync pytest $(call member_dir,$*)/tests $(PYTEST_ARGS)

lint: env ## ruff format --check and ruff check
	$(UV) run --no-sync ruff format --check .
	$(UV) run --no-sync ruff check .

fmt: env ## Format and autofix
	$(UV) run --no-sync ruff format .
	$(UV) run --no-sync ruff check --fix .

typecheck: env ## mypy --strict on every member's source
	$(UV) run --no-sync mypy shared/src gateway/src svc-identity/src svc-complaints/src svc-permits/src scripts

check-migrations: env ## Each service's Alembic head matches its models (on TEST_DATABASE_URL or SQLite)
	@for s in $(SERVICES); do $(UV) run --no-sync pytest svc-$$s/tests/test_migrations.py -q $(PYTEST_ARGS); done

revision-%: env ## New migration: make revision-permits m="add retribusi due date"
	cd svc-$* && $(UV) run --no-sync alembic revision --autogenerate -m "$(m)"

clean: ## Remove the environment and local data (var/)
	rm -rf .venv var
