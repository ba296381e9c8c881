"""The names every platform gives the same things: the Helm release, the chart's objects, the URLs clients use.

Both charts (Giant Swarm's and the upstream project-zot one) name their objects with the same `zot.fullname`, and
every platform installs under the release name app-operator would use, so a stack can move from the App CR to
Flux or Helm and keep its release, its Service name and, above all, the StatefulSet's volume claim.
"""

from __future__ import annotations

from components.settings import Settings
from components.settings.storage import program_owns_claim
from components.settings.target import AppTarget

CHART_NAME_IN_FULLNAME = "zot"
# Both charts name zot's one container after the chart.
CONTAINER = "zot"
VOLUME_NAME_MAX = 63


def release_name(target: AppTarget) -> str:
    """The Helm release app-operator makes of the App: its name, or for a workload cluster its name with a
    `<cluster>-` prefix and then a `-<cluster>` suffix trimmed, both when both are there (`prod01-zot-prod01` is
    `zot`): giantswarm/app v8.1.1 `pkg/key/chart.go` L16-27 (`ChartName`, which app-operator writes to the Chart
    CR's `spec.name`, service/controller/app/resource/chart/desired.go L53, L123, and chart-operator installs as the
    release name, service/controller/chart/key/key.go `ReleaseName`)."""
    if target.cluster is None:
        return target.name
    cluster = target.cluster.name
    return target.name.removeprefix(f"{cluster}-").removesuffix(f"-{cluster}")


def service_name(target: AppTarget) -> str:
    """The charts' `zot.fullname`: the release name if it contains "zot", else `<release>-zot`, at most 63."""
    release = release_name(target)
    name = release if CHART_NAME_IN_FULLNAME in release else f"{release}-{CHART_NAME_IN_FULLNAME}"
    return name[:63].rstrip("-")


def workload(settings: Settings) -> tuple[str, str]:
    """(kind, name) of what the chart runs zot in: a StatefulSet with a volume claim, else a Deployment."""
    return ("StatefulSet" if settings.storage.persistence else "Deployment"), service_name(settings.app)


def claim_name(settings: Settings) -> str:
    """The cache's volume claim, the single name the claim, the chart's mount, alerts and dashboard use.

    It is what a StatefulSet's volumeClaimTemplates call ordinal 0's claim (`<template>-<StatefulSet>-<ordinal>`,
    the charts' template being `<release>-pvc`): earlier installs' claims keep their cache, and per-member claims
    could follow for ordinals 1..n. Where the program applies the claim, the chart also names the pod's volume
    after it (statefulset.yaml: `name: {{ $pvcName }}` with pvc.create false), and a volume name is a DNS label
    of at most 63 characters (Kubernetes ValidateVolumes): a longer one becomes the template's own name, at most
    57 (docs/platforms.md, The cache's volume)."""
    release = release_name(settings.app)
    name = f"{release}-pvc-{service_name(settings.app)}-0"
    return f"{release}-pvc" if program_owns_claim(settings) and len(name) > VOLUME_NAME_MAX else name


def pod_pattern(settings: Settings) -> str:
    """A regex for the chart's pod names: StatefulSet pods are <name>-<ordinal>, Deployment pods
    <name>-<ReplicaSet hash>-<suffix>."""
    name = service_name(settings.app)
    return f"{name}-[0-9]+" if settings.storage.persistence else f"{name}-[a-z0-9]+-[a-z0-9]+"


def series_scope(settings: Settings) -> dict[str, str]:
    """Label matchers every query about this cache needs. On Giant Swarm, the management cluster's rules and Grafana
    see every cluster's series: with a workload cluster, narrow to it."""
    cluster = settings.app.cluster
    return {"namespace": settings.app.namespace, **({"cluster_id": cluster.name} if cluster else {})}


def in_cluster_url(settings: Settings) -> str:
    host = f"{service_name(settings.app)}.{settings.app.namespace}.svc.cluster.local"
    return f"http://{host}:{settings.service.port}"


def registry_url(settings: Settings) -> str:
    if settings.ingress.enabled:
        scheme = "https" if settings.ingress.tls else "http"
        return f"{scheme}://{settings.ingress.hosts[0]}"
    return in_cluster_url(settings)
