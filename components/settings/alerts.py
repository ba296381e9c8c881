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
# The largest bucket of zot's request latency histogram (monitoring.GetDefaultBuckets): a quantile above it cannot be
# told apart, so a threshold at or above it could never fire.
LATENCY_BUCKET_MAX = Decimal(600)
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
    latency_seconds: float = 5
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
        for key, value in (("volumeUsedRatio", self.volume_used_ratio), ("errorRatio", self.error_ratio)):
            if not 0 < value < 1:
                yield ((key,), f"is {value:g}; use a share between 0 and 1, like 0.9 for 90 %")
        if not 0 < self.latency_seconds < LATENCY_BUCKET_MAX:
            yield (
                ("latencySeconds",),
                f"is {self.latency_seconds:g}; use more than 0 and less than {LATENCY_BUCKET_MAX} (zot's largest "
                "latency bucket: a higher threshold could never fire)",
            )
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
