"""Where and what to install: the platform (App CR, Flux or Helm), the release name, chart and namespaces."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.settings.common import ChartName, ChartVersion, DnsLabel, DnsSubdomain, Duration, Issue, Model

# How the chart is installed: Giant Swarm's App CR (app-operator), Flux (OCIRepository + HelmRelease) or Pulumi's
# own Helm support with the upstream project-zot chart, for clusters without either.
Platform = Literal["app", "flux", "helm"]

_CHART_SOURCE = re.compile(r"(oci|https)://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9][-a-z0-9._]*)*")


def _chart_source(scheme: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.startswith(f"{scheme}://") or not _CHART_SOURCE.fullmatch(value):
            # Not echoed: a URL may carry a token.
            raise ValueError(
                f"is not a chart location; write {scheme}://host/path in lower case, without user or query"
            )
        return value

    return AfterValidator(check)


# Helm release names stop at 53 characters, and so do app-operator's App names (giantswarm/app v8.1.1
# pkg/validation/app.go L34-36, L205-211, run by app-admission-controller's webhook) and the Flux HelmRelease CRD's
# spec.releaseName (maxLength 53).
APP_NAME_LIMIT = 53


def _app_name(value: str) -> str:
    if len(value) > APP_NAME_LIMIT:
        raise ValueError(
            f"is {len(value)} characters; the App and the Helm release named after it allow at most "
            f"{APP_NAME_LIMIT} (app-operator refuses longer App names); use a shorter name, like zot"
        )
    return value


class WorkloadCluster(Model):
    name: DnsLabel
    organization: DnsLabel


class AppTarget(Model):
    name: Annotated[DnsLabel, AfterValidator(_app_name)] = "zot"
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

    def app_cr_issues(self) -> Iterator[Issue]:
        """What app-admission-controller's webhook refuses in an App this target makes (platform app only)."""
        # An in-cluster App must target its own namespace, unless it lives in "giantswarm" (giantswarm/app v8.1.1
        # pkg/validation/app.go L213-225, validateTargetNamespace), so that spec.namespace cannot escape the
        # permissions of the namespace the App was created in.
        if self.cluster is None and self.cr_namespace not in (self.namespace, "giantswarm"):
            yield (
                ("appNamespace",),
                f"{self.cr_namespace!r} differs from app.namespace {self.namespace!r}: Giant Swarm's App webhook "
                "refuses an in-cluster App whose target namespace is not its own; remove appNamespace (the App then "
                "lives in app.namespace), or set app.cluster to install into a workload cluster",
            )

    def issues(self) -> Iterator[Issue]:
        if not self.pod_security_standards_enforced:
            yield (
                ("podSecurityStandardsEnforced",),
                "false makes the chart render a PodSecurityPolicy "
                "(policy/v1beta1), an API removed in Kubernetes 1.25; keep it true",
            )


class Flux(Model):
    """platform flux: an OCIRepository holding the chart and a HelmRelease of it, as `kubectl gs deploy chart`."""

    # Clusters on Flux before source-controller v1.5 serve OCIRepository only as v1beta2.
    oci_repository_api_version: Literal["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"] = (
        "source.toolkit.fluxcd.io/v1"
    )
    # The chart is <chartRegistry>/<app.chart> at app.version.
    chart_registry: Annotated[str, _chart_source("oci")] = "oci://gsoci.azurecr.io/charts/giantswarm"
    interval: Duration = "10m"
    timeout: Duration = "10m"
    retries: int = Field(default=3, ge=0, le=100)


class HelmChart(Model):
    """platform helm: the upstream project-zot chart, installed by Pulumi itself (no App CR, no Flux)."""

    repository: Annotated[str, _chart_source("https")] = "https://zotregistry.dev/helm-charts"
    chart: ChartName = "zot"
    # 0.1.122 ships zot v2.1.18, the version the config is checked against.
    version: ChartVersion = "0.1.122"
