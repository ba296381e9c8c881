"""Write a stack's Kubernetes manifests without a cluster, a backend or the Pulumi CLI: `make render STACK=prod`.

The program runs under Pulumi's mocks, as the tests run it. Secrets cannot be decrypted without the CLI, so
placeholders stand in for all of them, and every file's header names them: the Secret and the secret outputs show
their shape, never a real value. Names that Pulumi would auto-generate end in `-rendered` instead of a random
suffix. The same stack file gives the same bytes in any process, so two branches' renders diff cleanly.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import yaml

from components.builders.chart_values import to_yaml
from components.settings import Settings
from components.stack_file import StackFileError
from tools.offline import (
    ROOT,
    ProgramRun,
    RecordingMocks,
    as_sent,
    run_program,
    stack_file_config,
    standin_salt_key,
    unwrap_secret,
)

PLACEHOLDER = "placeholder-for-"
PLACEHOLDER_HASH = "$2y$04$" + "placeholder" * 4 + "placeholder"[:9]
# The salt key must be base64 of 32 random-looking bytes to pass validation; this one is derived from the placeholder.
PLACEHOLDER_SALT_KEY = standin_salt_key(f"{PLACEHOLDER}htpasswdSaltKey")
# A kubeconfig must parse as one to pass validation; this one names the placeholder and reaches nothing.
PLACEHOLDER_KUBECONFIG = "clusters: [{{name: p, cluster: {{server: 'https://{}.invalid'}}}}]\nusers: [{{name: p}}]\n"
# nodes.ca is no secret, but a stack asks for it like one (its header says how to fetch it): a CA certificate whose
# subject says what it is (CN=placeholder-for-nodes.ca; its key was thrown away), so the node files show their shape.
PLACEHOLDER_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBnTCCAUOgAwIBAgIUJODqxZO9GlAHenGeSyGjf0Jg6WEwCgYIKoZIzj0EAwIw\n"
    "IzEhMB8GA1UEAwwYcGxhY2Vob2xkZXItZm9yLW5vZGVzLmNhMCAXDTI2MTIwNTE4\n"
    "NDczNloYDzIxMjYxMTExMTg0NzM2WjAjMSEwHwYDVQQDDBhwbGFjZWhvbGRlci1m\n"
    "b3Itbm9kZXMuY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARS+DMUPBVdaE2I\n"
    "yBQWonDnNLW3TA1vql1TpQEf1/7gvLUMC/hgkymDzVUy5TufEaF6+UmYZLIg6J/R\n"
    "FfPXgE59o1MwUTAdBgNVHQ4EFgQUGVjFT4f+9qWy8wDEyn7d6lm5yWswHwYDVR0j\n"
    "BBgwFoAUGVjFT4f+9qWy8wDEyn7d6lm5yWswDwYDVR0TAQH/BAUwAwEB/zAKBggq\n"
    "hkjOPQQDAgNIADBFAiEAwfmhUANrbaeMr1L54s03oYOiBlm+J8SDmBaw4z9h3ysC\n"
    "ICx14JgZ0676y69sQ6N7O2+4F2Bje8+ZXvmdJRy1ebPe\n"
    "-----END CERTIFICATE-----\n"
)
_HEAD = ("apiVersion", "kind", "metadata")
_METADATA_HEAD = ("name", "namespace")
HELM_CHART = "kubernetes:helm.sh/v4:Chart"
# What installs the chart on the platforms where Pulumi does not: app-operator reads the App, Flux the HelmRelease.
_INSTALLER = {"app": "App", "flux": "HelmRelease"}


def placeholder_config(stack: str, root: Path | None = None) -> tuple[dict[str, Any], set[str], dict[str, bool]]:
    """The config of Pulumi.<stack>.yaml in `root` (the project's folder by default) with a placeholder for each
    secret, and the config paths that got one: True where the file holds the value as a `secure:` ciphertext,
    False where it is not set yet."""
    filled: dict[str, bool] = {}

    def placeholder(path: str, in_file: bool = False) -> str:
        filled[path] = in_file
        # A pre-hashed htpasswd entry must look like a hash to pass validation; no password matches this one.
        if path.endswith(".htpasswd"):
            return PLACEHOLDER_HASH
        if path == "storage.kubeconfig":
            return PLACEHOLDER_KUBECONFIG.format(f"{PLACEHOLDER}{path}")
        if path == "nodes.ca":  # set with --secret though it needs none: it must still read as a certificate
            return PLACEHOLDER_CA
        return PLACEHOLDER_SALT_KEY if path == "htpasswdSaltKey" else f"{PLACEHOLDER}{path}"

    config, secret_keys = stack_file_config(stack, lambda path: placeholder(path, in_file=True), root)
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
    nodes = config.get("nodes") or {}
    if isinstance(nodes, dict) and nodes.get("trust") == "ca" and "ca" not in nodes:
        nodes["ca"] = placeholder("nodes.ca")
    pull_user = nodes.get("pullUser")
    if isinstance(pull_user, dict) and "password" not in pull_user:
        pull_user["password"] = placeholder("nodes.pullUser.password")
        secret_keys.add("nodes")
    app, storage = config.get("app") or {}, config.get("storage") or {}
    if app.get("cluster") and storage.get("persistence", True) and "kubeconfig" not in storage:
        # The stack file asks for it (its header): the claim is then the program's own, as after `config set`.
        config["storage"] = {**storage, "kubeconfig": placeholder("storage.kubeconfig")}
        secret_keys.add("storage")
    scale = config.get("scale") or {}
    s3 = scale.get("s3") if isinstance(scale, dict) else None
    keys = s3.get("credentials") if isinstance(s3, dict) else None
    if isinstance(keys, dict):
        for key in ("accessKeyId", "secretAccessKey"):
            if key not in keys:
                keys[key] = placeholder(f"scale.s3.credentials.{key}")
                secret_keys.add("scale")
    # Members' cluster.hashKey is derived from it, as are the htpasswd salts.
    clustered = isinstance(scale, dict) and isinstance(scale.get("replicas"), int) and scale["replicas"] > 1
    if "htpasswdSaltKey" not in config and ({"users", "registries", "nodes"} & secret_keys or clustered):
        config["htpasswdSaltKey"] = placeholder("htpasswdSaltKey")
        secret_keys.add("htpasswdSaltKey")
    return config, secret_keys, filled


def manifests(run: ProgramRun) -> list[dict[str, Any]]:
    """Every Kubernetes object the program registered (a helm.v4.Chart is none: chart_values_files)."""
    return [
        _kubectl_order(unwrap_secret(resource.state))  # secret wrappers hold only placeholders and what they made
        for resource in run.resources
        # The component and providers are Pulumi's own, not Kubernetes objects.
        if resource.type.startswith("kubernetes:") and resource.type != HELM_CHART
    ]


# What `kubectl apply -f <folder>` (files in name order) must create before anything that lives in or uses it.
_FIRST = {"Namespace", "CustomResourceDefinition"}


def _position(manifest: dict[str, Any]) -> tuple[int, str, str, str, str]:
    """Namespaces and CRDs, then the core API group (v1), then every other group, custom resources among them; by
    kind, name, namespace and apiVersion within, so never by registration order, which Pulumi's worker threads
    vary."""
    kind, metadata = manifest["kind"], manifest["metadata"]
    rank = 0 if kind in _FIRST else 2 if "/" in manifest["apiVersion"] else 1
    return rank, kind, metadata["name"], metadata.get("namespace", ""), manifest["apiVersion"]


def _kubectl_order(state: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind and metadata first and name and namespace first in metadata, as kubectl writes an object;
    below that, keys sorted (tools.offline.as_sent)."""
    state = as_sent(state)
    metadata = state["metadata"]
    state["metadata"] = {key: metadata[key] for key in _METADATA_HEAD if key in metadata} | metadata
    return {key: state[key] for key in _HEAD} | state


def _charts(run: ProgramRun) -> list[dict[str, Any]]:
    return [resource.state for resource in run.resources if resource.type == HELM_CHART]


def _values_file(chart: dict[str, Any]) -> str:
    return f"helm-values-{chart['name']}.yaml"


def chart_values_files(run: ProgramRun) -> dict[str, str]:
    """Per helm.v4.Chart, a values file and the `helm template` command that renders what Pulumi deploys from it.

    A Chart is a Pulumi component, no Kubernetes object: the provider runs the chart's templates and registers what
    they make, so its inputs are written as a plain Helm values file, apart from the manifests.
    """
    files = {}
    for chart in _charts(run):
        name = _values_file(chart)
        # --skip-tests: the chart's only hook is its test Pod, which Chart v4 leaves out (components/platforms/helm.py).
        command = (
            f"helm template {chart['name']} {chart['chart']} --repo {chart['repositoryOpts']['repo']} "
            f"--version {chart['version']} --namespace {chart['namespace']} --skip-tests --values {name}"
        )
        where = "run in this folder"
        if chart.get("verify"):  # helm.verify: Pulumi has Helm check the chart's provenance with the keyring
            command += f" --verify --keyring {chart['keyring'].path}"
            where += "; the keyring's path is relative to the project folder"
        note = (
            "# Not a Kubernetes object: the values Pulumi's helm.v4.Chart gives the chart. Pulumi deploys what this\n"
            f"# command renders ({where}):\n#   {command}\n"
            "# With a local copy of the chart, `python -m tools.render STACK --chart <its .tgz or folder>` writes\n"
            "# those objects beside the program's.\n"
        )
        files[name] = note + to_yaml(unwrap_secret(chart["values"]))
    return files


class ChartError(Exception):
    """helm could not render a local chart: missing, the wrong chart or version, or the chart refused the values."""


def chart_objects(run: ProgramRun, chart: Path, helm: str) -> list[tuple[dict[str, Any], str]]:
    """What the chart makes of its values, each object with a line that says so: real `helm template` of a local
    copy of the chart (its folder, or the .tgz `helm pull` writes). helm.v4.Chart renders the same before it
    registers each object.

    Local only, never fetched: a render must not depend on the network of the machine it runs on.
    """
    objects = []
    with tempfile.TemporaryDirectory() as folder:
        for inputs, (values, text) in zip(_charts(run), chart_values_files(run).items(), strict=True):
            name, version = inputs["chart"], inputs["version"]
            shown = yaml.safe_load(_helm(helm, "show", "chart", str(chart)))
            if (shown.get("name"), shown.get("version")) != (name, version):
                raise ChartError(
                    f"{chart} holds chart {shown.get('name')} {shown.get('version')}, but the stack installs {name} "
                    f"{version}: helm pull {name} --repo {inputs['repositoryOpts']['repo']} --version {version}"
                )
            (Path(folder) / values).write_text(text)
            template = ["template", inputs["name"], str(chart), "--namespace", inputs["namespace"], "--skip-tests"]
            made = _helm(helm, *template, "--values", str(Path(folder) / values))
            origin = f"# Made by chart {name} {version} from {values} (real helm template), not by the program.\n"
            objects += [(_kubectl_order(document), origin) for document in yaml.safe_load_all(made) if document]
    return objects


def _helm(helm: str, *args: str) -> str:
    try:
        done = subprocess.run([helm, *args], capture_output=True, text=True, check=False, timeout=300)
    except FileNotFoundError as error:
        raise ChartError(f"no helm at {helm!r}: install helm to render the chart's objects") from error
    if done.returncode != 0:
        raise ChartError(f"helm {args[0]} failed: {done.stderr.strip()}")
    return str(done.stdout)


def _set_command(stack: str, path: str) -> str:
    """How a value the stack file lacks is set; nodes.ca is public, so not with --secret (docs/nodes.md)."""
    if path == "nodes.ca":
        return f"pulumi config set --path 'nodes.ca' --stack {stack} -- \"<the CA certificate, PEM>\""
    return f"pulumi config set --secret --path '{path}' <value> --stack {stack}"


def header(stack: str, filled: dict[str, bool]) -> str:
    """What every rendered file starts with: where it comes from, which values are placeholders, and which of those
    the stack file does not set yet (a `pulumi up` would stop on them)."""
    lines = [f"Rendered offline from Pulumi.{stack}.yaml by `make render`: to read and diff, not to apply."]
    if filled:
        unset = [path for path, in_file in filled.items() if not in_file]
        ciphered = [path for path, in_file in filled.items() if in_file]
        lines += [
            "PLACEHOLDERS, not secrets: no secret is decrypted here. Each of these config values is a placeholder,",
            f"{PLACEHOLDER}<path> (a pre-hashed htpasswd: {PLACEHOLDER_HASH[:18]}...; the salt key: base64 of the",
            f"SHA-256 of {PLACEHOLDER}htpasswdSaltKey).",
        ]
        if unset:
            lines.append(f"NOT SET in Pulumi.{stack}.yaml yet; set each before `pulumi up` (its comments say what):")
            lines += [f"  {_set_command(stack, path)}" for path in unset]
        if ciphered:
            lines.append(f"Set: Pulumi.{stack}.yaml holds them as secure: ciphertexts, which only the CLI decrypts:")
            lines += [f"  {path}" for path in ciphered]
        lines += [
            "Everything made from them is computed from the placeholders too: htpasswd hashes, base64 logins",
            "(Authorization headers, auth files), secretFingerprints and members' cluster.hashKey. None of it",
            "matches the real stack.",
        ]
    else:
        lines.append("Placeholders: none (this stack's config holds no secret).")
    return "".join(f"# {line}\n" for line in lines)


def render(
    stack: str, out: Path, root: Path | None = None, chart: Path | None = None, helm: str = "helm"
) -> tuple[list[Path], list[str]]:
    """Write one file per object of Pulumi.<stack>.yaml in `root` (the project's folder by default), the Helm values
    of a chart, and outputs.yaml; replaces what an earlier render left in `out`. With `chart` (a local copy of
    the chart the stack installs), the objects `helm` templates from it too.

    Returns the files written and the warnings the program logged, which a preview would show.
    """
    config, secret_keys, filled = placeholder_config(stack, root)
    run = run_program(stack, config, secret_keys, mocks=RecordingMocks(name_suffix="rendered"), root=root)
    documents = [(manifest, "") for manifest in manifests(run)]
    if chart is not None and not _charts(run):
        platform = config.get("platform", Settings.model_fields["platform"].default)
        raise ChartError(
            f"--chart renders the objects of the chart Pulumi installs on platform helm; stack {stack} has platform "
            f"{platform}, whose chart the cluster installs from the {_INSTALLER[platform]} this render writes: render "
            "without --chart, or use a helm-platform stack such as the kind example (cp examples/Pulumi.kind.yaml "
            "Pulumi.kind.yaml)"
        )
    if chart is not None:
        documents += chart_objects(run, chart, helm)
    out.mkdir(parents=True, exist_ok=True)
    # Earlier renders numbered every file (NN-...): those go too.
    stale = [*out.glob("[012]-*.yaml"), *out.glob("[0-9][0-9]-*.yaml"), *out.glob("helm-values-*.yaml")]
    for old in [*stale, out / "outputs.yaml"]:
        old.unlink(missing_ok=True)
    note = header(stack, filled)
    written = []
    for name, text in chart_values_files(run).items():
        (out / name).write_text(note + text)
        written.append(out / name)
    for name, (manifest, origin) in _file_names(documents).items():
        (out / name).write_text(note + origin + to_yaml(manifest))
        written.append(out / name)
    outputs = out / "outputs.yaml"
    secrets = ", ".join(sorted(run.secret_outputs)) or "none"
    outputs.write_text(
        f"{note}# The stack's outputs. Secret outputs (`pulumi stack output --show-secrets`), here from placeholders: "
        f"{secrets}\n{_warnings_note(run.warnings)}{to_yaml(run.outputs)}"
    )
    return [*sorted(written), outputs], run.warnings


def _file_names(documents: list[tuple[dict[str, Any], str]]) -> dict[str, tuple[dict[str, Any], str]]:
    """`<rank>-<kind>-<name>.yaml`, the rank of `_position`, so `kubectl apply -f` takes them in that order; named
    by the object alone, so adding one renames no other and two branches' renders diff file by file. Objects that
    share kind and name all add `_<namespace>`, and twins even then (one object in two clusters) `_<n>` in the
    order of their content; `_` is in no Kubernetes name, so no object's name can take another's file."""
    ordered = sorted(documents, key=lambda document: (_position(document[0]), to_yaml(document[0])))
    positions = [_position(manifest) for manifest, _ in ordered]
    stems = [f"{rank}-{kind.lower()}-{name}" for rank, kind, name, _, _ in positions]
    stems = [
        stem if stems.count(stem) == 1 else f"{stem}_{namespace}"
        for stem, (_, _, _, namespace, _) in zip(stems, positions, strict=True)
    ]
    return {
        f"{stem}.yaml" if stems.count(stem) == 1 else f"{stem}_{stems[:index].count(stem) + 1}.yaml": document
        for index, (stem, document) in enumerate(zip(stems, ordered, strict=True))
    }


def _warnings_note(warnings: list[str]) -> str:
    """The warnings a preview would show, kept with the render so a reviewer of its diff sees them too."""
    if not warnings:
        return "# Warnings a preview would show: none.\n"
    lines = [line for warning in warnings for line in warning.splitlines()]
    return "# Warnings a preview would show:\n" + "".join(f"#   {line}\n" for line in lines)


USAGE = """usage: python -m tools.render STACK [OUT_DIR] [--chart CHART]
  STACK    renders Pulumi.STACK.yaml of the project's folder, placeholders standing in for its secrets
  OUT_DIR  where the files go (default: rendered/STACK)
  CHART    with platform helm: a local copy of the chart (folder or .tgz from helm pull) to render its objects
           with the helm on PATH
  -h, --help  this text"""


def main(argv: list[str]) -> int:
    if {"-h", "--help"} & set(argv):
        print(USAGE)
        return 0
    chart = None
    if "--chart" in argv:
        at = argv.index("--chart")
        chart = Path(argv[at + 1]) if at + 1 < len(argv) else None
        argv = argv[:at] + argv[at + 2 :]
        if chart is None:
            argv = []
    if len(argv) not in (1, 2):
        print(USAGE, file=sys.stderr)
        return 2
    stack = argv[0]
    if not (ROOT / f"Pulumi.{stack}.yaml").exists():
        print(f"no stack file Pulumi.{stack}.yaml in {ROOT}", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) == 2 else ROOT / "rendered" / stack
    try:
        written, warnings = render(stack, out, ROOT, chart)
    except (pulumi.RunError, StackFileError, ChartError) as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
