"""The names every platform gives the same things: the Helm release, the chart's objects, the URLs clients use.

Both charts (Giant Swarm's and the upstream project-zot one) name their objects with the same `zot.fullname`, and
every platform installs under the release name app-operator would use, so a stack can move from the App CR to
Flux or Helm and keep its release, its Service name and, above all, the StatefulSet's volume claim.
"""

from __future__ import annotations

from components.settings import Settings
from components.settings.storage import program_owns_claim
from components.settings.target import AppTarget
from components.settings.zot import CONTAINER_PORT

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


def claim_template(settings: Settings) -> str:
    """The charts' volumeClaimTemplates name, `<release>-pvc` (statefulset.yaml: `default (printf "%s-pvc"
    .Release.Name) .Values.pvc.name`): the pod's volume is named after it, and each member's claim begins with it."""
    return f"{release_name(settings.app)}-pvc"


def member_claim_names(settings: Settings) -> list[str]:
    """One claim per member with scale.replicas > 1, as the StatefulSet controller names them
    (`<template>-<StatefulSet>-<ordinal>`, kubernetes pkg/controller/statefulset/stateful_set_utils.go
    getPersistentVolumeClaimName): member 0's is the single replica's claim, so scaling out keeps its cache."""
    return [f"{claim_template(settings)}-{service_name(settings.app)}-{i}" for i in range(settings.scale.replicas)]


def claim_name(settings: Settings) -> str:
    """The cache's volume claim, the single name the claim, the chart's mount, alerts and dashboard use.

    It is what a StatefulSet's volumeClaimTemplates call ordinal 0's claim (`<template>-<StatefulSet>-<ordinal>`,
    the charts' template being `<release>-pvc`): earlier installs' claims keep their cache, and with
    scale.replicas > 1 it is member 0's (member_claim_names). Where the program applies the single claim, the
    chart also names the pod's volume after it (statefulset.yaml: `name: {{ $pvcName }}` with pvc.create false),
    and a volume name is a DNS label of at most 63 characters (Kubernetes ValidateVolumes): a longer one becomes
    the template's own name, at most 57 (docs/platforms.md, The cache's volume)."""
    name = member_claim_names(settings)[0]
    single = program_owns_claim(settings) and not settings.scale.clustered
    return claim_template(settings) if single and len(name) > VOLUME_NAME_MAX else name


def claim_matcher(settings: Settings) -> str:
    """The value a PromQL matcher on persistentvolumeclaim needs: the claim's name, or with scale.replicas > 1 a
    regex (`~`) for every member's claim, so volume alerts and panels speak per member."""
    if not settings.scale.clustered:
        return claim_name(settings)
    # Claim names are DNS labels: nothing in them is special to a regex or needs escaping in PromQL's string.
    return f"~{claim_template(settings)}-{service_name(settings.app)}-[0-9]+"


def headless_service_name(settings: Settings) -> str:
    """The StatefulSet's serviceName, which the charts render when serviceHeadless.enabled
    (giantswarm-zot 2.9.0 templates/statefulset.yaml L15-16, headless-service.yaml)."""
    return f"{service_name(settings.app)}-headless"


def cluster_members(settings: Settings) -> list[str]:
    """zot's cluster.members: each StatefulSet pod's own DNS name and zot's port, in ordinal order (every member
    must list them in the same order, and member i finds itself after resolving members 0..i-1).

    A StatefulSet pod gets hostname <pod> and subdomain <serviceName>; the kubelet writes
    `<pod>.<subdomain>.<namespace>.svc.<app.clusterDomain>` into its /etc/hosts (kubernetes pkg/kubelet/kubelet_pods.go
    managedHostsFileContent), which Go's resolver reads before DNS: so a member resolves itself by this exact name
    even before its DNS record exists. The port is the container's, as zot compares it with its own http.port
    (v2.1.18 pkg/common/common.go L206-235 AreSocketsEqual) and dials members directly (pkg/api/proxy.go L130-131).
    """
    name, headless, domain = service_name(settings.app), headless_service_name(settings), service_domain(settings)
    return [f"{name}-{i}.{headless}.{domain}:{CONTAINER_PORT}" for i in range(settings.scale.replicas)]


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


def service_domain(settings: Settings) -> str:
    """What the cluster's DNS appends to a Service's name in zot's namespace: `<namespace>.svc.<clusterDomain>`."""
    return f"{settings.app.namespace}.svc.{settings.app.cluster_domain}"


def in_cluster_url(settings: Settings) -> str:
    return f"http://{service_name(settings.app)}.{service_domain(settings)}:{settings.service.port}"


def registry_url(settings: Settings) -> str:
    if settings.ingress.enabled:
        scheme = "https" if settings.ingress.tls else "http"
        return f"{scheme}://{settings.ingress.hosts[0]}"
    return in_cluster_url(settings)
