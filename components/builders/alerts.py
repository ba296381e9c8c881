"""The cache's alerting rules as plain data: the `spec` of a PrometheusRule, whose `groups` are a Prometheus rules file.

Every selector names exactly this cache: zot's own series by the labels the chart's ServiceMonitor gives them
(Prometheus Operator's pkg/prometheus/promcfg.go sets `job` to the scraped Service's name, as the charts set no
jobLabel, and `namespace` to its namespace), the volume by the claim the StatefulSet's template creates,
kube-state-metrics series by the pods and the container the chart runs.
Metric names and labels are zot v2.1.18's (pkg/extensions/monitoring/extension.go).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.builders.chart_values import gomemlimit
from components.builders.names import CONTAINER, claim_name, pod_pattern, series_scope, service_name
from components.settings import Settings
from components.settings.alerts import TENANT_LABEL, VOLUME_LOOKBACK_SECONDS
from components.settings.units import parse_go_duration

GROUP_PREFIX = "zot-cache"


@dataclass(frozen=True)
class Alert:
    name: str
    severity: str  # "page" or "ticket": Settings.alerts.severities maps them to label values
    expr: str
    for_: str | None
    summary: str
    description: str


def selector(**labels: str) -> str:
    """A PromQL label selector with sorted matchers; a value starting with `~` is a regular expression."""
    parts = [f'{key}=~"{value[1:]}"' if value.startswith("~") else f'{key}="{value}"' for key, value in labels.items()]
    return "{" + ", ".join(sorted(parts)) + "}"


def _availability(settings: Settings) -> list[Alert]:
    # The Service the chart's ServiceMonitor scrapes under this job; the headless Service it also matches (with
    # persistence) gives the same pods a second job, `<name>-headless`, which these rules leave out.
    scraped = selector(job=service_name(settings.app), **series_scope(settings))
    return [
        Alert(
            "ZotCacheDown",
            "page",
            f"up{scraped} == 0",
            "5m",
            "zot cache pod {{ $labels.pod }} in {{ $labels.namespace }} is down",
            "Prometheus has not been able to scrape {{ $labels.instance }} for 5 minutes: pulls that reach this "
            "pod fail, and nodes fall back to the upstream registries.",
        ),
        Alert(
            "ZotCacheNotScraped",
            "page",
            f"absent(up{scraped})",
            "15m",
            "zot cache {{ $labels.job }} in {{ $labels.namespace }} is not scraped",
            "No Prometheus target for job {{ $labels.job }} in {{ $labels.namespace }} for 15 minutes: the "
            "ServiceMonitor is missing or not selected, so no other alert of the cache can fire.",
        ),
    ]


def _storage(settings: Settings) -> list[Alert]:
    if not settings.storage.persistence:
        return []  # an emptyDir has no volume stats; it goes with the pod
    volume = selector(persistentvolumeclaim=claim_name(settings), **series_scope(settings))
    alerts = settings.alerts
    within = alerts.volume_full_within
    seconds = int(parse_go_duration(within))
    used = f"1 - kubelet_volume_stats_available_bytes{volume} / kubelet_volume_stats_capacity_bytes{volume}"
    return [
        Alert(
            "ZotCacheVolumeFillingUp",
            "page",
            f"predict_linear(kubelet_volume_stats_available_bytes{volume}[{VOLUME_LOOKBACK_SECONDS}s], {seconds}) < 0",
            "1h",
            f"zot cache volume {{{{ $labels.persistentvolumeclaim }}}} will be full within {within}",
            f"At the rate of the last {VOLUME_LOOKBACK_SECONDS // 3600} hours, the cache's volume in "
            f"{{{{ $labels.namespace }}}} fills up within {within}; then every pull that misses the cache fails.",
        ),
        Alert(
            "ZotCacheVolumeAlmostFull",
            "ticket",
            f"{used} > {alerts.volume_used_ratio:g}",
            "15m",
            "zot cache volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full",
            f"The cache's volume in {{{{ $labels.namespace }}}} is more than {alerts.volume_used_ratio:.0%} full; "
            "shorten retention or grow the volume before it fills.",
        ),
    ]


def _traffic(settings: Settings) -> list[Alert]:
    alerts = settings.alerts
    scraped = {"job": service_name(settings.app), **series_scope(settings)}
    by = "sum by (namespace, job)"
    requests = f"rate(zot_http_requests_total{selector(**scraped)}[5m])"
    errors = f"rate(zot_http_requests_total{selector(code='~5..', **scraped)}[5m])"
    # HEAD on a manifest starts every pull and is where zot syncs on demand; a GET's time grows with the layer.
    heads = f"rate(zot_http_method_latency_seconds_bucket{selector(method='HEAD', **scraped)}[5m])"
    return [
        Alert(
            "ZotCacheHighErrorRatio",
            "page",
            f"{by} ({errors}) / {by} ({requests}) > {alerts.error_ratio:g}",
            "10m",
            "zot cache {{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx",
            f"More than {alerts.error_ratio:.0%} of the requests to the cache in {{{{ $labels.namespace }}}} "
            "failed with a server error for 10 minutes.",
        ),
        Alert(
            "ZotCacheSlowRequests",
            "ticket",
            f"histogram_quantile(0.9, sum by (namespace, job, le) ({heads})) > {alerts.latency_seconds:g}",
            "15m",
            "zot cache {{ $labels.job }} answers manifest requests slowly",
            f"For 15 minutes, one in ten HEAD requests to the cache in {{{{ $labels.namespace }}}} took longer "
            f"than {alerts.latency_seconds:g}s (90th percentile: {{{{ $value | humanizeDuration }}}}).",
        ),
    ]


# The working set's share of the limit above which the pod is one load spike away from an OOM kill.
MEMORY_NEAR_LIMIT = 0.9


def _pods(settings: Settings) -> list[Alert]:
    pods = f"~{pod_pattern(settings)}"
    container = selector(container=CONTAINER, pod=pods, **series_scope(settings))
    oom = selector(container=CONTAINER, pod=pods, reason="OOMKilled", **series_scope(settings))
    memory_limit = selector(container=CONTAINER, pod=pods, resource="memory", **series_scope(settings))
    restarts = settings.alerts.restarts_per_hour
    limit_for_go = gomemlimit(settings.resources)
    limit = settings.resources.limits.memory
    cause = (
        f"GOMEMLIMIT ({limit_for_go}) is too close to the limit ({limit}) for the load, or the limit is too small"
        if limit_for_go
        else "VPA's limit is too small for the load (raise resources.vpa.maxAllowed.memory)"
    )
    return [
        Alert(
            "ZotCachePodRestarting",
            "ticket",
            f"increase(kube_pod_container_status_restarts_total{container}[1h]) >= {restarts}",
            None,
            "zot cache pod {{ $labels.pod }} restarted {{ $value | humanize }} times in an hour",
            f"The zot container in {{{{ $labels.namespace }}}}/{{{{ $labels.pod }}}} restarted at least {restarts} "
            "times in the last hour.",
        ),
        Alert(
            "ZotCacheOOMKilled",
            "ticket",
            f"increase(kube_pod_container_status_restarts_total{container}[15m]) > 0 "
            f"and on (namespace, pod, container) kube_pod_container_status_last_terminated_reason{oom} == 1",
            None,
            "zot cache pod {{ $labels.pod }} was OOM-killed",
            f"The zot container in {{{{ $labels.namespace }}}}/{{{{ $labels.pod }}}} went over its memory limit: "
            f"{cause}.",
        ),
        Alert(
            "ZotCacheMemoryNearLimit",
            "ticket",
            # Before the OOM kill: the working set (what the kernel counts) against the limit.
            f"max by (namespace, pod) (container_memory_working_set_bytes{container}) "
            f"/ max by (namespace, pod) (kube_pod_container_resource_limits{memory_limit}) > {MEMORY_NEAR_LIMIT}",
            "15m",
            "zot cache pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
            f"The zot container in {{{{ $labels.namespace }}}}/{{{{ $labels.pod }}}} has stayed near its memory limit "
            f"for 15 minutes; an OOM kill is next if the load grows: {cause}.",
        ),
    ]


def anchor(alert: str) -> str:
    """The README heading `#### <alert>` gets this anchor on GitHub and in most Markdown renderers."""
    return alert.lower()


def _rule(settings: Settings, alert: Alert) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_:
        rule["for"] = alert.for_
    severity = getattr(settings.alerts.severities, alert.severity)
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {
        "description": alert.description,
        "runbook_url": f"{settings.alerts.runbook_base_url}#{anchor(alert.name)}",
        "summary": alert.summary,
    }
    return rule


def alert_groups(settings: Settings) -> dict[str, list[Alert]]:
    """Alerts by group; a group without alerts (storage without persistence) is left out."""
    groups = {
        "availability": _availability(settings),
        "storage": _storage(settings),
        "traffic": _traffic(settings),
        "pods": _pods(settings),
    }
    return {name: alerts for name, alerts in groups.items() if alerts}


def prometheus_rule_spec(settings: Settings) -> dict[str, Any]:
    """The PrometheusRule's spec; its `groups` is also a valid Prometheus rules file (what the tests give promtool)."""
    return {
        "groups": [
            {"name": f"{GROUP_PREFIX}.{name}", "rules": [_rule(settings, alert) for alert in alerts]}
            for name, alerts in alert_groups(settings).items()
        ]
    }


def warnings(settings: Settings) -> list[str]:
    """A ServiceMonitor without alerts because zot runs elsewhere is said in every preview, not silently skipped."""
    cluster, metrics = settings.app.cluster, settings.metrics
    if cluster is None or settings.alerts.enabled is not None or not (metrics.enabled and metrics.service_monitor):
        return []
    return [
        f"no alerts: zot runs in workload cluster {cluster.name}, and a PrometheusRule Pulumi creates in the "
        "management cluster is only evaluated there by Giant Swarm's observability platform; set alerts.enabled: "
        f'true with alerts.ruleLabels {{"{TENANT_LABEL}": <your tenant>}}, or alerts.enabled: false to silence this'
    ]
