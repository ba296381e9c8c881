"""requirements.lock: the hash-locked packages `pulumi up` runs with agree with requirements.txt and the CLI pin."""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.harness import ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+) \\$")
_VIA_REQUIREMENTS = re.compile(r"^\s+#\s+(via )?-r requirements\.txt$")


def lock_entries() -> dict[str, tuple[str, int, bool]]:
    """Canonical name -> (version, number of hashes, listed in requirements.txt)."""
    entries: dict[str, tuple[str, int, bool]] = {}
    name = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if pin := _PIN.match(line):
            name = canonicalize_name(pin["name"])
            entries[name] = (pin["version"], 0, False)
        elif line.strip().startswith("--hash=sha256:"):
            version, hashes, direct = entries[name]
            entries[name] = (version, hashes + 1, direct)
        elif _VIA_REQUIREMENTS.match(line):
            version, hashes, _ = entries[name]
            entries[name] = (version, hashes, True)
    return entries


def requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def test_every_requirement_is_pinned_within_its_range_and_nothing_else_is_direct() -> None:
    entries = lock_entries()
    for requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{name} is in requirements.txt but not locked: run make lock"
        assert requirement.specifier.contains(entries[name][0]), f"{name}=={entries[name][0]}: run make lock"
    direct = {name for name, (_, _, is_direct) in entries.items() if is_direct}
    assert direct == {canonicalize_name(r.name) for r in requirements()}, "run make lock"


def test_every_locked_package_carries_hashes() -> None:
    assert len(lock_entries()) > len(requirements())  # the dependencies are locked too
    for name, (version, hashes, _) in lock_entries().items():
        assert hashes >= 1, f"{name}=={version} has no --hash; pip --require-hashes would refuse the file"


def test_the_tests_run_the_locked_versions() -> None:
    for name, (version, _, _) in lock_entries().items():
        assert metadata.version(name) == version, f"{name}: installed {metadata.version(name)}, locked {version}"


def test_the_cli_pin_matches_the_locked_sdk() -> None:
    """pulumi/actions installs the CLI named in .pulumi-version; the SDK and CLI are released together."""
    assert (ROOT / ".pulumi-version").read_text().strip() == lock_entries()["pulumi"][0]
