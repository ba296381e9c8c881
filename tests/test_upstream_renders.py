"""Platform helm, rendered for real: the program runs under mocks with platform helm, the upstream project-zot chart
is rendered with real `helm template` from the values its helm.v4.Chart gets, and the objects the program creates
beside the chart (the Secret with the files, the scrape login, the VPA) join the render. The same checks as for
Giant Swarm's chart (tests/test_chart_renders.py) then run on the whole: one meaning, two charts."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

import pytest

from components.stack_config import load_settings
from tests.harness import ProgramRun, run_program, stack_config, unwrap_secret
from tests.helm import Manifest, helm_template
from tests.samples import EVERYTHING_SECRET_KEYS, everything
from tests.test_chart_renders import CHECKS, PERSISTENT_EVERYTHING
from tests.test_platforms import CHART, UPSTREAM_CHART, on_helm


def configs() -> dict[str, tuple[str, dict[str, Any], set[str]]]:
    """case -> (stack, config, secret keys)."""
    dev, prod = stack_config("dev"), stack_config("prod")
    return {
        "dev": ("dev", on_helm(dev[0]), dev[1]),
        "prod": ("prod", on_helm(prod[0]), prod[1]),
        "everything-statefulset": ("test", on_helm({**everything(), **PERSISTENT_EVERYTHING}), EVERYTHING_SECRET_KEYS),
        "everything-deployment": ("test", on_helm(everything()), EVERYTHING_SECRET_KEYS),
    }


def objects_beside_the_chart(run: ProgramRun) -> list[Manifest]:
    """What the program applies itself, as the API server would get it (Secrets in data, as the chart renders)."""
    manifests = []
    for resource in run.resources:
        if not resource.type.startswith("kubernetes:") or resource.type == CHART:
            continue
        state = unwrap_secret(resource.state)
        manifest = {key: value for key, value in state.items() if key in ("apiVersion", "kind", "metadata", "spec")}
        if "stringData" in state:
            # The API server stores stringData base64-encoded in data, which is what the checks read.
            manifest["data"] = {
                key: base64.b64encode(value.encode()).decode() for key, value in state["stringData"].items()
            }
            manifest["type"] = state["type"]
        manifests.append(manifest)
    return manifests


def helm_platform_render(run: ProgramRun) -> list[Manifest]:
    """What a run on platform helm puts on the cluster: the chart, rendered for real from its Chart's inputs, and
    the objects the program applies beside it."""
    chart = run.one(CHART).inputs
    rendered = helm_template(chart["values"], chart["name"], chart["namespace"], chart=UPSTREAM_CHART)
    return [*rendered, *objects_beside_the_chart(run)]


@cache
def _rendered(case: str) -> tuple[tuple[Manifest, ...], Any]:
    stack, config, secret_keys = configs()[case]
    settings = load_settings(config, secret_keys)
    return tuple(helm_platform_render(run_program(stack, config, set(secret_keys)))), settings


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("case", list(configs()))
def test_the_upstream_render_runs_what_was_meant(case: str, check: str) -> None:
    manifests, settings = _rendered(case)
    CHECKS[check](list(manifests), settings)


def test_the_upstream_chart_gets_no_giant_swarm_objects() -> None:
    manifests, _ = _rendered("prod")
    kinds = sorted({manifest["kind"] for manifest in manifests})
    # No CiliumNetworkPolicy (Giant Swarm's), no PodSecurityPolicy; the Namespace, the Secrets, the volume claim
    # and the PrometheusRule are the program's.
    assert kinds == sorted(
        [
            "ConfigMap",
            "Ingress",
            "Namespace",
            "PersistentVolumeClaim",
            "PrometheusRule",
            "Secret",
            "Service",
            "ServiceAccount",
            "ServiceMonitor",
            "StatefulSet",
        ]
    )
