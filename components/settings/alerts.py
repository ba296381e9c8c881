"""Alerts: which PrometheusRule thresholds and severities the cache gets, and when it gets one at all."""

from __future__ import annotations

import string
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StrictInt

from components.settings.common import (
    NETLOC,
    AnnotationKey,
    Duration,
    Issue,
    LabelValue,
    Model,
    program_label_issues,
)
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
# The default names the file only: a notification cannot open it, which a warning says.
# The runbooks are the headings of docs/operations.md.
RELATIVE_RUNBOOK = "docs/operations.md"
RUNBOOK_EXAMPLE = "https://git.example.org/platform/zot-cache/blob/main/docs/operations.md"
# What RFC 3986 lets a URL hold unencoded. Everything else (spaces, quotes, '{', '}') is refused: Prometheus expands
# every annotation as a Go text/template (model/rulefmt/rulefmt.go testTemplateParsing, template/template.go
# NewTemplateExpander), where '{{' starts an action that can run PromQL, and a lone '{{' fails the whole rule file.
_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def _runbook_url(value: str) -> str:
    """An http(s) URL a reader opens as it is, with nothing Prometheus would expand. Never echoed: it is published in
    every alert, and a pasted value may carry a token."""
    if value == RELATIVE_RUNBOOK:
        return value
    if not set(value) <= _URL_CHARACTERS:
        raise ValueError(
            "holds characters a URL may not (RFC 3986), like spaces, quotes, '{' or '}': Prometheus expands every "
            "annotation as a Go template, where '{{' runs code and a lone one breaks every alert; percent-encode "
            "them (%7B, %7D, %20)"
        )
    if "#" in value:
        raise ValueError(
            "must not hold '#': each alert appends #<its runbook's anchor>; give the runbooks' URL, like "
            f"{RUNBOOK_EXAMPLE}"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"is not an http(s) URL; give where docs/operations.md renders, like {RUNBOOK_EXAMPLE}")
    if "@" in parts.netloc:
        raise ValueError(
            "holds a user or token before '@', which every alert and notification would publish; give a URL "
            "without credentials"
        )
    if not NETLOC.fullmatch(parts.netloc.lower()):
        raise ValueError(f"has no valid host name or port; give a URL like {RUNBOOK_EXAMPLE}")
    return value


class Severities(Model):
    """Label values of `severity` for alerts that need someone now (page) and those that can wait (ticket)."""

    page: LabelValue = "critical"
    ticket: LabelValue = "warning"


class Alerts(Model):
    # None: on exactly when the ServiceMonitor is, and zot runs in the cluster Pulumi talks to.
    enabled: bool | None = None
    runbook_base_url: Annotated[str, AfterValidator(_runbook_url)] = RELATIVE_RUNBOOK
    rule_labels: dict[AnnotationKey, LabelValue] = Field(default_factory=dict)
    severities: Severities = Field(default_factory=Severities)
    volume_full_within: Duration = "24h"
    volume_used_ratio: float = 0.9
    error_ratio: float = 0.05
    not_found_ratio: float = 0.5
    # Strict: YAML's true would otherwise pass as 1 (pydantic's lax mode turns a bool into an int).
    min_requests: StrictInt = 20
    latency_seconds: StrictInt = 1
    restarts_per_hour: StrictInt = 3

    def active(self, metrics: Metrics, cluster: WorkloadCluster | None) -> bool:
        if self.enabled is not None:
            return self.enabled
        return metrics.enabled and metrics.service_monitor and cluster is None

    def issues(self, metrics: Metrics, cluster: WorkloadCluster | None) -> Iterator[Issue]:
        """The thresholds are checked even while off, so turning alerts on cannot fail."""
        yield from self._threshold_issues()
        yield from program_label_issues("ruleLabels", self.rule_labels)
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
