"""The Grafana dashboard, built with Grafana's own SDK (grafana-foundation-sdk) and serialized by its encoder.

Every query selects the series the ServiceMonitor produces: Prometheus Operator sets `namespace` to the
Service's namespace and `job` to the Service's name; kubelet, cAdvisor and kube-state-metrics series are
selected by namespace, pod, container and volume claim. The dashboard JSON is what the SDK serializes, never
edited afterwards: the tests compare it with a fresh serialization.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import DashboardCursorSync, DataSourceRef, Threshold, ThresholdsMode

from components.builders import names
from components.builders.alerts import pulled_not_found_share
from components.builders.chart_values import gomemlimit
from components.settings import Settings
from components.settings.alerts import LATENCY_BOUNDS
from components.settings.units import parse_go_memory

DATA_KEY = "zot-cache.json"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "[$__rate_interval]"
# Repositories shown where a panel lists them: the busiest few stay readable.
TOP_REPOSITORIES = 10


P = TypeVar("P", timeseries.Panel, stat.Panel)


class Selectors:
    """Label matchers for the cache's own series, its pod's container and its volume claim."""

    def __init__(self, settings: Settings) -> None:
        # The same scope as the alerts: with a workload cluster, Giant Swarm's Grafana sees every cluster's series.
        scope = ", ".join(f'{label}="{value}"' for label, value in names.series_scope(settings).items())
        self.zot = f'{scope}, job="{names.service_name(settings.app)}"'
        pod = names.pod_pattern(settings)
        self.container = f'{scope}, pod=~"{pod}", container="{names.CONTAINER}"'
        claim = names.claim_matcher(settings)
        operator = "=~" if claim.startswith("~") else "="
        self.claim = f'{scope}, persistentvolumeclaim{operator}"{claim.removeprefix("~")}"'

    def counted(self, metric: str, **labels: str) -> str:
        """One set of zot's series, summed over the panel's rate interval (alerts.Counted)."""
        extra = "".join(f', {label}="{value}"' for label, value in labels.items())
        return f"sum(rate({metric}{{{self.zot}{extra}}}{RATE}))"


def _query(expr: str, legend: str) -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend)


def _series(title: str, description: str, unit: str, queries: list[prometheus.Dataquery]) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .unit(unit)
        .min(0)
        .span(12)
        .height(8)
        .legend(common_builders.VizLegendOptions().show_legend(True).display_mode(common.LegendDisplayMode.TABLE))
    )
    return _with_targets(panel, queries)


def _stat(title: str, description: str) -> stat.Panel:
    # The latest value: Grafana's own default, written out so the panel does not depend on it.
    last = common_builders.ReduceDataOptions().calcs(["lastNotNull"])
    return (
        stat.Panel().title(title).description(description).datasource(DATASOURCE).span(6).height(8).reduce_options(last)
    )


def _with_targets(panel: P, queries: list[prometheus.Dataquery]) -> P:
    """Queries get refIds A, B, ...: Grafana keys a panel's queries (and overrides) by them."""
    for ref_id, query in zip("ABCDEFGH", queries, strict=False):
        panel.with_target(query.ref_id(ref_id))
    return panel


def _requests(on: Selectors) -> list[timeseries.Panel]:
    requests = f"zot_http_requests_total{{{on.zot}}}"
    return [
        _series(
            "Requests by status code",
            "Requests per second zot answered, by HTTP status code (zot_http_requests_total).",
            "reqps",
            [_query(f"sum by (code) (rate({requests}{RATE}))", "{{code}}")],
        ),
        _series(
            "5xx and HEAD 404 ratios",
            "Share of requests answered with a 5xx status (a full volume, or zot itself: ZotCacheHighErrorRatio), and "
            "share of the HEADs no push explains answered 404 (zot answers a failed upstream sync with 404: "
            "ZotCacheUpstreamFailing, which reads the same share).",
            "percentunit",
            [
                _query(
                    f'sum(rate(zot_http_requests_total{{{on.zot}, code=~"5.."}}{RATE})) / sum(rate({requests}{RATE}))',
                    "5xx",
                ),
                _query(pulled_not_found_share(on.counted), "404 of pull HEADs"),
            ],
        ),
    ]


def _latency(on: Selectors) -> list[timeseries.Panel]:
    histogram = "zot_http_method_latency_seconds_bucket"
    every = f'sum by (method) (rate({histogram}{{{on.zot}, le="+Inf"}}{RATE}))'
    # zot records whole seconds (pkg/api/session.go L87), so a quantile interpolated inside a bucket is made up: the
    # share of requests above each whole-second bound is what the histogram knows (and what ZotCacheSlowRequests reads).
    above = [
        _query(
            f'1 - sum by (method) (rate({histogram}{{{on.zot}, le=~"{bound}([.]0)?"}}{RATE})) / {every}',
            f"{{{{method}}}} {bound + 1} s or more",
        )
        for bound in LATENCY_BOUNDS[:3]
    ]
    # zot_http_repo_latency_seconds is a summary without quantiles: its mean per repository is sum / count.
    repo_sum = f"sum by (repo) (rate(zot_http_repo_latency_seconds_sum{{{on.zot}}}{RATE}))"
    repo_count = f"sum by (repo) (rate(zot_http_repo_latency_seconds_count{{{on.zot}}}{RATE}))"
    return [
        _series(
            "Slow requests by method",
            "Share of requests that took 2 s, 6 s or 31 s or more (zot_http_method_latency_seconds: zot records whole "
            "seconds in buckets bounded at 1, 5, 30 s). Pulls that sync on demand include the upstream fetch, so "
            "misses are slower than hits; a GET's time also grows with the layer's size.",
            "percentunit",
            above,
        ),
        _series(
            f"Mean latency, slowest {TOP_REPOSITORIES} repositories",
            "Mean answer time per repository (zot_http_repo_latency_seconds sum / count, whole seconds per request).",
            "s",
            [_query(f"topk({TOP_REPOSITORIES}, {repo_sum} / {repo_count})", "{{repo}}")],
        ),
    ]


def _storage(settings: Settings, on: Selectors) -> list[timeseries.Panel | stat.Panel]:
    stored = f"zot_repo_storage_bytes{{{on.zot}}}"
    # The first path segment of a repository is its namespace: by default the upstream's host, like docker.io.
    per_namespace = f'sum by (cache_namespace) (label_replace({stored}, "cache_namespace", "$1", "repo", "([^/]+)/.*"))'
    queries = [_query(per_namespace, "{{cache_namespace}}"), _query(f"sum({stored})", "all namespaces")]
    if not settings.storage.persistence:
        return [
            _series(
                "Storage per namespace",
                "Bytes zot stores per namespace (zot_repo_storage_bytes). No volume claim: persistence is off.",
                "bytes",
                queries,
            )
        ]
    # Each member's volume on its own (scale.replicas > 1): members fill unevenly, and the fullest one matters.
    per, member = (
        (" by (persistentvolumeclaim)", " {{persistentvolumeclaim}}") if settings.scale.clustered else ("", "")
    )
    capacity = f"max{per}(kubelet_volume_stats_capacity_bytes{{{on.claim}}})"
    available = f"max{per}(kubelet_volume_stats_available_bytes{{{on.claim}}})"
    used = f"({capacity} - {available})"
    # As ZotCacheVolumeAlmostFull measures it (what writes can still use, reserved blocks counted as used), and red
    # where it fires: the panel and the alert agree.
    almost_full = float(settings.alerts.volume_used_ratio)
    usage = _with_targets(
        _stat("Volume used", "Share of the volume claim in use (kubelet volume stats); retention and GC bring it down.")
        .unit("percentunit")
        .min(0)
        .max(1)
        .thresholds(
            dashboard_builders.ThresholdsConfig()
            .mode(ThresholdsMode.ABSOLUTE)
            .steps([Threshold(None, "green"), Threshold(almost_full - 0.1, "orange"), Threshold(almost_full, "red")])
        ),
        [_query(f"1 - {available} / {capacity}", f"used{member}")],
    )
    series = _series(
        "Storage per namespace against the volume",
        "Bytes zot stores per namespace and in all (zot_repo_storage_bytes), the volume claim's size and what its "
        "filesystem reports used. 'all namespaces' nearing 'volume size' means retention keeps more than fits.",
        "bytes",
        [*queries, _query(capacity, f"volume size{member}"), _query(used, f"volume used (filesystem){member}")],
    )
    return [usage, series]


def _downloads(on: Selectors) -> timeseries.Panel:
    downloads = f"sum by (repo) (rate(zot_repo_downloads_total{{{on.zot}}}{RATE}))"
    return _series(
        f"Downloads, busiest {TOP_REPOSITORIES} repositories",
        "Manifests served per second per repository (zot_repo_downloads_total counts every manifest zot serves, "
        "from its store or just synced): where the cache saves upstream pulls.",
        "reqps",
        [_query(f"topk({TOP_REPOSITORIES}, {downloads})", "{{repo}}")],
    )


def _memory(settings: Settings, on: Selectors) -> timeseries.Panel:
    queries = [
        _query(f"sum by (pod) (container_memory_working_set_bytes{{{on.container}}})", "working set {{pod}}"),
        _query(f'max(kube_pod_container_resource_limits{{{on.container}, resource="memory"}})', "limit"),
    ]
    limit_for_go = gomemlimit(settings.resources)
    if limit_for_go is not None:
        # Known from the settings (the chart sets it as an env variable): drawn as a constant.
        queries.append(_query(f"vector({parse_go_memory(limit_for_go)})", f"GOMEMLIMIT {limit_for_go}"))
    return _series(
        "Pod memory against limit and GOMEMLIMIT",
        "Working set of the zot container (cAdvisor), its memory limit (kube-state-metrics) and GOMEMLIMIT. Above "
        "GOMEMLIMIT the Go GC works hard to stay there; at the limit the kernel kills the pod (OOMKilled).",
        "bytes",
        queries,
    )


def _version(on: Selectors) -> stat.Panel:
    return _with_targets(
        _stat("zot version", "Versions running (zot_info); two during a rollout.").text_mode(
            common.BigValueTextMode.NAME
        ),
        [_query(f"count by (version) (zot_info{{{on.zot}}})", "{{version}}")],
    )


def _identity(settings: Settings) -> tuple[str, str]:
    """(uid, title): unique per cluster, namespace and release, since one Grafana may show several clusters."""
    cluster = settings.app.cluster.name if settings.app.cluster else ""
    where = f"{settings.app.namespace}/{names.service_name(settings.app)}"
    # Grafana's uid is at most 40 characters: a digest keeps it short and stable.
    digest = hashlib.sha256(f"{cluster}/{where}".encode()).hexdigest()[:16]
    return f"zot-cache-{digest}", f"zot cache {where}" + (f" on {cluster}" if cluster else "")


def build_dashboard(settings: Settings) -> dashboard_builders.Dashboard:
    on = Selectors(settings)
    uid, title = _identity(settings)
    board = (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .tags(["zot", "zot-cache", "registry"])
        .time("now-24h", "now")
        .refresh("1m")
        .tooltip(DashboardCursorSync.CROSSHAIR)
        .with_variable(dashboard_builders.DatasourceVariable("datasource").label("Data source").type("prometheus"))
        # Filters (like a cluster label) apply to every query: for a Grafana whose data source holds many clusters.
        .with_variable(dashboard_builders.AdHocVariable("filters").label("Filters").datasource(DATASOURCE))
    )
    panels: list[timeseries.Panel | stat.Panel] = [
        _version(on),
        *_storage(settings, on),
        *_requests(on),
        *_latency(on),
        _downloads(on),
        _memory(settings, on),
    ]
    for panel in panels:
        board.with_panel(panel)
    return board


def dashboard_json(settings: Settings) -> str:
    """The SDK's own serialization, keys sorted: the same settings give the same bytes."""
    return JSONEncoder(sort_keys=True, indent=2).encode(build_dashboard(settings).build())
