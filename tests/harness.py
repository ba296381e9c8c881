"""Test helpers around tools.offline: the stand-in secrets each stack needs, and diffs between two runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.tls import sample_ca_pem
from tools.offline import (
    ROOT,
    ProgramRun,
    RecordingMocks,
    Resource,
    is_secret_value,
    path_parts,
    set_path,
    stack_file_config,
    standin_salt_key,
    unwrap_secret,
)
from tools.offline import run_program as run_offline
from tools.stacks import stacks

__all__ = [
    "ROOT",
    "ProgramRun",
    "RecordingMocks",
    "Resource",
    "is_secret_value",
    "set_path",
    "stacks",
    "standin_salt_key",
    "unwrap_secret",
]

# Frozen copies of the example stacks: tests with fixed expectations read these, never the stack files a team edits.
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
APP = "kubernetes:application.giantswarm.io/v1alpha1:App"


# A kubeconfig that passes validation and visibly reaches no cluster.
STANDIN_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: standin, cluster: {server: "https://standin.invalid"}}]
users: [{name: standin, user: {token: standin-token}}]
contexts: [{name: standin, context: {cluster: standin, user: standin}}]
current-context: standin
"""

# Stand-ins for the secrets each fixture stack asks for (see its header); they are no real secrets.
STANDIN_SECRETS: dict[str, dict[str, str]] = {
    "dev": {},
    "prod": {
        "htpasswdSaltKey": standin_salt_key("standin-salt-key"),
        "users[0].password": "standin-admin-password",
        "users[1].password": "standin-reader-password",
        "users[2].password": "standin-metrics-password",
        "registries[1].credentials.password": "standin-registry-token",
        "nodes.pullUser.password": "standin-node-pull-password-0123456789",
        "storage.kubeconfig": STANDIN_KUBECONFIG,
    },
}
# Config the stack files ask to be set that is no secret but must be real to pass: the CA nodes trust (a fresh
# one per run; prod's header says how to set the real one).
STANDIN_CAS: dict[str, list[str]] = {"prod": ["nodes.ca"]}


def stack_config(stack: str, secrets: dict[str, str] | None = None) -> tuple[dict[str, Any], set[str]]:
    """The fixture stack's config with `secure:` values and the secrets it asks for replaced by stand-ins."""
    config, secret_keys = stack_file_config(stack, lambda path: f"standin-secure-{path}", FIXTURES)
    for path, value in (STANDIN_SECRETS.get(stack, {}) if secrets is None else secrets).items():
        set_path(config, path, value)
        secret_keys.add(str(path_parts(path)[0]))
    for path in STANDIN_CAS.get(stack, []):
        set_path(config, path, sample_ca_pem())
    return config, secret_keys


def run_program(
    stack: str,
    config: dict[str, Any] | None = None,
    secret_keys: set[str] | None = None,
    preview: bool = False,
    mocks: RecordingMocks | None = None,
) -> ProgramRun:
    """tools.offline.run_program beside the fixture stack files, by default on the fixture with stand-in secrets."""
    if config is None:
        config, default_secret_keys = stack_config(stack)
        secret_keys = default_secret_keys if secret_keys is None else secret_keys
    return run_offline(stack, config, secret_keys or set(), preview, mocks, FIXTURES)


def named(run: ProgramRun, key: str) -> Resource:
    """The resource `type::name` (the keys of resource_inputs and changed_inputs)."""
    (found,) = [r for r in run.resources if f"{r.type}::{r.name}" == key]
    return found


def values_config_map(run: ProgramRun) -> Resource:
    """The chart values ConfigMap: with metrics on, the dashboard is a ConfigMap too."""
    (found,) = [r for r in run.resources if r.type == CONFIG_MAP and r.name.endswith("-values")]
    return found


def secret_values(run: ProgramRun) -> dict[str, Any]:
    """The chart values in the Secret, which must reach the engine as a Pulumi secret."""
    string_data = run.one(SECRET).inputs["stringData"]
    assert is_secret_value(string_data), "Secret stringData must reach the engine as a Pulumi secret"
    values: dict[str, Any] = yaml.safe_load(unwrap_secret(string_data)["values"])
    return values


def resource_inputs(run: ProgramRun) -> dict[str, str]:
    """Each resource's inputs as canonical JSON, keyed by `type::name`: what the engine diffs."""
    return {f"{r.type}::{r.name}": json.dumps(r.inputs, sort_keys=True) for r in run.resources}


def changed_inputs(before: ProgramRun, after: ProgramRun) -> set[str]:
    """`type::name` of every resource whose inputs differ, or that only one of the runs registered."""
    first, second = resource_inputs(before), resource_inputs(after)
    return {key for key in first.keys() | second.keys() if first.get(key) != second.get(key)}


def changed_paths(before: Any, after: Any, path: str = "") -> set[str]:
    """Dotted paths of the leaves that differ between two values (a type change counts at its path)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return {
            changed
            for key in before.keys() | after.keys()
            for changed in changed_paths(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        }
    return set() if before == after else {path}


def changed_outputs(before: ProgramRun, after: ProgramRun) -> set[str]:
    return {
        key for key in before.outputs.keys() | after.outputs.keys() if before.outputs.get(key) != after.outputs.get(key)
    }
