"""The cache's volume claim, applied by Pulumi in the cluster zot runs in, on every platform (builders/storage.py).

A PersistentVolumeClaimPatch, not a PersistentVolumeClaim (pulumi-kubernetes 94977969, after v4.32.0, in
provider/pkg):
- it is created with a server-side apply that also takes over an existing object (await/await.go L190-207), so
  an install whose StatefulSet made the claim keeps it, and its cache, without `pulumi import`;
- a changed spec is never a replacement (provider/provider.go L1559-1566; a PersistentVolumeClaim's
  storageClassName or accessModes would be, provider/diff.go L111-118, and a same-named replacement deletes
  first): the change is an apply, which the preview dry-runs (await/await.go L643-669), so what Kubernetes
  refuses (a smaller size, another class, growing without allowVolumeExpansion) fails the preview and leaves
  the cache alone;
- retainOnDelete: a Patch that owns required fields cannot relinquish them (provider/provider.go L2627-2633),
  and the claim should outlive the stack anyway, as the StatefulSet's claims outlived the chart.
"""

from __future__ import annotations

from typing import cast

import pulumi
import pulumi_kubernetes as k8s

from components.builders.storage import claim_object
from components.platforms import MANAGED_BY
from components.settings import Settings
from components.settings.storage import program_owns_claim

# Takes over the fields the StatefulSet controller set when it created an existing install's claim; without it
# the apply that grows the claim conflicts with that manager (await/await.go L1031-1035).
PATCH_FORCE = {"pulumi.com/patchForce": "true"}


def after_installer(opts: pulumi.ResourceOptions, installer: pulumi.Resource) -> pulumi.ResourceOptions:
    """The App or HelmRelease installs into zot's namespace (Flux creates it: install.createNamespace, flux.py),
    which a claim applied after it finds on a first install (pulumi-kubernetes retries a missing namespace
    meanwhile: await/await.go L266-274); the StatefulSet's pod waits for the claim, Pending, either way."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[installer]))


def deploy_claim(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> pulumi.Resource | None:
    """The claim; None where the chart makes it, or without persistence (the chart's emptyDir)."""
    storage = settings.storage
    if not program_owns_claim(settings):
        return None
    if storage.kubeconfig is not None:
        # A workload cluster: the management cluster's kubeconfig, which installs the App or HelmRelease, does not
        # reach it. Pulumi keeps a provider's inputs in the state: the kubeconfig stays a secret there.
        cluster = k8s.Provider(
            f"{name}-zot-cluster",
            kubeconfig=pulumi.Output.secret(storage.kubeconfig.get_secret_value()),
            opts=opts,
        )
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=cluster))
    claim = claim_object(settings)
    metadata = {**claim["metadata"], "labels": MANAGED_BY, "annotations": PATCH_FORCE}
    return k8s.core.v1.PersistentVolumeClaimPatch(
        f"{name}-claim",
        # The builder's plain dicts, in the API's field names, are what these typed dicts describe.
        metadata=cast("k8s.meta.v1.ObjectMetaPatchArgsDict", metadata),
        spec=cast("k8s.core.v1.PersistentVolumeClaimSpecPatchArgsDict", claim["spec"]),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )
