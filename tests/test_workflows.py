"""The GitHub workflows: real action inputs only, checks before any Pulumi command, and properties that hold for
any set of stacks: each stack file is previewed on pull requests and planned, then deployed, on main, in one
chain that ends in prod.

`make lint` validates the files against GitHub's workflow schema; this checks what a schema cannot.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs import all_docs
from tests.harness import ROOT, stacks

WORKFLOWS = ROOT / ".github" / "workflows"
STACK_WORKFLOW = "./.github/workflows/stack.yml"

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
    "aws-actions/configure-aws-credentials": (
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
        "v6.2.3",
        frozenset(
            "action-timeout-s allowed-account-ids audience aws-access-key-id aws-profile aws-region "
            "aws-secret-access-key aws-session-token custom-tags disable-retry force-skip-oidc http-proxy "
            "inline-session-policy managed-session-policies mask-aws-account-id no-proxy output-credentials "
            "output-env-credentials overwrite-aws-profile retry-max-attempts role-chaining role-duration-seconds "
            "role-external-id role-session-name role-skip-session-tagging role-to-assume "
            "special-characters-workaround sts-endpoint transitive-tag-keys unset-current-credentials "
            "use-existing-credentials web-identity-token-file".split()
        ),
    ),
    "actions/upload-artifact": (
        "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
        "v7.0.0",
        frozenset(
            "archive compression-level if-no-files-found include-hidden-files name overwrite path "
            "retention-days".split()
        ),
    ),
    "actions/download-artifact": (
        "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        "v8.0.1",
        frozenset(
            "artifact-ids digest-mismatch github-token merge-multiple name path pattern repository run-id "
            "skip-decompress".split()
        ),
    ),
}
_LISTED = re.compile(r"^#\s+(?P<action>[\w.-]+/[\w.-]+)@(?P<version>v[\d.]+): (?P<inputs>.+)$")
_PINNED = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v[\d.]+)$")


def load(name: str) -> dict[str, Any]:
    return yaml_load(WORKFLOWS / name)


def yaml_load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
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


def stack_jobs(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in document["jobs"].items() if job.get("uses") == STACK_WORKFLOW}


def test_preview_runs_checks_then_one_preview_per_stack_file() -> None:
    preview = load("preview.yml")
    assert set(preview["on"]) == {"pull_request"}
    assert preview["permissions"] == {"contents": "read"}
    jobs = preview["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    # The matrix is whatever Pulumi.<stack>.yaml files the pull request has: a new stack is previewed unasked.
    (listing,) = [step for step in jobs["stacks"]["steps"] if step.get("id") == "list"]
    assert "python3 -m tools.stacks" in listing["run"]
    assert jobs["stacks"]["outputs"]["stacks"] == "${{ steps.list.outputs.stacks }}"
    (job,) = stack_jobs(preview).values()
    assert job["needs"] == ["checks", "stacks"]
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert job["with"] == {
        "command": "preview",
        "stack": "${{ matrix.stack }}",
        "environment": "${{ matrix.stack }}-preview",
    }
    # Forks get no secrets; PR comments need pull-requests: write, OIDC to the backend id-token: write.
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}


def up_chain(up: dict[str, Any]) -> list[str]:
    """The stacks in the order up.yml deploys them, checking each step of the chain on the way."""
    jobs = stack_jobs(up)
    order: list[str] = []
    after = "checks"
    while True:
        plans = [name for name, job in jobs.items() if job["needs"] == after and job["with"]["command"] == "preview"]
        if not plans:
            return order
        assert len(plans) == 1, f"{plans} all follow {after}: the stacks must deploy one after the other"
        (plan,) = plans
        stack = jobs[plan]["with"]["stack"]
        assert plan == f"{stack}-plan"
        assert jobs[plan]["with"] == {
            "command": "preview",
            "stack": stack,
            "environment": f"{stack}-plan",
            "plan": True,
        }
        assert jobs[stack]["needs"] == plan
        assert jobs[stack]["with"] == {"command": "up", "stack": stack, "environment": stack, "plan": True}
        order.append(stack)
        after = stack


def test_up_plans_then_deploys_every_stack_once_in_one_chain_ending_in_prod() -> None:
    up = load("up.yml")
    assert up["on"]["push"] == {"branches": ["main"]}
    assert up["permissions"] == {"contents": "read"}
    assert up["concurrency"]["cancel-in-progress"] is False
    assert up["jobs"]["checks"]["uses"] == "./.github/workflows/checks.yml"
    order = up_chain(up)
    assert sorted(order) == stacks(), "every stack file needs a <stack>-plan and a <stack> job in up.yml"
    assert len(stack_jobs(up)) == 2 * len(order)
    assert order[-1] == "prod"
    for job in stack_jobs(up).values():
        # workflow_dispatch can start the workflow on any branch; environments must not rely on that alone.
        assert job["if"] == "github.ref == 'refs/heads/main'"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["secrets"] == "inherit"


def test_only_jobs_that_run_pulumi_may_mint_oidc_tokens() -> None:
    for path in files():
        document = load(path.name)
        for name, job in document["jobs"].items():
            if job.get("uses") != STACK_WORKFLOW:
                assert "id-token" not in (job.get("permissions") or {}), f"{path.name}: {name}"
        assert "id-token" not in (document.get("permissions") or {}), path.name


def step(job: dict[str, Any], uses_or_name: str) -> dict[str, Any]:
    (found,) = [s for s in job["steps"] if s.get("uses", "").startswith(uses_or_name) or s.get("name") == uses_or_name]
    return found


def test_stack_workflow_checks_secrets_first_and_installs_the_locked_program() -> None:
    (job,) = load("stack.yml")["jobs"].values()
    assert job["environment"] == "${{ inputs.environment }}"
    assert "permissions" not in job  # the caller's, so up jobs cannot comment and only callers grant OIDC
    runs = [s.get("run", "") for s in job["steps"]]
    preflight = next(i for i, run in enumerate(runs) if "tools.ci_preflight" in run)
    install = next(i for i, run in enumerate(runs) if run == "make venv")
    pulumi = next(i for i, s in enumerate(job["steps"]) if s.get("uses", "").startswith("pulumi/actions"))
    assert preflight < install < pulumi
    # Every secret the job reads is checked by the preflight step.
    text = (WORKFLOWS / "stack.yml").read_text()
    used = set(re.findall(r"secrets\.([A-Z_]+)", text))
    checked = {
        value.removeprefix("${{ secrets.").removesuffix(" }}") for value in job["steps"][preflight]["env"].values()
    }
    assert used <= checked
    # Pulumi.yaml names ./venv; the action installs no requirements itself. `make venv` is the recipe
    # tests/test_lock.py checks: requirements.lock alone, hashes required; nothing else installs packages.
    assert not [run for run in runs if "pip install" in run]
    assert yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]["options"]["virtualenv"] == "venv"
    kubeconfig = step(job, "Write the kubeconfig")
    assert 'if [ -n "$KUBECONFIG_CONTENT" ]' in kubeconfig["run"]


def test_stack_workflow_runs_the_pinned_cli_and_applies_the_saved_plan() -> None:
    (job,) = load("stack.yml")["jobs"].values()
    pulumi = step(job, "pulumi/actions")
    given = pulumi["with"]
    assert given["command"] == "${{ inputs.command }}"
    assert given["stack-name"] == "${{ inputs.stack }}"
    assert given["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert given["pulumi-version-file"] == ".pulumi-version"
    assert (ROOT / ".pulumi-version").is_file()
    assert given["diff"] is True
    assert given["comment-on-pr"] is True
    assert given["comment-on-summary"] is True
    assert pulumi["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"
    plan_file = "format('{0}/plan/{1}.json', runner.temp, inputs.stack)"
    assert given["plan"] == f"${{{{ inputs.plan && {plan_file} || '' }}}}"
    upload, download = step(job, "actions/upload-artifact"), step(job, "actions/download-artifact")
    assert upload["if"] == "inputs.plan && inputs.command == 'preview'"
    assert download["if"] == "inputs.plan && inputs.command == 'up'"
    assert upload["with"]["name"] == download["with"]["name"] == "plan-${{ inputs.stack }}"
    assert upload["with"]["path"] == "${{ runner.temp }}/plan/${{ inputs.stack }}.json"
    assert download["with"]["path"] == "${{ runner.temp }}/plan"
    assert job["steps"].index(download) < job["steps"].index(pulumi) < job["steps"].index(upload)


def test_stack_workflow_marks_or_replaces_the_pr_comment_whatever_happened() -> None:
    (job,) = load("stack.yml")["jobs"].values()
    (marker,) = [s for s in job["steps"] if "tools.pr_comment" in s.get("run", "")]
    assert marker["if"] == "always() && github.event_name == 'pull_request' && inputs.command == 'preview'"
    assert marker["env"]["OUTCOME"] == "${{ steps.pulumi.outcome }}"
    assert marker["env"]["HEAD_SHA"] == "${{ github.event.pull_request.head.sha }}"
    assert job["steps"][-1] is marker


def test_aws_credentials_come_from_oidc_or_static_keys_only_when_aws_is_configured() -> None:
    (job,) = load("stack.yml")["jobs"].values()
    aws = step(job, "aws-actions/configure-aws-credentials")
    assert aws["if"] == "vars.AWS_REGION != ''"
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert aws["with"]["aws-access-key-id"] == "${{ secrets.AWS_ACCESS_KEY_ID }}"


def test_checks_workflow_runs_what_ci_runs() -> None:
    (job,) = load("checks.yml")["jobs"].values()
    assert [step["run"] for step in job["steps"] if "run" in step] == ["bash .ci/run"]
    assert "make check" in (ROOT / ".ci" / "run").read_text()


def readme_up_jobs_for_a_new_stack() -> str:
    """The up.yml jobs README's "Adding a stack" gives for staging, as they would be pasted under `jobs:`."""
    section = all_docs().split("### Adding a stack", 1)[1].split("\n## ", 1)[0]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    return textwrap.indent(textwrap.dedent(block), "  ")


def test_the_cli_is_installed_only_after_its_sha256_matches_the_release_checksums() -> None:
    """pulumi/actions v7.0.0 has no checksum input (ACTIONS lists its inputs) and skips its own unchecked download
    when the version it is given is already on PATH (src/libs/pulumi-cli.ts L79-96): a step before it installs
    that version from the tarball whose sha256 the release's checksums file, fetched from a second origin, lists."""
    assert not {name for name in ACTIONS["pulumi/actions"][2] if "checksum" in name or "sha" in name}
    (job,) = load("stack.yml")["jobs"].values()
    pulumi = step(job, "pulumi/actions")
    install = step(job, "Install the Pulumi CLI in .pulumi-version, checked against the release's published sha256")
    assert job["steps"].index(install) == job["steps"].index(pulumi) - 1
    assert pulumi["with"]["pulumi-version-file"] == ".pulumi-version"  # the same version, so the action keeps it
    lines = [line.strip() for line in install["run"].strip().splitlines()]
    assert lines[0] == 'version="$(cat .pulumi-version)"'
    downloads = [line for line in lines if line.startswith("curl ")]
    assert all("-fsSL --proto '=https'" in line for line in downloads)
    assert 'https://get.pulumi.com/releases/sdk/${tarball}"' in downloads[0]
    assert lines[lines.index(downloads[1]) + 1].startswith(
        '"https://github.com/pulumi/pulumi/releases/download/v${version}/pulumi-${version}-checksums.txt"'
    )
    # Only the tarball's own line, whole; sha256sum fails on a mismatch and on no line at all.
    check = 'grep -E "^[0-9a-f]{64}  ${tarball}\\$" checksums.txt | sha256sum --check --strict'
    assert (
        lines.index(check)
        < lines.index('tar -xzf "$tarball"')
        < lines.index('echo "$RUNNER_TEMP/pulumi" >> "$GITHUB_PATH"')
    )


def test_the_cli_check_refuses_a_tampered_tarball(tmp_path: Path) -> None:
    """The check line of the step above, run with bash on a tarball and a checksums file of our own."""
    (job,) = load("stack.yml")["jobs"].values()
    install = step(job, "Install the Pulumi CLI in .pulumi-version, checked against the release's published sha256")
    (check,) = [line.strip() for line in install["run"].splitlines() if "sha256sum" in line]
    tarball = "pulumi-v3.0.0-linux-x64.tar.gz"
    (tmp_path / tarball).write_bytes(b"the released tarball")
    digest = hashlib.sha256(b"the released tarball").hexdigest()
    other = hashlib.sha256(b"another platform").hexdigest()

    def run(checksums: str) -> int:
        (tmp_path / "checksums.txt").write_text(checksums)
        script = f"tarball={tarball}\n{check}\n"
        return subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, check=False).returncode

    listed = f"{other}  pulumi-v3.0.0-darwin-x64.tar.gz\n{digest}  {tarball}\n"
    assert run(listed) == 0
    (tmp_path / tarball).write_bytes(b"a tampered tarball")
    assert run(listed) != 0
    (tmp_path / tarball).write_bytes(b"the released tarball")
    assert run(f"{other}  pulumi-v3.0.0-darwin-x64.tar.gz\n") != 0  # no line for this tarball
    assert run(f"{digest}  {tarball}.sig\n") != 0  # a line for another file
