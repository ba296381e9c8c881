"""The PrometheusRule with the cache's alerts, beside whatever installs the chart (the same on every platform)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.builders.alerts import prometheus_rule_spec
from components.builders.service_monitor import rule_metadata
from components.platforms import MANAGED_BY
from components.settings import Settings

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"


def deploy(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> None:
    if not settings.alerts.active(settings.metrics, settings.app.cluster):
        return
    # Beside the ServiceMonitor, where Prometheus Operator looks for both; for a workload cluster that namespace
    # exists only there, so the rule goes where the App lives in the management cluster (docs/operations.md, Alerts).
    namespace = settings.app.cr_namespace if settings.app.cluster else settings.app.namespace
    labels, annotations = rule_metadata(settings)
    k8s.apiextensions.CustomResource(
        f"{name}-alerts",
        api_version=API_VERSION,
        kind=KIND,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            # After the App, not the release: several clusters' rules may share the management cluster's org namespace.
            name=f"{settings.app.name}-alerts",
            namespace=namespace,
            labels={**labels, **MANAGED_BY},
            annotations=annotations or None,
        ),
        spec=prometheus_rule_spec(settings),
        opts=opts,
    )
