"""The generated alerting rules, checked and unit-tested by Prometheus's own `promtool` on synthetic series.

Series carry the labels they have in a real cluster: zot's and `up` those the ServiceMonitor gives (job is the main
Service's name; the headless Service's job `<name>-headless`, which a ServiceMonitor without the program's keep
relabeling scrapes too, is the look-alike), kubelet's volume stats the claim's, kube-state-metrics' the pod's. Each
alert fires on a broken series with its exact labels and annotations, and stays quiet on a healthy one (which
includes the look-alikes it must not match).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.builders import advice
from components.builders.alerts import prometheus_rule_spec
from components.builders.chart_values import build_values
from components.settings import Settings
from components.settings.alerts import Alerts, Severities
from components.stack_config import load_settings
from tests import harness
from tests.docs import all_docs, page
from tests.harness import stack_config
from tests.programs import require_program
from tests.samples import stack_settings

Labels = dict[str, str]

BASE: dict[str, Any] = {
    "registries": [{"urls": ["https://docker.io"], "onDemand": True}],
    "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
    "metrics": {"enabled": True, "serviceMonitor": True},
}
# As Prometheus Operator labels a target of the chart's ServiceMonitor for release `zot` in namespace `zot`.
TARGET: Labels = {
    "container": "zot",
    "endpoint": "zot",
    "instance": "10.0.0.7:5000",
    "job": "zot",
    "namespace": "zot",
    "pod": "zot-0",
    "service": "zot",
}
HEADLESS: Labels = {**TARGET, "job": "zot-headless", "service": "zot-headless"}
CLAIM: Labels = {"job": "kubelet", "namespace": "zot", "node": "node-1", "persistentvolumeclaim": "zot-pvc-zot-0"}
KSM: Labels = {"container": "zot", "job": "kube-state-metrics", "namespace": "zot", "pod": "zot-0", "uid": "u-1"}
RUNBOOK = "docs/operations.md#"
LATENCY_BUCKETS = ("0.05", "0.5", "1.0", "5.0", "30.0", "60.0", "600.0", "+Inf")


def series(name: str, labels: Labels, values: str) -> dict[str, str]:
    inner = ", ".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    return {"series": f"{name}{{{inner}}}", "values": values}


def latency(method: str, share_slow: float, recorded: str = "5", per_minute: float = 100) -> list[dict[str, str]]:
    """HEAD or GET requests, `per_minute`: all under 1 s (recorded 0) but `share_slow` of them, which zot records as
    `recorded` whole seconds (a 5.x s request is recorded as 5, pkg/api/session.go L87). Buckets as Prometheus 3
    stores them (le="1.0")."""
    slow = per_minute * share_slow
    at = float(recorded)
    return [
        series(
            "zot_http_method_latency_seconds_bucket",
            {"job": "zot", "namespace": "zot", "pod": "zot-0", "method": method, "le": le},
            f"0+{per_minute - slow + (slow if le == '+Inf' or float(le) >= at else 0):g}x40",
        )
        for le in LATENCY_BUCKETS
    ]


def requests(code: str, per_minute: float, method: str = "GET", labels: Labels = TARGET) -> dict[str, str]:
    return series("zot_http_requests_total", {**labels, "method": method, "code": code}, f"0+{per_minute:g}x40")


# A 12-layer image pushed every 5 minutes, as containerd's and go-containerregistry's pushers do it: a HEAD per blob
# (404: new), then its upload (POST 202, PATCH 202, PUT 201), then the manifest's HEAD (404) and PUT (201), which zot
# counts as an upload of the repository.
PUSH_EVERY_5M = [
    requests("404", 2.6, "HEAD"),
    requests("202", 2.4, "POST"),
    requests("202", 2.4, "PATCH"),
    requests("201", 2.6, "PUT"),
    series("zot_repo_uploads_total", {**TARGET, "repo": "internal/app"}, "0+0.2x40"),
]
NOT_FOUND = (
    "For 15 minutes, more than 50% of the HEAD requests to the cache in zot that no push explains were answered 404 "
    "(at least 20 such HEADs in 10m): zot could not sync those images from their upstream, or clients ask for images "
    "that do not exist. zot's log says which. zot's metrics cannot tell manifest from blob HEADs: a push's HEADs "
    "count as far as its uploads do not account for them, and clients that GET manifests (CRI-O) are not seen."
)


def memory_use(working_set: str, container: str = "zot") -> list[dict[str, str]]:
    """cAdvisor's working set of a container of zot-0 and kube-state-metrics' 1 GB memory limit for it."""
    cadvisor = {"container": container, "job": "kubelet", "namespace": "zot", "pod": "zot-0"}
    limits = {**KSM, "container": container, "resource": "memory", "unit": "byte"}
    return [
        series("container_memory_working_set_bytes", cadvisor, f"{working_set}x40"),
        series("kube_pod_container_resource_limits", limits, "1000000000x40"),
    ]


def restarted_at_10m(reason: str) -> list[dict[str, str]]:
    """kube-state-metrics after one restart of the zot container at minute 10, for `reason`."""
    return [
        series("kube_pod_container_status_restarts_total", KSM, "0x9 1x30"),
        series("kube_pod_container_status_last_terminated_reason", {**KSM, "reason": reason}, "0x9 1x30"),
    ]


@dataclass(frozen=True)
class Case:
    alert: str
    eval_time: str
    input_series: list[dict[str, str]]
    # Each firing alert: its labels (besides alertname) and its summary and description.
    fires: list[tuple[Labels, str, str]] = field(default_factory=list)

    def test(self) -> dict[str, Any]:
        expected = [
            {
                "exp_labels": labels,
                "exp_annotations": {"summary": summary, "description": description, "runbook_url": RUNBOOK + anchor},
            }
            for labels, summary, description in self.fires
            for anchor in (self.alert.lower(),)
        ]
        return {
            "interval": "1m",
            "input_series": self.input_series,
            "alert_rule_test": [{"eval_time": self.eval_time, "alertname": self.alert, "exp_alerts": expected}],
        }


PAGE, TICKET = {"severity": "critical"}, {"severity": "warning"}
VOLUME_FILLING = "50000000000-100000000x480"  # 50 GB free, 100 MB less each minute: empty in 8 h 20 min
CASES = [
    Case(
        "ZotCacheDown",
        "6m",
        [series("up", TARGET, "0x10"), series("up", HEADLESS, "0x10")],
        [
            (
                {**TARGET, **PAGE},
                "zot cache pod zot-0 in zot is down",
                "Prometheus has not been able to scrape 10.0.0.7:5000 for 5 minutes: pulls that reach this pod fail, "
                "and nodes fall back to the upstream registries.",
            )
        ],
    ),
    Case("ZotCacheDown", "6m", [series("up", TARGET, "1x10"), series("up", HEADLESS, "0x10")]),
    Case(
        "ZotCacheNotScraped",
        "16m",
        [series("up", HEADLESS, "1x20")],
        [
            (
                {"job": "zot", "namespace": "zot", **PAGE},
                "zot cache zot in zot is not scraped",
                "No Prometheus target for job zot in zot for 15 minutes: the ServiceMonitor is missing or not "
                "selected, so no other alert of the cache can fire.",
            )
        ],
    ),
    Case("ZotCacheNotScraped", "16m", [series("up", TARGET, "1x20")]),
    Case(
        "ZotCacheVolumeFillingUp",
        "7h",
        [series("kubelet_volume_stats_available_bytes", CLAIM, VOLUME_FILLING)],
        [
            (
                {**CLAIM, **PAGE},
                "zot cache volume zot-pvc-zot-0 will be full within 24h",
                "At the rate of the last 6 hours, the cache's volume in zot fills up within 24h; then every pull "
                "that misses the cache fails.",
            )
        ],
    ),
    Case(
        "ZotCacheVolumeFillingUp",
        "7h",
        [
            series("kubelet_volume_stats_available_bytes", CLAIM, "50000000000x480"),
            series("kubelet_volume_stats_available_bytes", {**CLAIM, "persistentvolumeclaim": "other"}, VOLUME_FILLING),
        ],
    ),
    Case(
        "ZotCacheVolumeAlmostFull",
        "20m",
        [
            series("kubelet_volume_stats_available_bytes", CLAIM, "5000000000x30"),
            series("kubelet_volume_stats_capacity_bytes", CLAIM, "100000000000x30"),
        ],
        [
            (
                {**CLAIM, **TICKET},
                "zot cache volume zot-pvc-zot-0 is 95% full",
                "The cache's volume in zot is more than 90% full; shorten retention or grow the volume before it "
                "fills.",
            )
        ],
    ),
    Case(
        "ZotCacheVolumeAlmostFull",
        "20m",
        [
            series("kubelet_volume_stats_available_bytes", CLAIM, "50000000000x30"),
            series("kubelet_volume_stats_capacity_bytes", CLAIM, "100000000000x30"),
        ],
    ),
    Case(
        "ZotCacheHighErrorRatio",
        "20m",
        [
            requests("200", 100),
            requests("500", 10),
            requests("500", 1000, labels=HEADLESS),
        ],
        [
            (
                {"job": "zot", "namespace": "zot", **PAGE},
                "zot cache zot answers 9.091% of requests with 5xx",
                "More than 5% of the requests to the cache in zot failed with a server error for 10 minutes (at least "
                "20 requests in 10m).",
            )
        ],
    ),
    # 404s are not server errors; and 1 request in 10 minutes, failed, is below the traffic floor.
    Case(
        "ZotCacheHighErrorRatio",
        "20m",
        [requests("200", 100), requests("404", 100), requests("500", 1)],
    ),
    Case("ZotCacheHighErrorRatio", "30m", [series("zot_http_requests_total", {**TARGET, "code": "500"}, "0+0.1x40")]),
    Case(
        "ZotCacheUpstreamFailing",
        "20m",
        [
            requests("200", 3, "HEAD"),
            requests("404", 7, "HEAD"),
            requests("200", 50),
            requests("404", 10, "HEAD", HEADLESS),
        ],
        [({"job": "zot", "namespace": "zot", **TICKET}, "zot cache zot answers 70% of pull HEADs with 404", NOT_FOUND)],
    ),
    # The same failing pulls beside pushes: each new blob's HEAD (404) is followed by the POST that starts its
    # upload, the manifest's HEAD by its upload; neither the share nor the floor counts them.
    Case(
        "ZotCacheUpstreamFailing",
        "20m",
        [
            requests("200", 3, "HEAD"),
            requests("404", 9, "HEAD"),
            requests("202", 1.5, "POST"),
            series("zot_repo_uploads_total", {**TARGET, "repo": "internal/app"}, "0+0.5x40"),
        ],
        [({"job": "zot", "namespace": "zot", **TICKET}, "zot cache zot answers 70% of pull HEADs with 404", NOT_FOUND)],
    ),
    # A few misses among many hits; and a quiet night: 1 HEAD a minute, every one a 404, is below the floor.
    Case("ZotCacheUpstreamFailing", "20m", [requests("200", 30, "HEAD"), requests("404", 5, "HEAD")]),
    Case("ZotCacheUpstreamFailing", "20m", [requests("404", 1, "HEAD")]),
    # An admin pushes a 12-layer image every 5 minutes (2.4 blob HEADs a minute, all 404, each followed by an
    # upload: POST 202, PATCH 202, PUT 201) while nodes pull 0.8 images a minute, all cached.
    Case("ZotCacheUpstreamFailing", "20m", [*PUSH_EVERY_5M, requests("200", 0.8, "HEAD")]),
    # Pushes do not lift failing pulls over the floor: 0.8 pulls a minute, all 404, are 8 in 10 minutes.
    Case("ZotCacheUpstreamFailing", "20m", [*PUSH_EVERY_5M, requests("404", 0.8, "HEAD")]),
    Case(
        "ZotCacheSlowRequests",
        "25m",
        [*latency("HEAD", 0.2), requests("200", 100, "HEAD")],
        [
            (
                {"job": "zot", "namespace": "zot", **TICKET},
                "zot cache zot answers manifest requests slowly",
                "For 15 minutes, 20% of the HEAD requests to the cache in zot took 2 s or more (more than one in ten, "
                "at least 20 requests in 10m).",
            )
        ],
    ),
    # A quiet night: 1 HEAD every 2 minutes, a quarter of them taking 3 s, is below the floor.
    Case("ZotCacheSlowRequests", "25m", [*latency("HEAD", 0.25, "3", per_minute=0.5), requests("200", 0.5, "HEAD")]),
    # 1.x s requests (recorded as 1) are not slow; slow GETs (big layers) are left out.
    Case("ZotCacheSlowRequests", "25m", latency("HEAD", 0.5, recorded="1") + latency("GET", 0.5)),
    Case(
        "ZotCachePodRestarting",
        "61m",
        [series("kube_pod_container_status_restarts_total", KSM, "0+1x70")],
        [
            (
                {**KSM, **TICKET},
                "zot cache pod zot-0 restarted 60 times in an hour",
                "The zot container in zot/zot-0 restarted at least 3 times in the last hour.",
            )
        ],
    ),
    Case(
        "ZotCachePodRestarting",
        "61m",
        [
            series("kube_pod_container_status_restarts_total", KSM, "0+0x70"),
            series("kube_pod_container_status_restarts_total", {**KSM, "pod": "zot-other-5d8f7-x2x9z"}, "0+1x70"),
        ],
    ),
    Case(
        "ZotCacheOOMKilled",
        "15m",
        restarted_at_10m("OOMKilled"),
        [
            (
                {**KSM, **TICKET},
                "zot cache pod zot-0 was OOM-killed",
                "The zot container in zot/zot-0 went over its memory limit: VPA's limit is too small for the load "
                "(raise resources.vpa.maxAllowed.memory).",
            )
        ],
    ),
    Case(
        "ZotCacheOOMKilled",
        "15m",
        restarted_at_10m("Error"),
    ),
    # An OOM kill long ago (the reason stays until the next termination) is not news.
    Case(
        "ZotCacheOOMKilled",
        "40m",
        restarted_at_10m("OOMKilled"),
    ),
    Case(
        "ZotCacheMemoryNearLimit",
        "30m",
        memory_use("950000000"),
        [
            (
                {"namespace": "zot", "pod": "zot-0", **TICKET},
                "zot cache pod zot-0 uses 95% of its memory limit",
                "The zot container in zot/zot-0 has stayed near its memory limit for 15 minutes; an OOM kill is next "
                "if the load grows: VPA's limit is too small for the load (raise resources.vpa.maxAllowed.memory).",
            )
        ],
    ),
    # 80 % of the limit is working memory, not a warning; another container of the pod is not zot.
    Case("ZotCacheMemoryNearLimit", "30m", memory_use("800000000") + memory_use("990000000", container="sidecar")),
]


def settings(**changes: Any) -> Settings:
    return Settings.model_validate({**BASE, **changes})


def rules_file(directory: Path, spec: dict[str, Any]) -> Path:
    path = directory / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": spec["groups"]}, sort_keys=False))
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    program = require_program("promtool", "prometheus")
    return subprocess.run([program, *args], capture_output=True, text=True, check=False, timeout=60)


def alert_names(spec: dict[str, Any]) -> list[str]:
    return [rule["alert"] for group in spec["groups"] for rule in group["rules"]]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="default"),
        pytest.param({"storage": {"persistence": False}}, id="deployment-without-volume"),
        pytest.param(
            {
                "app": {"name": "prod01-cache", "cluster": {"name": "prod01", "organization": "platform"}},
                "alerts": {"enabled": True, "ruleLabels": {"observability.giantswarm.io/tenant": "platform"}},
            },
            id="workload-cluster",
        ),
        pytest.param({"resources": {"vpa": {"enabled": False}}}, id="fixed-memory"),
    ],
)
def test_promtool_accepts_the_generated_rules(tmp_path: Path, changes: dict[str, Any]) -> None:
    result = promtool("check", "rules", str(rules_file(tmp_path, prometheus_rule_spec(settings(**changes)))))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_and_stays_quiet_in_promtool(tmp_path: Path) -> None:
    spec = prometheus_rule_spec(settings())
    assert {case.alert for case in CASES if case.fires} == set(alert_names(spec)), "every alert needs a firing case"
    assert {case.alert for case in CASES if not case.fires} == set(alert_names(spec)), "and a quiet one"
    rules_file(tmp_path, spec)
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        yaml.safe_dump(
            {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [case.test() for case in CASES]},
            sort_keys=False,
        )
    )
    result = promtool("test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_workload_clusters_rules_only_match_that_cluster() -> None:
    spec = prometheus_rule_spec(
        settings(
            app={"name": "prod01-cache", "cluster": {"name": "prod01", "organization": "platform"}},
            alerts={"enabled": True, "ruleLabels": {"observability.giantswarm.io/tenant": "platform"}},
        )
    )
    for group in spec["groups"]:
        for rule in group["rules"]:
            selectors = re.findall(r"\{[^{}]*\}", rule["expr"])
            assert selectors, rule["expr"]
            assert all('cluster_id="prod01"' in found for found in selectors), rule["expr"]


def test_every_runbook_url_points_at_a_readme_heading() -> None:
    """GitHub's anchor for `#### ZotCacheDown` is `zotcachedown`: each alert has its own runbook in README."""
    lines = page("docs/operations.md").splitlines()
    headings = {line[5:].strip().lower() for line in lines if line.startswith("#### ")}
    for name in alert_names(prometheus_rule_spec(settings())):
        assert name.lower() in headings, f"README has no '#### {name}' runbook"


PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"


def dev_run(**changes: Any) -> harness.ProgramRun:
    """Pulumi.dev.yaml with metrics and the ServiceMonitor on, and some top-level keys replaced."""
    config, _ = harness.stack_config("dev")
    return harness.run_program("dev", {**config, "metrics": BASE["metrics"], **changes}, set())


@pytest.mark.parametrize("platform", ["app", "flux", "helm"])
def test_the_rule_is_created_on_every_platform_beside_the_service_monitor(platform: str) -> None:
    changes: dict[str, Any] = {"platform": platform}
    if platform == "helm":
        changes["app"] = {"name": "zot", "namespace": "zot"}
    rule = dev_run(**changes).one(PROMETHEUS_RULE)
    assert rule.inputs["metadata"]["namespace"] == "zot"
    assert rule.inputs["metadata"]["name"] == "zot-alerts"
    assert rule.inputs["spec"] == prometheus_rule_spec(harness_settings(changes))


def harness_settings(changes: dict[str, Any]) -> Settings:
    config, _ = harness.stack_config("dev")
    return Settings.model_validate({**config, "metrics": BASE["metrics"], **changes})


def test_no_rule_without_the_service_monitor() -> None:
    config, _ = harness.stack_config("dev")
    run = harness.run_program("dev", config, set())
    assert not [r for r in run.resources if r.type == PROMETHEUS_RULE]


def test_turning_alerts_off_removes_only_the_rule() -> None:
    on, off = dev_run(), dev_run(alerts={"enabled": False})
    assert harness.changed_inputs(on, off) == {f"{PROMETHEUS_RULE}::zot-alerts"}


def test_a_threshold_changes_only_the_rule() -> None:
    before, after = dev_run(), dev_run(alerts={"errorRatio": 0.1})
    assert harness.changed_inputs(before, after) == {f"{PROMETHEUS_RULE}::zot-alerts"}


def test_the_same_config_gives_byte_identical_rules() -> None:
    assert harness.resource_inputs(dev_run()) == harness.resource_inputs(dev_run())


def test_a_workload_cluster_gets_rules_only_on_request_with_a_tenant() -> None:
    cluster = {"name": "zot", "namespace": "zot", "cluster": {"name": "prod01", "organization": "platform"}}
    assert not [r for r in dev_run(app=cluster).resources if r.type == PROMETHEUS_RULE]
    tenant = {"observability.giantswarm.io/tenant": "platform"}
    rule = dev_run(app=cluster, alerts={"enabled": True, "ruleLabels": tenant}).one(PROMETHEUS_RULE)
    assert rule.inputs["metadata"]["namespace"] == "org-platform"
    assert rule.inputs["metadata"]["labels"]["observability.giantswarm.io/tenant"] == "platform"


def test_readme_documents_every_alerts_key() -> None:
    readme = all_docs()
    for name, info in Alerts.model_fields.items():
        keys = [f"alerts.{info.alias or name}"]
        if name == "severities":
            keys = [f"alerts.severities.{sub.alias or sub_name}" for sub_name, sub in Severities.model_fields.items()]
        for key in keys:
            assert f"| `{key}`" in readme or f"`{key}` |" in readme or f"`{key}`," in readme, f"README lacks {key}"


def test_with_fixed_memory_the_oom_alert_names_gomemlimit_and_the_limit() -> None:
    spec = prometheus_rule_spec(settings(resources={"vpa": {"enabled": False}}))
    (oom,) = [rule for group in spec["groups"] for rule in group["rules"] if rule["alert"] == "ZotCacheOOMKilled"]
    assert "GOMEMLIMIT (1228MiB) is too close to the limit (1536Mi)" in oom["annotations"]["description"]


def test_a_workload_cluster_without_alerts_is_said_in_the_preview() -> None:
    config, secret_keys = harness.stack_config("prod")
    config.pop("alerts")
    logs = harness.run_program("prod", config, secret_keys, preview=True).warnings
    assert [line for line in logs if "no alerts: zot runs in workload cluster prod01" in line]
    silenced = harness.run_program("prod", {**config, "alerts": {"enabled": False}}, secret_keys, preview=True)
    assert not [line for line in silenced.warnings if "no alerts" in line]


def test_the_pods_logs_go_to_the_tenant_the_rules_run_in() -> None:
    """On Giant Swarm the chart labels zot's pods with a tenant (default giantswarm), which routes their logs; the
    metrics follow the ServiceMonitor's label (tests/test_service_monitor.py)."""
    values = build_values(stack_settings("prod"), "{}")
    assert values["giantswarm"]["observability"] == {"tenant": "platform"}
    assert "observability" not in build_values(stack_settings("dev"), "{}")["giantswarm"]


def test_a_runbook_base_that_no_notification_can_open_is_warned_about() -> None:
    config, secret_keys = stack_config("prod")
    config["alerts"].pop("runbookBaseUrl")
    warned = advice.warnings(load_settings(config, secret_keys))
    assert any(
        w.startswith("alerts.runbookBaseUrl is 'docs/operations.md', which a notification cannot open") for w in warned
    )
