"""The cache's volume claims, applied by Pulumi in the cluster zot runs in, on every platform (builders/storage.py),
and beside them a scaled-out cache's PodDisruptionBudget.

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

from components.builders.availability import disruption_budget
from components.builders.storage import claim_objects
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


def in_zot_cluster(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> pulumi.ResourceOptions:
    """Options for what the program applies where zot runs (its claims, a scaled-out cache's disruption budget):
    with storage.kubeconfig a provider for the workload cluster, which the management cluster's kubeconfig (that
    installs the App or HelmRelease) does not reach. Pulumi keeps a provider's inputs in the state: the kubeconfig
    stays a secret there."""
    kubeconfig = settings.storage.kubeconfig
    # Without app.cluster zot runs where Pulumi's own kubeconfig points (the kubeconfig is warned as unread); in
    # render mode every object goes to the renderer that __main__.py hands down, never to a real cluster.
    unread = settings.app.cluster is None or settings.render_yaml_to_directory is not None
    if kubeconfig is None or unread or not program_owns_claim(settings):
        return opts
    cluster = k8s.Provider(
        f"{name}-zot-cluster", kubeconfig=pulumi.Output.secret(kubeconfig.get_secret_value()), opts=opts
    )
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=cluster))


def deploy_claims(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """The claim, or each member's; none where the chart makes it, or without persistence (the chart's emptyDir).
    Member 0's resource keeps the single claim's name, so scaling out keeps its state."""
    if not program_owns_claim(settings):
        return []
    claims: list[pulumi.Resource] = []
    for ordinal, claim in enumerate(claim_objects(settings)):
        metadata = {**claim["metadata"], "labels": MANAGED_BY, "annotations": PATCH_FORCE}
        claims.append(
            k8s.core.v1.PersistentVolumeClaimPatch(
                f"{name}-claim" + (f"-{ordinal}" if ordinal else ""),
                # The builder's plain dicts, in the API's field names, are what these typed dicts describe.
                metadata=cast("k8s.meta.v1.ObjectMetaPatchArgsDict", metadata),
                spec=cast("k8s.core.v1.PersistentVolumeClaimSpecPatchArgsDict", claim["spec"]),
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
            )
        )
    return claims


def deploy_disruption_budget(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> None:
    """A scaled-out cache's PodDisruptionBudget beside the chart (Giant Swarm's chart cannot render one:
    builders/availability.py)."""
    budget = disruption_budget(settings)
    if budget is None:
        return
    k8s.policy.v1.PodDisruptionBudget(
        f"{name}-disruption-budget",
        metadata=k8s.meta.v1.ObjectMetaArgs(**budget["metadata"], labels=MANAGED_BY),
        spec=cast("k8s.policy.v1.PodDisruptionBudgetSpecArgsDict", budget["spec"]),
        opts=opts,
    )


def deploy_beside_chart(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """Everything the program applies where zot runs, on every platform; the claims, which the chart mounts."""
    opts = in_zot_cluster(name, settings, opts)
    deploy_disruption_budget(name, settings, opts)
    return deploy_claims(name, settings, opts)
