"""What keeps a scaled-out cache serving while members come and go (scale.replicas > 1): spread over nodes and zones,
and at most one member voluntarily down at a time.

Both charts (giantswarm/zot 2.9.0 and project-zot 0.1.122) render `topologySpreadConstraints` as given, roll a
StatefulSet one pod at a time (they set no podManagementPolicy or updateStrategy, so OrderedReady and RollingUpdate
apply: a member starts only after the lower ones are ready, which zot needs to resolve them, v2.1.18
pkg/api/proxy.go L199-230) and keep a pod out of the Service until /readyz answers, which zot turns ready just
before it serves (pkg/api/controller.go L314-322). Only the upstream chart can render a PodDisruptionBudget:
Giant Swarm's values.schema.json types minAvailable and maxUnavailable as "null", so the program applies its own.
"""

from __future__ import annotations

from typing import Any

from components.builders.names import CHART_NAME_IN_FULLNAME, release_name, service_name
from components.settings import Settings

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"


def selector_labels(settings: Settings) -> dict[str, str]:
    """The charts' `zot.selectorLabels` (templates/_helpers.tpl L49-52): the pods' labels the StatefulSet selects."""
    return {"app.kubernetes.io/name": CHART_NAME_IN_FULLNAME, "app.kubernetes.io/instance": release_name(settings.app)}


def spread_values(settings: Settings) -> dict[str, Any]:
    """Chart values: members evenly over nodes (maxSkew 1: one per node where there are enough, so a node lost
    takes one member), and over zones where nodes carry the zone label (ScheduleAnyway: a cluster without zones
    still schedules every member). Nothing with one replica."""
    if not settings.scale.clustered:
        return {}
    selector = {"matchLabels": selector_labels(settings)}
    return {
        "topologySpreadConstraints": [
            {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": when, "labelSelector": selector}
            for key, when in ((HOSTNAME, "DoNotSchedule"), (ZONE, "ScheduleAnyway"))
        ]
    }


def disruption_budget(settings: Settings) -> dict[str, Any] | None:
    """A policy/v1 PodDisruptionBudget: a drain evicts one member at a time, so at most its share of repositories
    falls back to the upstream. None with one replica (a budget of one would block every drain)."""
    if not settings.scale.clustered:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": service_name(settings.app), "namespace": settings.app.namespace},
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector_labels(settings)},
            # A member that is not ready serves nothing: evicting it costs nothing, and a crash-looping one (a lower
            # member missing at its start) must not block every drain (policy/v1, Kubernetes 1.31 GA).
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }
