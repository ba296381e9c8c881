"""The cache's volume claim, applied by the program, and the chart values that mount it by name.

Both charts (giantswarm/zot 2.9.0 and project-zot 0.1.122, `templates/statefulset.yaml`) take `pvc.create: false`
with `pvc.name`: the StatefulSet then has no volumeClaimTemplates and mounts that claim. Kubernetes lets a bound
claim change only `spec.resources.requests` (growing, where the StorageClass has allowVolumeExpansion) after
creation (pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimUpdate), while a StatefulSet
cannot change its volumeClaimTemplates at all (pkg/apis/apps/validation/validation.go, ValidateStatefulSetUpdate).

The claim keeps the name the StatefulSet controller gave it (`<template>-<StatefulSet>-<ordinal>`, see
names.claim_name), so an existing install's claim is adopted with its cache.

With scale.replicas > 1 each member needs a claim of its own, which only volumeClaimTemplates give the pods of one
StatefulSet. The template then has a fixed size, so that it never changes, and the program applies every member's
claim (`<template>-<StatefulSet>-<ordinal>`) with storage.size itself: the StatefulSet controller uses a claim of
that name when it exists (kubernetes pkg/controller/statefulset/stateful_pod_control.go createPersistentVolumeClaims
creates only the claims it does not find), and member 0's is the single replica's claim.
"""

from __future__ import annotations

from typing import Any

from components.builders.names import claim_name, claim_template, member_claim_names
from components.settings import Settings
from components.settings.scale import MEMBER_TEMPLATE_SIZE
from components.settings.storage import program_owns_claim

# One pod mounts the volume read-write; what the chart's template used.
ACCESS_MODES = ["ReadWriteOnce"]
# MEMBER_TEMPLATE_SIZE is never changed, so the StatefulSet stays updatable. The controller uses it only for a
# member whose claim the program has not applied yet (on app and flux the claims follow the App or HelmRelease); the
# program's apply then grows that claim to storage.size. Small, so that it only ever grows (settings/scale.py).


def claim_objects(settings: Settings) -> list[dict[str, Any]]:
    """Every claim the program applies in zot's namespace: the one claim, or one per member (ordinal order).
    Without storageClass the cluster's default StorageClass fills it in once, at creation."""
    storage = settings.storage
    spec: dict[str, Any] = {"accessModes": ACCESS_MODES, "resources": {"requests": {"storage": storage.size}}}
    if storage.storage_class:
        spec["storageClassName"] = storage.storage_class
    names = member_claim_names(settings) if settings.scale.clustered else [claim_name(settings)]
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": settings.app.namespace},
            "spec": spec,
        }
        for name in names
    ]


def chart_pvc_values(settings: Settings) -> dict[str, Any]:
    """The chart mounts the program's claim; size and class stay out of the values, so they never reach the
    StatefulSet. Where the program cannot reach zot's cluster, the chart's template makes the claim."""
    storage = settings.storage
    owned = program_owns_claim(settings)
    if owned and not settings.scale.clustered:
        return {"create": False, "name": claim_name(settings)}
    return {
        "create": True,
        # Named as the claims are: members' claims are <release>-pvc-<StatefulSet>-<ordinal>.
        **({"name": claim_template(settings)} if owned else {}),
        "accessModes": ACCESS_MODES,
        "storage": MEMBER_TEMPLATE_SIZE if owned else storage.size,
        # The class is fixed at creation for the template and every claim alike.
        "storageClassName": storage.storage_class or "",
    }
