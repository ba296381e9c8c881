"""zot itself: its port, log, timeouts, extensions and metrics."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from components.settings.access import UserName
from components.settings.common import (
    AnnotationKey,
    Duration,
    Issue,
    LabelValue,
    Model,
    program_label_issues,
)
from components.settings.target import WorkloadCluster
from components.settings.units import parse_go_duration

# Port the chart's container listens on (values httpGet.port); zot's http.port must be the same.
CONTAINER_PORT = 5000


class Metrics(Model):
    enabled: bool = False
    service_monitor: bool = False
    # Labels on the program's own ServiceMonitor, for whatever selects ServiceMonitors by label.
    service_monitor_labels: dict[AnnotationKey, LabelValue] = Field(default_factory=dict)
    scrape_user: UserName | None = None

    @property
    def scraped(self) -> bool:
        return self.enabled and self.service_monitor

    def issues(self) -> Iterator[Issue]:
        if self.service_monitor and not self.enabled:
            yield (("serviceMonitor",), "needs metrics enabled: set enabled: true")
        if self.service_monitor_labels and not self.service_monitor:
            yield (("serviceMonitorLabels",), "labels the ServiceMonitor; set serviceMonitor: true or remove them")
        yield from program_label_issues("serviceMonitorLabels", self.service_monitor_labels)
        if self.scrape_user is not None and not self.service_monitor:
            yield (
                ("scrapeUser",),
                "is the login the ServiceMonitor scrapes with; set serviceMonitor: true or remove it",
            )

    def cluster_issues(self, cluster: WorkloadCluster | None) -> Iterator[Issue]:
        if cluster is not None and self.service_monitor_labels:
            yield (
                ("serviceMonitorLabels",),
                f"cannot be applied: zot runs in workload cluster {cluster.name}, where Pulumi creates nothing, so the "
                "chart's own ServiceMonitor scrapes it there, and its template renders no extra labels (on Giant "
                "Swarm its series go to tenant giantswarm, which the alerts read through source_tenants); remove "
                "them",
            )


class Scrub(Model):
    enabled: bool = False
    interval: Duration = "24h"

    def issues(self) -> Iterator[Issue]:
        if self.enabled and parse_go_duration(self.interval) < 7200:
            yield (("interval",), "is below zot's minimum of 2h (zot would raise it); use 2h or more")


LogLevel = Literal["debug", "info", "warn", "error"]


class Zot(Model):
    log_level: LogLevel = "info"
    read_timeout: Duration = "10m"
    write_timeout: Duration = "30m"
    preserve_digests: bool = True
    scrub: Scrub = Field(default_factory=Scrub)
    search: bool = False
    ui: bool = False

    def issues(self) -> Iterator[Issue]:
        write = parse_go_duration(self.write_timeout)
        if 0 < write <= 60:
            yield (
                ("writeTimeout",),
                "cuts every response that takes longer, such as big layers or pulls that "
                "sync on demand; use 30m or more (or 0s for none)",
            )
        if self.ui and not self.search:
            yield (("ui",), "needs search: true (zot refuses ui without search)")
        for path, message in self.scrub.issues():
            yield (("scrub", *path), message)
