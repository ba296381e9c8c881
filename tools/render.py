"""Write a stack's Kubernetes manifests without a cluster, a backend or the Pulumi CLI: `make render STACK=prod`.

The program runs under Pulumi's mocks, as the tests run it. Secrets cannot be decrypted without the CLI, so
placeholders stand in for all of them: the Secret shows its shape, never a real value. Names that Pulumi
would auto-generate end in `-rendered` instead of a random suffix.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import pulumi

from components.builders.chart_values import to_yaml
from components.stack_file import StackFileError
from tools.offline import ROOT, ProgramRun, RecordingMocks, run_program, stack_file_config, unwrap_secret

PLACEHOLDER = "placeholder-for-"
PLACEHOLDER_HASH = "$2y$04$" + "placeholder" * 4 + "placeholder"[:9]
# The salt key must be base64 of 32 bytes to pass validation; this one decodes to the placeholder text.
PLACEHOLDER_SALT_KEY = base64.b64encode(f"{PLACEHOLDER}htpasswdSaltKey".encode().ljust(32, b".")).decode()
# A kubeconfig must parse as one to pass validation; this one names the placeholder and reaches nothing.
PLACEHOLDER_KUBECONFIG = "clusters: [{{name: p, cluster: {{server: 'https://{}.invalid'}}}}]\nusers: [{{name: p}}]\n"
_HEAD = ("apiVersion", "kind", "metadata")
HELM_CHART = "kubernetes:helm.sh/v4:Chart"


def placeholder_config(stack: str) -> tuple[dict[str, Any], set[str], list[str]]:
    """The stack file's config with a placeholder for each secret, and the config paths that got one."""
    filled: list[str] = []

    def placeholder(path: str) -> str:
        filled.append(path)
        # A pre-hashed htpasswd entry must look like a hash to pass validation; no password matches this one.
        if path.endswith(".htpasswd"):
            return PLACEHOLDER_HASH
        return PLACEHOLDER_SALT_KEY if path == "htpasswdSaltKey" else f"{PLACEHOLDER}{path}"

    config, secret_keys = stack_file_config(stack, placeholder)
    # Secrets set with `pulumi config set --secret` on another machine are not in the file at all.
    for index, user in enumerate(config.get("users") or []):
        if isinstance(user, dict) and not {"password", "htpasswd"} & set(user):
            user["password"] = placeholder(f"users[{index}].password")
            secret_keys.add("users")
    for index, registry in enumerate(config.get("registries") or []):
        credentials = registry.get("credentials") if isinstance(registry, dict) else None
        if isinstance(credentials, dict) and "password" not in credentials:
            credentials["password"] = placeholder(f"registries[{index}].credentials.password")
            secret_keys.add("registries")
    pull_user = (config.get("nodes") or {}).get("pullUser")
    if isinstance(pull_user, dict) and "password" not in pull_user:
        pull_user["password"] = placeholder("nodes.pullUser.password")
        secret_keys.add("nodes")
    app, storage = config.get("app") or {}, config.get("storage") or {}
    if app.get("cluster") and storage.get("persistence", True) and "kubeconfig" not in storage:
        # The stack file asks for it (its header): the claim is then the program's own, as after `config set`.
        config["storage"] = {**storage, "kubeconfig": PLACEHOLDER_KUBECONFIG.format(placeholder("storage.kubeconfig"))}
        secret_keys.add("storage")
    if "htpasswdSaltKey" not in config and {"users", "registries", "nodes"} & secret_keys:
        config["htpasswdSaltKey"] = placeholder("htpasswdSaltKey")
        secret_keys.add("htpasswdSaltKey")
    return config, secret_keys, filled


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    """Every Kubernetes object the program registered, core objects before custom resources that name them.

    Sorted, not in registration order: Pulumi registers from worker threads, so that order varies.
    """
    objects = []
    for resource in run.resources:
        if not resource.type.startswith("kubernetes:"):
            continue  # the component and providers are Pulumi's own, not Kubernetes objects
        # Secret wrappers hold only placeholders and what is derived from them here.
        state = unwrap_secret(resource.state)
        if resource.type == HELM_CHART:
            state = chart_document(state)
        metadata = state["metadata"]
        state["metadata"] = {key: metadata[key] for key in ("name", "namespace") if key in metadata} | {
            key: dict(sorted(value.items())) if isinstance(value, dict) else value
            for key, value in sorted(metadata.items())
            if key not in ("name", "namespace")
        }
        objects.append(
            {key: state[key] for key in _HEAD} | {key: state[key] for key in sorted(state) if key not in _HEAD}
        )
    return sorted(objects, key=lambda o: ("/" in o["apiVersion"], o["kind"], o["metadata"]["name"]))


def chart_document(inputs: dict[str, Any]) -> dict[str, Any]:
    """Pulumi's helm.v4.Chart is no Kubernetes object: what it renders is `helm template` of this chart, release
    and values (written as a pseudo-object, kind HelmChart, to read, not to apply)."""
    return {
        "apiVersion": "helm.sh/v4",
        "kind": "HelmChart",
        "metadata": {"name": inputs["name"], "namespace": inputs["namespace"]},
        "spec": {
            "repository": inputs["repositoryOpts"]["repo"],
            "chart": inputs["chart"],
            "version": inputs["version"],
            "values": inputs["values"],
        },
    }


def render(stack: str, out: Path) -> tuple[list[Path], list[str]]:
    """Write one file per object, plus outputs.yaml; replaces what an earlier render left in `out`.

    Returns the files written and the warnings the program logged, which a preview would show.
    """
    config, secret_keys, filled = placeholder_config(stack)
    run = run_program(stack, config, secret_keys, mocks=RecordingMocks(name_suffix="rendered"))
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("[0-9][0-9]-*.yaml"), out / "outputs.yaml"]:
        old.unlink(missing_ok=True)
    placeholders = ", ".join(filled) or "none"
    note = f"# Rendered offline from Pulumi.{stack}.yaml by `make render`. Placeholders: {placeholders}\n"
    written = []
    for index, manifest in enumerate(manifests(run), start=1):
        path = out / f"{index:02d}-{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"
        path.write_text(note + to_yaml(manifest))
        written.append(path)
    outputs = out / "outputs.yaml"
    shown = {key: "[secret]" if key in run.secret_outputs else value for key, value in run.outputs.items()}
    outputs.write_text(note + to_yaml(shown))
    return [*written, outputs], run.warnings


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: python -m tools.render STACK [OUT_DIR]   (default OUT_DIR: rendered/STACK)", file=sys.stderr)
        return 2
    stack = argv[0]
    if not (ROOT / f"Pulumi.{stack}.yaml").exists():
        print(f"no stack file Pulumi.{stack}.yaml in {ROOT}", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) == 2 else ROOT / "rendered" / stack
    try:
        written, warnings = render(stack, out)
    except (pulumi.RunError, StackFileError) as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
