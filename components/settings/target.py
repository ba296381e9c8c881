"""Where and what to install: the App (or release) name, chart, namespaces and workload cluster."""

from __future__ import annotations

from collections.abc import Iterator

from components.settings.common import ChartName, ChartVersion, DnsLabel, DnsSubdomain, Issue, Model


class WorkloadCluster(Model):
    name: DnsLabel
    organization: DnsLabel


class AppTarget(Model):
    name: DnsLabel = "zot"
    chart: ChartName = "zot"
    version: ChartVersion = "2.9.0"
    catalog: DnsSubdomain = "giantswarm"
    namespace: DnsLabel = "zot"
    cluster: WorkloadCluster | None = None
    app_namespace: DnsLabel | None = None
    pod_security_standards_enforced: bool = True

    @property
    def cr_namespace(self) -> str:
        """Where App, ConfigMap and Secret live: the org namespace for a workload cluster."""
        if self.app_namespace:
            return self.app_namespace
        return f"org-{self.cluster.organization}" if self.cluster else self.namespace

    def issues(self) -> Iterator[Issue]:
        if not self.pod_security_standards_enforced:
            yield (
                ("podSecurityStandardsEnforced",),
                "false makes the chart render a PodSecurityPolicy "
                "(policy/v1beta1), an API removed in Kubernetes 1.25; keep it true",
            )
