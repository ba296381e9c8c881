"""The cache's alerting rules as plain data: the `spec` of a PrometheusRule, whose `groups` are a Prometheus rules file.

Every selector names exactly this cache: zot's own series by the labels the ServiceMonitor gives them (Prometheus
Operator's pkg/prometheus/promcfg.go L2179-2183 sets `job` to the scraped Service's name, as no ServiceMonitor here
sets a jobLabel, and `namespace` to its namespace; components/builders/service_monitor.py keeps the main Service
only), the volume by the claim the StatefulSet's template creates, kube-state-metrics series by the pods and the
container the chart runs.
Metric names and labels are zot v2.1.18's (pkg/extensions/monitoring/extension.go).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from components.builders.chart_values import gomemlimit
from components.builders.names import CONTAINER, claim_matcher, pod_pattern, series_scope, service_name
from components.settings import Settings
from components.settings.alerts import RATIO_WINDOW, TENANT_LABEL, VOLUME_LOOKBACK_SECONDS
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
    # The main Service, the only one the ServiceMonitor keeps (the headless one would give the pods a second job).
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
    # Per claim: with scale.replicas > 1 each member's volume fills on its own.
    volume = selector(persistentvolumeclaim=claim_matcher(settings), **series_scope(settings))
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


def bucket_at(bound: int) -> str:
    """A matcher for a latency bucket's `le`: Prometheus 3 stores classic histogram bounds as floats ("1.0"), older
    versions as the client wrote them ("1")."""
    return f"~{bound}([.]0)?"


def _traffic(settings: Settings) -> list[Alert]:
    alerts = settings.alerts
    scraped = {"job": service_name(settings.app), **series_scope(settings)}
    by = "sum by (namespace, job)"

    def requests(window: str, **labels: str) -> str:
        return f"{by} (rate(zot_http_requests_total{selector(**labels, **scraped)}[{window}]))"

    # Below this many requests in the window a ratio says nothing: two failed pulls at night are not 100 % failing.
    def busy(**labels: str) -> str:
        counted = f"increase(zot_http_requests_total{selector(**labels, **scraped)}[{RATIO_WINDOW}])"
        return f"{by} ({counted}) >= {alerts.min_requests}"

    floor = f"at least {alerts.min_requests} requests in {RATIO_WINDOW}"
    # zot answers a manifest it could not sync with 404 (v2.1.18 pkg/api/routes.go L2714-2724: the sync error is only
    # logged, then the local store answers; L472-491 and L549-570 turn "not found" into 404); it has no sync metrics.
    # zot_http_requests_total carries only `method` and `code` (pkg/extensions/monitoring/extension.go L20-27, filled
    # in pkg/api/session.go L118), and the one series with a repository label, zot_http_repo_latency_seconds, has
    # neither method nor code: no series tells a manifest HEAD from a blob HEAD. containerd resolves every image with
    # a HEAD on its manifest and GETs blobs, but a pushing client HEADs each blob first and gets 404 for a new one
    # (containerd remotes/docker/pusher.go, go-containerregistry remote/write.go checkExistingBlob, skopeo). Every
    # such blob is then uploaded, which the distribution spec starts with a POST to /v2/<name>/blobs/uploads/, and
    # a manifest HEAD before a push ends in a manifest PUT, which zot counts in zot_repo_uploads_total
    # (pkg/storage/imagestore/imagestore.go L556-566). So the HEADs pushes explain are taken out of both sides.

    def counted(window_function: str) -> Counted:
        def count(metric: str, **labels: str) -> str:
            return f"{by} ({window_function}({metric}{selector(**labels, **scraped)}[{RATIO_WINDOW}]))"

        return count

    not_found = (
        f"{pulled_not_found_share(counted('rate'))} > {alerts.not_found_ratio:g} "
        f"and ({pulled_heads(counted('increase'))}) >= {alerts.min_requests}"
    )
    slow = settings.alerts.latency_seconds
    head_buckets = "zot_http_method_latency_seconds_bucket"
    within = f"{by} (rate({head_buckets}{selector(method='HEAD', le=bucket_at(slow), **scraped)}[5m]))"
    every = f"{by} (rate({head_buckets}{selector(method='HEAD', le='+Inf', **scraped)}[5m]))"
    return [
        Alert(
            "ZotCacheHighErrorRatio",
            "page",
            f"{requests(RATIO_WINDOW, code='~5..')} / {requests(RATIO_WINDOW)} > {alerts.error_ratio:g} and {busy()}",
            "10m",
            "zot cache {{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx",
            f"More than {alerts.error_ratio:.0%} of the requests to the cache in {{{{ $labels.namespace }}}} "
            f"failed with a server error for 10 minutes ({floor}).",
        ),
        Alert(
            "ZotCacheUpstreamFailing",
            "ticket",
            not_found,
            "15m",
            "zot cache {{ $labels.job }} answers {{ $value | humanizePercentage }} of pull HEADs with 404",
            f"For 15 minutes, more than {alerts.not_found_ratio:.0%} of the HEAD requests to the cache in "
            f"{{{{ $labels.namespace }}}} that no push explains were answered 404 (at least {alerts.min_requests} such "
            f"HEADs in {RATIO_WINDOW}): zot could not sync those images from their upstream, or clients ask for "
            "images that do not exist. zot's log says which. zot's metrics cannot tell manifest from blob HEADs: "
            "a push's HEADs count as far as its uploads do not account for them, and clients that GET manifests "
            "(CRI-O) are not seen.",
        ),
        Alert(
            "ZotCacheSlowRequests",
            "ticket",
            # The share above a bucket bound, exact where a quantile would interpolate inside a bucket (zot records
            # whole seconds, so a 5.9 s request sits in the 5 s bucket and a p90 over it comes out lower).
            f"1 - {within} / {every} > 0.1 and {busy(method='HEAD')}",
            "15m",
            "zot cache {{ $labels.job }} answers manifest requests slowly",
            f"For 15 minutes, {{{{ $value | humanizePercentage }}}} of the HEAD requests to the cache in "
            f"{{{{ $labels.namespace }}}} took {slow + 1} s or more (more than one in ten, {floor}).",
        ),
    ]


class Counted(Protocol):
    """How a caller aggregates one set of series over its window: `sum by (...) (rate(metric{...}[10m]))` in a rule,
    `sum(rate(metric{...}[$__rate_interval]))` on the dashboard."""

    def __call__(self, metric: str, **labels: str) -> str: ...


def pulled_heads(counted: Counted, **labels: str) -> str:
    """The HEAD requests (with `labels`) that no push explains: all HEADs less one per upload started (a POST) and
    one per manifest uploaded (_traffic says why). A counter a cache never moved has no series yet, so those two
    parts fall back to zero with the HEADs' labels."""
    zero = f"{counted('zot_http_requests_total', method='HEAD')} * 0"
    started = f"({counted('zot_http_requests_total', method='POST')} or {zero})"
    uploaded = f"({counted('zot_repo_uploads_total')} or {zero})"
    return f"{counted('zot_http_requests_total', method='HEAD', **labels)} - {started} - {uploaded}"


def pulled_not_found_share(counted: Counted) -> str:
    """The share of pull HEADs answered 404. Where pushes outnumber the HEADs (mounts without a HEAD), the misses
    clamp at 0 rather than turn the ratio of two negatives positive."""
    return f"clamp_min({pulled_heads(counted, code='404')}, 0) / ({pulled_heads(counted)})"


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
    """The runbook heading `#### <alert>` in docs/operations.md gets this anchor on GitHub and in most Markdown
    renderers."""
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
