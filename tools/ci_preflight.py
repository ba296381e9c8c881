"""First step of every Pulumi job: stop with one clear message per missing secret, before anything runs.

Without it, an empty secret fails late and obscurely: pulumi/actions only warns when `pulumi login` fails and then
tries Pulumi Cloud, an empty KUBECONFIG becomes an empty file, and a stack file without its `encryptionsalt`
makes the CLI invent a new key that cannot decrypt the stack's secrets.

`python -m tools.ci_preflight preview|up STACK`, with the job's secrets and variables in the environment (only
whether each is set is read, never its value). Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTING_UP = "docs/ci.md, 'Setting it up'"


def _top_level(stack_file: str, key: str) -> str | None:
    match = re.search(rf"^{key}:[ \t]*(\S.*)$", stack_file, flags=re.MULTILINE)
    return match[1].strip().strip("'\"") if match else None


def problems(command: str, stack: str, env: Mapping[str, str], root: Path = ROOT) -> list[str]:
    """What is missing for `pulumi <command>` on `stack`, each with where to set it."""
    found: list[str] = []
    where = f"the GitHub environment this job runs in ({env.get('ENVIRONMENT', '?')})"

    def unset(name: str) -> bool:
        return not env.get(name, "").strip()

    path = root / f"Pulumi.{stack}.yaml"
    text = path.read_text() if path.is_file() else ""
    provider = _top_level(text, "secretsprovider")
    if not path.is_file():
        found.append(f"Pulumi.{stack}.yaml does not exist")
    elif provider is None and _top_level(text, "encryptionsalt") is None:
        found.append(
            f"Pulumi.{stack}.yaml has neither encryptionsalt nor secretsprovider: run `pulumi stack init {stack}` "
            "once (see docs/getting-started.md, 'First run') and commit the file; without them the CLI makes a new "
            "key that cannot decrypt this stack's secrets"
        )
    if unset("PULUMI_BACKEND_URL"):
        found.append(
            f"secret PULUMI_BACKEND_URL is empty: set it in {where}, e.g. s3://my-bucket/zot-cache; without it "
            "pulumi/actions logs in to Pulumi Cloud instead"
        )
    passphrase_provider = provider in (None, "passphrase")
    if passphrase_provider and unset("PULUMI_CONFIG_PASSPHRASE"):
        found.append(f"secret PULUMI_CONFIG_PASSPHRASE is empty: set it in {where} (the stack uses a passphrase)")
    if command == "up" and unset("KUBECONFIG_CONTENT"):
        found.append(f"secret KUBECONFIG is empty: set it in {where} to the kubeconfig `up` deploys with")
    uses_aws = env.get("PULUMI_BACKEND_URL", "").startswith("s3://") or (provider or "").startswith("awskms://")
    if uses_aws:
        if unset("AWS_REGION"):
            found.append(
                f"variable AWS_REGION is empty: the s3:// backend or awskms:// provider needs it ({SETTING_UP})"
            )
        if unset("AWS_ROLE_ARN") and (unset("AWS_ACCESS_KEY_ID") or unset("AWS_SECRET_ACCESS_KEY")):
            found.append(
                f"no AWS credentials: set the variable AWS_ROLE_ARN (OIDC), or the secrets AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY, in {where} ({SETTING_UP})"
            )
    return found


def main(argv: list[str], env: Mapping[str, str] = os.environ) -> int:
    if len(argv) != 2 or argv[0] not in ("preview", "up"):
        print("usage: python -m tools.ci_preflight preview|up STACK", file=sys.stderr)
        return 2
    command, stack = argv
    found = problems(command, stack, env)
    for problem in found:
        print(f"::error title={command} {stack}: not set up::{problem}")
    if not found and command == "preview" and not env.get("KUBECONFIG_CONTENT", "").strip():
        print(
            "::notice title=preview without a cluster::no KUBECONFIG in this environment: the preview compares the "
            "program with the stack's state only (pulumi-kubernetes warns that the cluster is unreachable)"
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
