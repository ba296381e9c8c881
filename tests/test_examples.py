"""examples/: the kind/k3d quick start runs as README says, with the outputs README lists and no warning."""

from __future__ import annotations

from typing import Any

from components.stack_config import PROJECT, load_settings
from components.stack_file import load_stack_file, project_config
from tests.harness import ROOT, run_program
from tests.helm import helm_template
from tests.test_chart_renders import CHECKS
from tests.test_platforms import CHART, UPSTREAM_CHART
from tests.test_upstream_renders import objects_beside_the_chart


def kind_config() -> dict[str, Any]:
    return project_config(load_stack_file(ROOT / "examples" / "Pulumi.kind.yaml"), PROJECT)


def test_the_kind_quick_start_has_the_outputs_readme_lists() -> None:
    run = run_program("kind", kind_config(), set())
    assert run.warnings == []
    assert run.outputs["installer"] == {"platform": "helm", "kind": "HelmChart", "name": "zot", "namespace": "zot"}
    assert run.outputs["registryUrl"] == run.outputs["inClusterUrl"] == "http://zot.zot.svc.cluster.local:5000"
    assert (run.outputs["releaseName"], run.outputs["serviceName"], run.outputs["namespace"]) == ("zot",) * 3
    assert run.outputs["nodes"]["mirror"] == "http://127.0.0.1:30500"
    assert run.secret_outputs == set()


def test_the_kind_quick_start_renders_what_was_meant() -> None:
    run = run_program("kind", kind_config(), set())
    chart = run.one(CHART).inputs
    manifests = helm_template(chart["values"], chart["name"], chart["namespace"], chart=UPSTREAM_CHART)
    manifests += objects_beside_the_chart(run)
    service = next(m for m in manifests if m["kind"] == "Service" and m["metadata"]["name"] == "zot")
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"][0]["nodePort"] == 30500
    settings = load_settings(kind_config(), set())
    for check in CHECKS.values():
        check(manifests, settings)
