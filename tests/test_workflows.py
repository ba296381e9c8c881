"""The GitHub workflows: real action inputs only, checks before any Pulumi command, one preview per stack.

`make lint` validates the files against GitHub's workflow schema; this checks what a schema cannot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import ROOT, stacks

WORKFLOWS = ROOT / ".github" / "workflows"

# Inputs of each pinned action, read from its action.yml at that commit.
ACTIONS: dict[str, tuple[str, str, frozenset[str]]] = {
    "actions/checkout": (
        "3d3c42e5aac5ba805825da76410c181273ba90b1",
        "v7.0.1",
        frozenset(
            "allow-unsafe-pr-checkout clean fetch-depth fetch-tags filter github-server-url lfs path "
            "persist-credentials ref repository set-safe-directory show-progress sparse-checkout "
            "sparse-checkout-cone-mode ssh-key ssh-known-hosts ssh-strict ssh-user submodules token".split()
        ),
    ),
    "actions/setup-python": (
        "5fda3b95a4ea91299a34e894583c3862153e4b97",
        "v7.0.0",
        frozenset(
            "allow-prereleases architecture cache cache-dependency-path check-latest freethreaded pip-version "
            "python-version python-version-file token update-environment".split()
        ),
    ),
    "pulumi/actions": (
        "8e5e406f4007fca908480587cb9893c07090f58d",
        "v7.0.0",
        frozenset(
            "always-include-summary cloud-url color command comment-on-pr comment-on-pr-number comment-on-summary "
            "config-map continue-on-error debug diff edit-pr-comment exclude exclude-dependents exclude-protected "
            "expect-no-changes github-token log-flow log-verbosity message parallel plan policyPackConfigs "
            "policyPacks pulumi-version pulumi-version-file refresh remove replace secrets-provider stack-name "
            "suppress-outputs suppress-progress target target-dependents upsert work-dir".split()
        ),
    ),
}
_LISTED = re.compile(r"^#\s+(?P<action>[\w.-]+/[\w.-]+)@(?P<version>v[\d.]+): (?P<inputs>.+)$")
_PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v[\d.]+)$")


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as true.
    document["on"] = document.pop(True)
    return document


def files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", files(), ids=lambda path: path.name)
def test_actions_are_pinned_and_given_only_their_inputs(path: Path) -> None:
    text = path.read_text()
    used: dict[str, set[str]] = {}
    for line in text.splitlines():
        uses = line.strip().removeprefix("- ").removeprefix("uses: ") if "uses: " in line else None
        if uses is None or uses.startswith("./"):
            continue
        pinned = _PINNED.match(uses)
        assert pinned, f"{path.name}: {uses!r} is not pinned as <action>@<commit> # <version>"
        sha, version, _ = ACTIONS[pinned["action"]]
        assert (pinned["sha"], pinned["version"]) == (sha, version)
        used.setdefault(pinned["action"], set())
    for step in steps(load(path.name)):
        action = step.get("uses", "").split("@")[0]
        if action in ACTIONS:
            given = set(step.get("with", {}))
            assert given <= ACTIONS[action][2], f"{path.name}: {action} has no input {given - ACTIONS[action][2]}"
            used[action] |= given
    # The header comment lists exactly the inputs used, for a reviewer to check against action.yml.
    listed = {
        match["action"]: set(match["inputs"].split(", "))
        for match in map(_LISTED.match, text.splitlines())
        if match and match["action"] in ACTIONS
    }
    assert listed == used


def test_workflows_only_call_workflows_that_exist() -> None:
    for path in files():
        for job in load(path.name)["jobs"].values():
            if job.get("uses", "").startswith("./"):
                called = load(Path(job["uses"]).name)
                assert "workflow_call" in called["on"]
                assert set(job.get("with", {})) <= set(called["on"]["workflow_call"].get("inputs") or {})
                required = {
                    name
                    for name, spec in (called["on"]["workflow_call"].get("inputs") or {}).items()
                    if spec.get("required")
                }
                assert required <= set(job.get("with", {}))


def test_preview_runs_checks_then_one_preview_per_stack() -> None:
    preview = load("preview.yml")
    assert set(preview["on"]) == {"pull_request"}
    assert preview["permissions"] == {"contents": "read"}
    jobs = preview["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    job = jobs["preview"]
    assert job["needs"] == "checks"
    assert job["uses"] == "./.github/workflows/stack.yml"
    assert job["strategy"]["matrix"]["stack"] == stacks()
    assert job["with"] == {
        "command": "preview",
        "stack": "${{ matrix.stack }}",
        "environment": "${{ matrix.stack }}-preview",
    }
    # Write access only where the comment is posted.
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_up_runs_checks_then_dev_then_prod_in_their_environments() -> None:
    up = load("up.yml")
    assert up["on"]["push"] == {"branches": ["main"]}
    assert up["permissions"] == {"contents": "read"}
    assert up["concurrency"]["cancel-in-progress"] is False
    jobs = up["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    assert (jobs["dev"]["needs"], jobs["prod"]["needs"]) == ("checks", "dev")
    for stack in stacks():
        assert jobs[stack]["with"] == {"command": "up", "stack": stack, "environment": stack}


def test_stack_workflow_runs_the_program_from_its_virtualenv() -> None:
    (job,) = load("stack.yml")["jobs"].values()
    assert job["environment"] == "${{ inputs.environment }}"
    names = [step.get("uses", step.get("run", "")).split("@")[0] for step in job["steps"]]
    assert names[0] == "actions/checkout"
    assert names[-1] == "pulumi/actions"
    # Pulumi.yaml names ./venv; the action installs no requirements itself.
    assert any("python -m venv venv && venv/bin/pip install" in name for name in names)
    pulumi = job["steps"][-1]
    assert pulumi["with"]["command"] == "${{ inputs.command }}"
    assert pulumi["with"]["stack-name"] == "${{ inputs.stack }}"
    assert pulumi["with"]["diff"] is True
    assert pulumi["with"]["comment-on-pr"] is True
    # Backend, passphrase and kubeconfig come from secrets, never from the repository's files.
    assert pulumi["with"]["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert pulumi["env"] == {"PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"}
    kubeconfig = next(step for step in job["steps"] if step.get("name") == "Write the kubeconfig")
    assert kubeconfig["env"] == {"KUBECONFIG_CONTENT": "${{ secrets.KUBECONFIG }}"}
    assert 'KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"' in kubeconfig["run"]
    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]["virtualenv"] == "venv"


def test_checks_workflow_runs_what_ci_runs() -> None:
    (job,) = load("checks.yml")["jobs"].values()
    assert [step["run"] for step in job["steps"] if "run" in step] == ["bash .ci/run"]
    assert "make check" in (ROOT / ".ci" / "run").read_text()
