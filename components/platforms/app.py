"""The Giant Swarm App CR and the names app-operator and the chart derive from it."""

from __future__ import annotations

from typing import Any

import pulumi

from components.settings import Settings
from components.settings.target import AppTarget

API_VERSION = "application.giantswarm.io/v1alpha1"
KIND = "App"
CHART_NAME_IN_FULLNAME = "zot"


def release_name(target: AppTarget) -> str:
    """app-operator names the Helm release after the App, minus a `<cluster>-` prefix or `-<cluster>` suffix."""
    if target.cluster is None:
        return target.name
    cluster = target.cluster.name
    if target.name.startswith(f"{cluster}-"):
        return target.name[len(cluster) + 1 :]
    if target.name.endswith(f"-{cluster}"):
        return target.name[: -len(cluster) - 1]
    return target.name


def service_name(target: AppTarget) -> str:
    """The chart's `zot.fullname`: the release name if it contains "zot", else `<release>-zot`, at most 63."""
    release = release_name(target)
    name = release if CHART_NAME_IN_FULLNAME in release else f"{release}-{CHART_NAME_IN_FULLNAME}"
    return name[:63].rstrip("-")


def in_cluster_url(settings: Settings) -> str:
    host = f"{service_name(settings.app)}.{settings.app.namespace}.svc.cluster.local"
    return f"http://{host}:{settings.service.port}"


def registry_url(settings: Settings) -> str:
    if settings.ingress.enabled:
        scheme = "https" if settings.ingress.tls else "http"
        return f"{scheme}://{settings.ingress.hosts[0]}"
    return in_cluster_url(settings)


def app_labels(target: AppTarget) -> dict[str, str]:
    if target.cluster is None:
        # Reconciled by the management cluster's unique app-operator, installing into that cluster.
        return {"app-operator.giantswarm.io/version": "0.0.0"}
    return {"giantswarm.io/cluster": target.cluster.name}


def app_spec(
    target: AppTarget, values_config_map: pulumi.Input[str], values_secret: pulumi.Input[str]
) -> dict[str, Any]:
    namespace = target.cr_namespace
    spec: dict[str, Any] = {
        "catalog": target.catalog,
        "name": target.chart,
        "namespace": target.namespace,
        "version": target.version,
    }
    if target.cluster is None:
        spec["kubeConfig"] = {"inCluster": True}
    else:
        cluster = target.cluster.name
        spec["config"] = {"configMap": {"name": f"{cluster}-cluster-values", "namespace": namespace}}
        spec["kubeConfig"] = {"inCluster": False, "secret": {"name": f"{cluster}-kubeconfig", "namespace": namespace}}
    spec["userConfig"] = {
        "configMap": {"name": values_config_map, "namespace": namespace},
        "secret": {"name": values_secret, "namespace": namespace},
    }
    return spec
