"""Alerts: which PrometheusRule thresholds and severities the cache gets, and when it gets one at all."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from pydantic import Field

from components.settings.common import AnnotationKey, Duration, Issue, LabelValue, Model
from components.settings.target import WorkloadCluster
from components.settings.units import parse_go_duration
from components.settings.zot import Metrics

# Giant Swarm's observability platform ignores a PrometheusRule without this label (it names the tenant whose
# metrics the rules read and whose Alertmanager routes the alerts).
TENANT_LABEL = "observability.giantswarm.io/tenant"
# The whole-second bounds of zot's request latency histogram (v2.1.18 pkg/extensions/monitoring/extension.go L168-170:
# .05, .5, 1, 5, 30, 60, 600). zot truncates each latency to whole seconds before it records it (pkg/api/session.go
# L87), so a request lands above bound N only once it took N + 1 s; the sub-second bounds both hold every request
# under 1 s, and a threshold between bounds could not be told apart from the bound below it.
LATENCY_BOUNDS = (1, 5, 30, 60)
# The window of the ratio alerts; alerts.minRequests counts requests in it.
RATIO_WINDOW = "10m"
# predict_linear looks back this far (PromQL duration, seconds): shorter follows single big pulls, longer reacts late.
VOLUME_LOOKBACK_SECONDS = 6 * 3600
_VOLUME_HORIZON = (Decimal(3600), Decimal(7 * 24 * 3600))


class Severities(Model):
    """Label values of `severity` for alerts that need someone now (page) and those that can wait (ticket)."""

    page: LabelValue = "critical"
    ticket: LabelValue = "warning"


class Alerts(Model):
    # None: on exactly when the ServiceMonitor is, and zot runs in the cluster Pulumi talks to.
    enabled: bool | None = None
    runbook_base_url: str = "README.md"
    rule_labels: dict[AnnotationKey, LabelValue] = Field(default_factory=dict)
    severities: Severities = Field(default_factory=Severities)
    volume_full_within: Duration = "24h"
    volume_used_ratio: float = 0.9
    error_ratio: float = 0.05
    not_found_ratio: float = 0.5
    min_requests: int = 20
    latency_seconds: int = 1
    restarts_per_hour: int = 3

    def active(self, metrics: Metrics, cluster: WorkloadCluster | None) -> bool:
        if self.enabled is not None:
            return self.enabled
        return metrics.enabled and metrics.service_monitor and cluster is None

    def issues(self, metrics: Metrics, cluster: WorkloadCluster | None) -> Iterator[Issue]:
        """The thresholds are checked even while off, so turning alerts on cannot fail."""
        yield from self._threshold_issues()
        if not self.enabled:
            return
        if not (metrics.enabled and metrics.service_monitor):
            yield (
                ("enabled",),
                "needs metrics.enabled: true and metrics.serviceMonitor: true (the rules read what the "
                "ServiceMonitor scrapes); set both, or remove alerts.enabled",
            )
        if cluster is not None and TENANT_LABEL not in self.rule_labels:
            yield (
                ("ruleLabels",),
                f"zot runs in workload cluster {cluster.name}, but Pulumi creates the PrometheusRule in the "
                "management cluster, where only Giant Swarm's observability platform evaluates it for other "
                f'clusters, and only with a tenant label; add ruleLabels: {{"{TENANT_LABEL}": <your tenant>}} '
                "or remove alerts.enabled",
            )

    def _threshold_issues(self) -> Iterator[Issue]:
        ratios = (
            ("volumeUsedRatio", self.volume_used_ratio),
            ("errorRatio", self.error_ratio),
            ("notFoundRatio", self.not_found_ratio),
        )
        for key, value in ratios:
            if not 0 < value < 1:
                yield ((key,), f"is {value:g}; use a share between 0 and 1, like 0.9 for 90 %")
        if self.latency_seconds not in LATENCY_BOUNDS:
            bounds = ", ".join(str(bound) for bound in LATENCY_BOUNDS)
            yield (
                ("latencySeconds",),
                f"is {self.latency_seconds}; use one of {bounds}: zot records whole seconds in buckets with these "
                "bounds, so another threshold could not be told apart from the bound below it",
            )
        if not 1 <= self.min_requests <= 100_000:
            yield (("minRequests",), f"is {self.min_requests}; use 1 to 100000 requests in {RATIO_WINDOW}")
        low, high = _VOLUME_HORIZON
        if not low <= parse_go_duration(self.volume_full_within) <= high:
            yield (("volumeFullWithin",), "use between 1h and 168h (a week), like 24h")
        if not 1 <= self.restarts_per_hour <= 100:
            yield (("restartsPerHour",), f"is {self.restarts_per_hour}; use 1 to 100")
        if "#" in self.runbook_base_url or any(char.isspace() for char in self.runbook_base_url):
            yield (
                ("runbookBaseUrl",),
                "must not hold '#' or spaces: each alert appends #<its README anchor>; give the README's URL, "
                "like https://git.example.org/platform/zot-cache/blob/main/README.md",
            )
