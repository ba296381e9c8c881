"""The Grafana dashboard ConfigMap, on every platform, in the cluster Pulumi talks to.

Where that is: without app.cluster it is the cluster zot runs in, in `app.cr_namespace` (zot's namespace unless
app.appNamespace says otherwise). With app.cluster (platform
app or flux) Pulumi talks to the management cluster, where Giant Swarm's observability-operator provisions
dashboards from ConfigMaps into the shared Grafana that reads every cluster's metrics; the ConfigMap then goes
to the organization namespace beside the App or HelmRelease (zot's namespace may not exist there).

Named, not auto-named: Grafana's sidecar writes a file per data key and deletes it when a ConfigMap goes away,
and observability-operator deletes the dashboard (by uid) with its ConfigMap, so an auto-named replacement would
delete the dashboard its successor just provisioned. A fixed name makes a change delete, then create again.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.builders.dashboard import DATA_KEY, dashboard_json
from components.platforms import MANAGED_BY
from components.settings import Settings


def config_map_name(settings: Settings) -> str:
    """Per App: one organization namespace can hold the caches of several workload clusters."""
    return f"{settings.app.name}-dashboard"


def deploy_dashboard(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> None:
    if not settings.dashboard.shipped(settings.metrics):
        return
    k8s.core.v1.ConfigMap(
        f"{name}-dashboard",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=config_map_name(settings),
            namespace=settings.app.cr_namespace,
            labels={**settings.dashboard.metadata_labels(), **MANAGED_BY},
            annotations=settings.dashboard.metadata_annotations(),
        ),
        data={DATA_KEY: dashboard_json(settings)},
        opts=opts,
    )
