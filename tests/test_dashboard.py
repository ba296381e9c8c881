"""The Grafana dashboard: its panels, the metrics its queries name, PromQL syntax, and the ConfigMap it ships in."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard as SdkDashboard

from components.builders import advice
from components.builders.chart_values import go_runtime_env
from components.builders.dashboard import DATA_KEY, build_dashboard, dashboard_json
from components.builders.names import claim_name
from components.settings import Settings
from components.settings.units import parse_go_memory
from components.stack_config import load_settings
from tests import test_alerts
from tests.harness import CONFIG_MAP, ProgramRun, changed_inputs, run_program, stack_config
from tests.programs import require_program
from tests.samples import everything_settings, scaled_prod, stack_settings
from tests.test_platforms import on_helm

# Every metric a query may name, each with where it comes from.
KNOWN_METRICS = {
    # project-zot/zot v2.1.18 pkg/extensions/monitoring/extension.go (namespace "zot"): counters and gauges, the
    # http_method_latency_seconds histogram (_bucket) and the http_repo_latency_seconds summary (_sum, _count).
    "zot_http_requests_total": "zot: labels method, code",
    "zot_http_method_latency_seconds_bucket": "zot: histogram, label method",
    "zot_http_repo_latency_seconds_sum": "zot: summary without quantiles, label repo",
    "zot_http_repo_latency_seconds_count": "zot: summary without quantiles, label repo",
    "zot_repo_storage_bytes": "zot: gauge, label repo",
    "zot_repo_downloads_total": "zot: counter of manifests served, label repo",
    # PutImageManifest counts each manifest uploaded (pkg/storage/imagestore/imagestore.go L556-566).
    "zot_repo_uploads_total": "zot: counter of manifests uploaded, label repo",
    "zot_info": "zot: labels commit, binaryType, goVersion, version",
    # kubelet volume stats (kubelet /metrics): labels namespace, persistentvolumeclaim.
    "kubelet_volume_stats_capacity_bytes": "kubelet",
    "kubelet_volume_stats_available_bytes": "kubelet",
    # cAdvisor (kubelet /metrics/cadvisor): labels namespace, pod, container.
    "container_memory_working_set_bytes": "cAdvisor",
    # kube-state-metrics pod metrics: labels namespace, pod, container, resource, unit.
    "kube_pod_container_resource_limits": "kube-state-metrics",
}
# Words in PromQL that are not metrics and need not be followed by "(" (groupings like by (...) are cut first).
_KEYWORDS = {"group_left", "group_right", "bool", "offset", "and", "or", "unless"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACES = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring)\s*\([^()]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Names in a PromQL expression that are metrics: not a function, a keyword, a label or a string."""
    bare = _GROUPING.sub(" ", _BRACES.sub(" ", _STRING.sub('""', expr)))
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(bare)
        if match.group(2) is None and match.group(1) not in _KEYWORDS
    }


def panels(settings: Settings) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(dashboard_json(settings))["panels"]
    return found


def expressions(settings: Settings) -> list[str]:
    return [target["expr"] for panel in panels(settings) for target in panel["targets"]]


def promql(expr: str) -> str:
    """What Prometheus runs once Grafana has put in its macros."""
    return expr.replace("$__rate_interval", "5m")


# prod: a volume and a fixed GOMEMLIMIT; dev: a volume and VPA (no GOMEMLIMIT); everything: no volume (Deployment);
# scaled: prod with three members, a volume each.
SETTINGS = {
    "prod": stack_settings("prod"),
    "dev": stack_settings("dev"),
    "everything": everything_settings(),
    "scaled": load_settings(*scaled_prod()),
}


def test_metric_names_finds_metrics_and_skips_the_rest() -> None:
    expr = 'sum by (le) (rate(a_total{code=~"5..", x="b_total"}[5m])) / on (pod) b offset 5m and vector(1)'
    assert metric_names(expr) == {"a_total", "b"}


@pytest.mark.parametrize("name", SETTINGS)
def test_the_dashboard_has_a_panel_for_each_question(name: str) -> None:
    titles = [panel["title"] for panel in panels(SETTINGS[name])]
    volume = ["Volume used", "against the volume"] if SETTINGS[name].storage.persistence else []
    for fragment in (
        "Requests",
        "5xx",
        "Slow requests",
        "latency",
        "Storage per namespace",
        "Downloads",
        "memory",
        *volume,
    ):
        assert any(fragment in title for title in titles), (fragment, titles)
    for panel in panels(SETTINGS[name]):
        assert [target["refId"] for target in panel["targets"]] == list("ABCDEFGH"[: len(panel["targets"])])
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


@pytest.mark.parametrize("name", SETTINGS)
def test_queries_name_only_known_metrics(name: str) -> None:
    named = set().union(*(metric_names(expr) for expr in expressions(SETTINGS[name])))
    assert named <= KNOWN_METRICS.keys(), named - KNOWN_METRICS.keys()
    # Each panel asks for what it says: zot's requests, storage, downloads; the volume; the container's memory.
    assert {"zot_http_requests_total", "zot_repo_storage_bytes", "zot_repo_downloads_total"} <= named
    assert {"container_memory_working_set_bytes", "kube_pod_container_resource_limits"} <= named
    assert ("kubelet_volume_stats_capacity_bytes" in named) == SETTINGS[name].storage.persistence


def test_queries_select_the_service_monitors_series_and_the_claim() -> None:
    settings = SETTINGS["prod"]  # App prod01-zot on cluster prod01: release zot, Service zot, StatefulSet zot
    exprs = expressions(settings)
    # Prometheus Operator: job is the Service's name, namespace the Service's namespace.
    zot = [expr for expr in exprs if "zot_" in expr]
    assert zot
    # prod runs in workload cluster prod01: Giant Swarm's Grafana sees every cluster, so the cluster is selected too.
    assert all('{namespace="zot", cluster_id="prod01", job="zot"' in expr for expr in zot)
    claim = claim_name(settings)
    assert claim == "zot-pvc-zot-0"  # <release>-pvc (the volumeClaimTemplate), StatefulSet zot, ordinal 0
    assert any(f'persistentvolumeclaim="{claim}"' in expr for expr in exprs)
    assert any('pod=~"zot-[0-9]+", container="zot"' in expr for expr in exprs)


def test_memory_panel_draws_the_gomemlimit_the_chart_sets() -> None:
    settings = SETTINGS["prod"]
    (env,) = [env["value"] for env in go_runtime_env(settings.resources) if env["name"] == "GOMEMLIMIT"]
    assert f"vector({parse_go_memory(env)})" in expressions(settings)


def test_without_a_fixed_gomemlimit_or_a_volume_those_lines_are_left_out() -> None:
    assert SETTINGS["dev"].resources.vpa.enabled, "with VPA the chart sets no GOMEMLIMIT"
    assert not any("vector(" in expr for expr in expressions(SETTINGS["dev"]))
    assert not SETTINGS["everything"].storage.persistence
    exprs = expressions(SETTINGS["everything"])
    assert not any("kubelet_volume_stats" in expr for expr in exprs)
    # mc-zot on cluster mc: release zot; a Deployment names its pods <name>-<ReplicaSet hash>-<pod hash>.
    assert any('pod=~"zot-[a-z0-9]+-[a-z0-9]+"' in expr for expr in exprs)


@pytest.mark.parametrize("name", SETTINGS)
def test_the_json_is_the_sdks_own_serialization_and_stable(name: str) -> None:
    built = build_dashboard(SETTINGS[name]).build()
    assert isinstance(built, SdkDashboard)
    text = dashboard_json(SETTINGS[name])
    assert text == JSONEncoder(sort_keys=True, indent=2).encode(built)
    assert text == dashboard_json(SETTINGS[name])


@pytest.mark.parametrize("name", SETTINGS)
def test_promtool_parses_every_query(name: str, tmp_path: Path) -> None:
    promtool = require_program("promtool", "prometheus")
    rules = [
        {"record": f"dashboard:query{i}", "expr": promql(expr)} for i, expr in enumerate(expressions(SETTINGS[name]))
    ]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    checked = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules)} rules found" in checked.stdout


def test_the_slow_request_shares_count_whole_seconds_in_promtool(tmp_path: Path) -> None:
    """20 % of HEADs at 5.x s (recorded as 5): 20 % took 2 s or more, none 6 s or more; a p90 would say 3 s."""
    promtool = require_program("promtool", "prometheus")
    (panel,) = [panel for panel in panels(SETTINGS["dev"]) if panel["title"] == "Slow requests by method"]
    shares = [promql(target["expr"]) for target in panel["targets"]]
    assert [target["legendFormat"] for target in panel["targets"]] == [
        "{{method}} 2 s or more",
        "{{method}} 6 s or more",
        "{{method}} 31 s or more",
    ]
    (tmp_path / "empty.yaml").write_text("groups: []\n")
    tests = {
        "rule_files": ["empty.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": test_alerts.latency("HEAD", 0.2),
                "promql_expr_test": [
                    {
                        "expr": f"round({expr}, 0.001)",
                        "eval_time": "25m",
                        "exp_samples": [{"labels": '{method="HEAD"}', "value": value}],
                    }
                    for expr, value in zip(shares, (0.2, 0, 0), strict=True)
                ],
            }
        ],
    }
    path = tmp_path / "tests.yaml"
    path.write_text(yaml.safe_dump(tests))
    result = subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------------------------ the ConfigMap


def dashboards(run: ProgramRun) -> list[Any]:
    return [r for r in run.resources if r.type == CONFIG_MAP and r.name.endswith("-dashboard")]


def prod_with(**changes: Any) -> ProgramRun:
    config, secret_keys = stack_config("prod")
    return run_program("prod", {**config, **changes}, secret_keys)


def test_prod_ships_the_dashboard_with_the_sidecar_label() -> None:
    run = run_program("prod")
    (config_map,) = dashboards(run)
    metadata = config_map.inputs["metadata"]
    assert metadata["name"] == "prod01-zot-dashboard"
    # prod installs into workload cluster prod01: the ConfigMap goes beside the App, in the management cluster.
    assert metadata["namespace"] == "org-platform"
    assert metadata["labels"]["grafana_dashboard"] == "1"
    assert json.loads(config_map.inputs["data"][DATA_KEY])["uid"].startswith("zot-cache-")
    assert config_map.inputs["data"][DATA_KEY] == dashboard_json(SETTINGS["prod"])
    assert not dashboards(run_program("dev")), "dev has metrics off: no dashboard"


def test_platform_helm_ships_it_in_zots_namespace() -> None:
    (config_map,) = dashboards(prod_with(**on_helm(stack_config("prod")[0])))
    assert config_map.inputs["metadata"]["namespace"] == "zot"


def test_giant_swarm_organization_and_folder() -> None:
    run = prod_with(dashboard={"organization": "Platform Team", "folder": "registries/zot"})
    (config_map,) = dashboards(run)
    metadata = config_map.inputs["metadata"]
    assert metadata["labels"]["app.giantswarm.io/kind"] == "dashboard"
    assert metadata["annotations"] == {
        "observability.giantswarm.io/folder": "registries/zot",
        "observability.giantswarm.io/organization": "Platform Team",
    }


def test_turning_the_dashboard_off_removes_only_it() -> None:
    before, after = run_program("prod"), prod_with(dashboard={"enabled": False})
    (config_map,) = dashboards(before)
    assert changed_inputs(before, after) == {f"{CONFIG_MAP}::{config_map.name}"}
    assert not dashboards(after)


def test_same_config_same_configmap() -> None:
    assert changed_inputs(run_program("prod"), run_program("prod")) == set()


def test_every_metric_is_in_the_alerts_test_data_or_zots_own_list() -> None:
    """The acceptance's rule: a query names only metrics zot exports (KNOWN_METRICS' zot_ entries, read from its
    source) or that the promtool tests of the alerts feed as series."""
    fed = {case_series["series"].split("{")[0] for case in test_alerts.CASES for case_series in case.input_series}
    zot = {name for name in KNOWN_METRICS if name.startswith("zot_")}
    for name in SETTINGS:
        named = {metric for expr in expressions(SETTINGS[name]) for metric in metric_names(expr)}
        assert named <= fed | zot


def test_a_dashboard_for_a_workload_cluster_without_an_organization_is_warned_about() -> None:
    config, secret_keys = stack_config("prod")
    config.pop("dashboard")
    settings = load_settings(config, secret_keys)
    assert any(w.startswith("dashboard: zot runs in workload cluster prod01") for w in advice.warnings(settings))
    assert not any(w.startswith("dashboard:") for w in advice.warnings(SETTINGS["prod"]))


def test_with_members_each_volume_is_drawn_on_its_own() -> None:
    """Members fill their volumes unevenly: the panels keep one line per member's claim, never a max over all."""
    exprs = expressions(SETTINGS["scaled"])
    volume = [expr for expr in exprs if "kubelet_volume_stats" in expr]
    assert volume
    assert all('persistentvolumeclaim=~"zot-pvc-zot-[0-9]+"' in expr for expr in volume)
    assert all("max(" not in expr for expr in volume)
