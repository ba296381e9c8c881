"""The cache's volume claim, applied by the program, and the chart values that mount it by name.

Both charts (giantswarm/zot 2.9.0 and project-zot 0.1.122, `templates/statefulset.yaml`) take `pvc.create: false`
with `pvc.name`: the StatefulSet then has no volumeClaimTemplates and mounts that claim. Kubernetes lets a bound
claim change only `spec.resources.requests` (growing, where the StorageClass has allowVolumeExpansion) after
creation (pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimUpdate), while a StatefulSet
cannot change its volumeClaimTemplates at all (pkg/apis/apps/validation/validation.go, ValidateStatefulSetUpdate).

The claim keeps the name the StatefulSet controller gave it (`<template>-<StatefulSet>-<ordinal>`, see
names.claim_name), so an existing install's claim is adopted with its cache, and a later StatefulSet with
volumeClaimTemplates (one claim per member, issue 17) would find this one as ordinal 0's.
"""

from __future__ import annotations

from typing import Any

from components.builders.names import claim_name
from components.settings import Settings
from components.settings.storage import program_owns_claim

# One pod mounts the volume read-write; what the chart's template used.
ACCESS_MODES = ["ReadWriteOnce"]


def claim_object(settings: Settings) -> dict[str, Any]:
    """The claim the program applies in zot's namespace. Without storageClass the cluster's default StorageClass
    fills it in once, at creation."""
    storage = settings.storage
    spec: dict[str, Any] = {"accessModes": ACCESS_MODES, "resources": {"requests": {"storage": storage.size}}}
    if storage.storage_class:
        spec["storageClassName"] = storage.storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": claim_name(settings), "namespace": settings.app.namespace},
        "spec": spec,
    }


def chart_pvc_values(settings: Settings) -> dict[str, Any]:
    """The chart mounts the program's claim; size and class stay out of the values, so they never reach the
    StatefulSet. Where the program cannot reach zot's cluster, the chart's template makes the claim."""
    if program_owns_claim(settings):
        return {"create": False, "name": claim_name(settings)}
    storage = settings.storage
    return {
        "create": True,
        "accessModes": ACCESS_MODES,
        "storage": storage.size,
        "storageClassName": storage.storage_class or "",
    }
