"""tools/ci_preflight.py: each missing secret or stack-file key is named before any Pulumi command runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import ci_preflight

SALTED = "encryptionsalt: v1:abc==\nconfig:\n  zot-cache:app: {}\n"
KMS = "secretsprovider: awskms://alias/zot-cache-prod?region=eu-central-1\nencryptedkey: AbC=\nconfig: {}\n"
COMPLETE = {
    "PULUMI_BACKEND_URL": "s3://bucket/zot-cache",
    "PULUMI_CONFIG_PASSPHRASE": "passphrase",
    "KUBECONFIG_CONTENT": "apiVersion: v1",
    "AWS_REGION": "eu-central-1",
    "AWS_ROLE_ARN": "arn:aws:iam::1:role/zot-cache",
    "ENVIRONMENT": "prod",
}


def problems(tmp_path: Path, command: str, stack_file: str, **env: str) -> list[str]:
    (tmp_path / "Pulumi.prod.yaml").write_text(stack_file)
    return ci_preflight.problems(command, "prod", {**COMPLETE, **env}, tmp_path)


def test_a_complete_environment_passes(tmp_path: Path) -> None:
    assert problems(tmp_path, "up", SALTED) == []
    assert problems(tmp_path, "up", KMS, PULUMI_CONFIG_PASSPHRASE="") == []
    # Static keys instead of OIDC; a non-AWS backend needs no AWS settings.
    assert problems(tmp_path, "up", SALTED, AWS_ROLE_ARN="", AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s") == []
    assert problems(tmp_path, "up", SALTED, PULUMI_BACKEND_URL="gs://bucket", AWS_REGION="", AWS_ROLE_ARN="") == []


@pytest.mark.parametrize(
    ("command", "stack_file", "env", "expected"),
    [
        ("preview", SALTED, {"PULUMI_BACKEND_URL": " "}, "secret PULUMI_BACKEND_URL is empty: set it in the GitHub"),
        ("preview", SALTED, {"PULUMI_CONFIG_PASSPHRASE": ""}, "secret PULUMI_CONFIG_PASSPHRASE is empty"),
        ("up", SALTED, {"KUBECONFIG_CONTENT": ""}, "secret KUBECONFIG is empty: set it in the GitHub environment"),
        ("up", "config: {}\n", {}, "Pulumi.prod.yaml has neither encryptionsalt nor secretsprovider"),
        ("up", KMS, {"AWS_REGION": ""}, "variable AWS_REGION is empty"),
        ("up", SALTED, {"AWS_ROLE_ARN": "", "AWS_ACCESS_KEY_ID": "k"}, "no AWS credentials: set the variable"),
    ],
)
def test_each_gap_is_named(tmp_path: Path, command: str, stack_file: str, env: dict[str, str], expected: str) -> None:
    (found,) = problems(tmp_path, command, stack_file, **env)
    assert found.startswith(expected)
    assert "(prod)" in found or "Pulumi.prod.yaml" in found or "docs/ci.md" in found


def test_a_preview_may_run_without_a_cluster(tmp_path: Path) -> None:
    assert problems(tmp_path, "preview", SALTED, KUBECONFIG_CONTENT="") == []


def test_command_line_reports_all_problems_as_annotations_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert ci_preflight.main(["up", "dev"], {}) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines
    assert all(line.startswith("::error title=up dev: not set up::") for line in lines)
    assert any("PULUMI_BACKEND_URL" in line for line in lines)
    assert ci_preflight.main(["deploy", "dev"], {}) == 2


def test_values_are_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    env = {**COMPLETE, "AWS_REGION": "", "PULUMI_CONFIG_PASSPHRASE": "do-not-print-me"}
    ci_preflight.main(["up", "prod"], env)
    assert "do-not-print-me" not in capsys.readouterr().out
