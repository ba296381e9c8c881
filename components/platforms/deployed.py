"""What a platform reports back: the object that installs zot, and the values ConfigMap if it has one."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.builders.service_monitor import program_scrapes
from components.settings import Settings


@dataclass(frozen=True)
class Deployed:
    # kind, name and namespace of the App, HelmRelease or Helm release: where to look when zot does not come up.
    installer: dict[str, str]
    values_config_map: pulumi.Output[str] | None = None
    # What objects beside the chart in zot's namespace must wait for (the namespace, where the platform creates it).
    namespace_ready: tuple[pulumi.Resource, ...] = ()


def installer_namespace(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> tuple[pulumi.Resource, ...]:
    """zot's namespace, for what the program puts beside the chart there (ServiceMonitor, PrometheusRule), when the
    in-cluster installer lives elsewhere and creates it only as it installs: on the first `up` those objects would
    otherwise race it. A server-side-apply patch creates the namespace if it is missing and adopts it if not
    (pulumi-kubernetes provider/pkg/await/await.go L190-207: a Patch resource's create is an apply, which upserts),
    and on destroy only gives up its fields (L958-961), so the installer's own namespace is never deleted. The
    installers take an existing namespace as it is: helm-controller's install.createNamespace runs Helm's
    install, which ignores AlreadyExists (helm v3 pkg/action/install.go, Install.RunWithContext, CreateNamespace),
    and chart-operator does the same (service/controller/chart/resource/namespace/create.go L56-64)."""
    target = settings.app
    beside = program_scrapes(settings) or settings.alerts.active(settings.metrics, target.cluster)
    if target.cluster is not None or target.cr_namespace == target.namespace or not beside:
        return ()
    return (
        k8s.core.v1.NamespacePatch(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=target.namespace), opts=opts
        ),
    )
