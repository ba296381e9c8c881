"""Who scrapes zot and where its series go: the program's own ServiceMonitor wherever Pulumi talks to zot's cluster
(labels a setting, Giant Swarm's tenant label), the chart's on a workload cluster, and the PrometheusRule reading
the tenants the series land in (Giant Swarm's tenant federation). Whether the ServiceMonitors scrape the main Service
only, with the right port, path and login, the render checks show (tests/chart_checks.py, both charts)."""

from __future__ import annotations

from typing import Any

from components.builders.service_monitor import SOURCE_TENANTS
from components.settings.alerts import TENANT_LABEL
from components.settings.zot import Metrics
from tests.docs import page
from tests.harness import ProgramRun, changed_inputs, run_program, stack_config

SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
KUBE_PROMETHEUS_STACK = {"release": "kube-prometheus-stack"}


def prod_with(**changes: Any) -> ProgramRun:
    config, secret_keys = stack_config("prod")
    return run_program("prod", {**config, **changes}, secret_keys)


def in_cluster(platform: str = "app", **changes: Any) -> ProgramRun:
    """prod where Pulumi talks to the cluster zot runs in: an in-cluster App, or the helm platform."""
    return prod_with(platform=platform, app={"name": "zot", "namespace": "zot"}, **changes)


def monitors(run: ProgramRun) -> list[Any]:
    return [resource for resource in run.resources if resource.type == SERVICE_MONITOR]


def rule_metadata(run: ProgramRun) -> dict[str, Any]:
    metadata: dict[str, Any] = run.one(PROMETHEUS_RULE).inputs["metadata"]
    return metadata


def test_on_a_workload_cluster_the_charts_monitor_feeds_the_default_tenant_which_the_rule_reads() -> None:
    """prod: Pulumi cannot create objects in prod01, so the chart's ServiceMonitor (no tenant label: Alloy's
    default tenant giantswarm) scrapes; the rule, evaluated in tenant platform, reads giantswarm."""
    run = prod_with()
    assert not monitors(run)
    metadata = rule_metadata(run)
    assert metadata["labels"][TENANT_LABEL] == "platform"
    assert metadata["annotations"] == {SOURCE_TENANTS: "giantswarm"}
    # Giant Swarm's docs show it as a label: one tenant fits in one.
    assert metadata["labels"][SOURCE_TENANTS] == "giantswarm"


def test_in_cluster_on_giant_swarm_the_series_go_to_the_rules_tenant() -> None:
    (monitor,) = monitors(in_cluster())
    metadata = monitor.inputs["metadata"]
    assert metadata["name"] == "zot-metrics"
    assert metadata["namespace"] == "zot"
    assert metadata["labels"][TENANT_LABEL] == "platform"
    rule = rule_metadata(in_cluster())
    # zot's series in platform, the kubelet's and kube-state-metrics' in giantswarm.
    assert rule["annotations"] == {SOURCE_TENANTS: "giantswarm,platform"}
    assert SOURCE_TENANTS not in rule["labels"], "a label value cannot hold a comma"


def test_an_app_without_a_tenant_keeps_the_default_tenant() -> None:
    (monitor,) = monitors(in_cluster(alerts={"enabled": False}))
    assert monitor.inputs["metadata"]["labels"][TENANT_LABEL] == "giantswarm"


def test_the_labels_are_a_setting_for_kube_prometheus_stack() -> None:
    alerts = {"ruleLabels": KUBE_PROMETHEUS_STACK}
    metrics = {"enabled": True, "serviceMonitor": True, "scrapeUser": "metrics"}
    run = in_cluster("helm", metrics={**metrics, "serviceMonitorLabels": KUBE_PROMETHEUS_STACK}, alerts=alerts)
    (monitor,) = monitors(run)
    labels = monitor.inputs["metadata"]["labels"]
    assert labels["release"] == "kube-prometheus-stack"
    assert TENANT_LABEL not in labels, "nothing says Giant Swarm"
    assert "annotations" not in rule_metadata(run)
    endpoint = monitor.inputs["spec"]["endpoints"][0]
    login = [r for r in run.resources if r.name.endswith("-metrics-login")]
    assert [secret.inputs["metadata"].get("name") for secret in login] == [None], "auto-named"
    assert endpoint["basicAuth"]["username"]["key"] == "username"


def test_a_label_change_changes_only_the_service_monitor() -> None:
    metrics = {"enabled": True, "serviceMonitor": True, "scrapeUser": "metrics"}
    before = in_cluster("helm", metrics=metrics)
    after = in_cluster("helm", metrics={**metrics, "serviceMonitorLabels": KUBE_PROMETHEUS_STACK})
    assert {key.split("::")[0] for key in changed_inputs(before, after)} == {SERVICE_MONITOR}


def test_the_same_config_gives_the_same_service_monitor() -> None:
    assert changed_inputs(in_cluster(), in_cluster()) == set()


def test_readme_has_a_row_for_every_metrics_key() -> None:
    readme = page("docs/reference.md")
    for name, info in Metrics.model_fields.items():
        assert f"| `metrics.{info.alias or name}` |" in readme, f"README lacks metrics.{info.alias or name}"
