"""platform helm: the upstream project-zot chart, installed by Pulumi into the cluster of its kubeconfig, for
clusters with neither Giant Swarm's app platform nor Flux (kind, k3d, any cloud).

`helm.v4.Chart`, not `helm.v3.Release`: the chart is rendered by the provider and every object it makes is a
Pulumi resource, so `pulumi preview --diff` shows each object's change in the pull request (a Release shows only
its values), and the rendered objects carry Pulumi's own await logic. What v4 gives up, Helm hooks and a release
the Helm CLI can see, this chart does not need: its only hook is a test Pod, which Chart v4 leaves out.
"""

from __future__ import annotations

from typing import Any, cast

import pulumi
import pulumi_kubernetes as k8s

from components.builders.names import CONTAINER, release_name, service_name, workload
from components.builders.plan import Plan
from components.builders.upstream_values import upstream_values
from components.platforms import MANAGED_BY
from components.platforms.deployed import Deployed
from components.platforms.volume import deploy_beside_chart
from components.settings import Settings

VPA_API_VERSION = "autoscaling.k8s.io/v1"
INGRESS_TYPE = "kubernetes:networking.k8s.io/v1:Ingress"
# pulumi-kubernetes waits for an Ingress until its .status.loadBalancer.ingress has an entry
# (provider/pkg/await/ingress.go L102-110), which some controllers never write (ingress-nginx with
# --publish-service unset, kind and k3d setups without a load balancer): the update then fails after its timeout.
# This annotation makes the provider treat the Ingress as ready once created (provider/pkg/metadata/overrides.go
# L39-41, L108-110; await/await.go L1096-1102 for the Ingress awaiter), as Helm itself does.
SKIP_AWAIT = "pulumi.com/skipAwait"


def skip_ingress_await(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """The chart's Ingress, annotated so that Pulumi does not wait for a load balancer address. The engine hands a
    Chart's children to transforms as plain values (pulumi/runtime/_callbacks.py: deserialize_properties)."""
    if args.type_ != INGRESS_TYPE:
        return None
    metadata = dict(cast(dict[str, Any], args.props.get("metadata") or {}))
    metadata["annotations"] = {**(metadata.get("annotations") or {}), SKIP_AWAIT: "true"}
    return pulumi.ResourceTransformResult(props={**args.props, "metadata": metadata}, opts=args.opts)


def vpa_spec(settings: Settings) -> dict[str, Any]:
    """What Giant Swarm's chart renders itself: VPA between the requests and maxAllowed, on the chart's workload."""
    resources = settings.resources
    kind, name = workload(settings)
    return {
        "targetRef": {"apiVersion": "apps/v1", "kind": kind, "name": name},
        "updatePolicy": {"updateMode": "Auto"},
        "resourcePolicy": {
            "containerPolicies": [
                {
                    "containerName": CONTAINER,
                    "controlledResources": ["cpu", "memory"],
                    "minAllowed": resources.requests.model_dump(),
                    "maxAllowed": resources.vpa.max_allowed.model_dump(),
                    "mode": "Auto",
                }
            ]
        },
    }


def deploy(name: str, settings: Settings, plan: Plan, opts: pulumi.ResourceOptions) -> Deployed:
    target, chart = settings.app, settings.helm
    # Kept on destroy: the namespace may have existed before, and it holds the cache's volume claim.
    namespace = k8s.core.v1.Namespace(
        f"{name}-namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=target.namespace, labels=MANAGED_BY),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )
    inside = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[namespace]))
    # Auto-named like the values objects of the other platforms: a changed file is a new Secret, and the chart's
    # pods follow its new name.
    secret_files = k8s.core.v1.Secret(
        f"{name}-secret-files",
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=target.namespace, labels=MANAGED_BY),
        type="Opaque",
        string_data=pulumi.Output.secret(plan.secret_values["secretFiles"]),
        opts=inside,
    )
    values = upstream_values(plan, secret_files.metadata.name)
    claims = deploy_beside_chart(name, settings, inside)
    k8s.helm.v4.Chart(
        f"{name}-chart",
        name=release_name(target),
        namespace=target.namespace,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=chart.repository),
        # Helm provenance (helm.verify, helm.keyring): the only content check Chart v4 offers for a chart fetched
        # by version from a repository; it has no digest pin.
        verify=chart.verify or None,
        keyring=pulumi.FileAsset(chart.keyring) if chart.keyring else None,
        values=values,
        # The StatefulSet mounts the claims by name, or finds the members' claims: apply them first.
        opts=pulumi.ResourceOptions.merge(
            inside, pulumi.ResourceOptions(transforms=[skip_ingress_await], depends_on=claims)
        ),
    )
    if settings.resources.vpa.enabled:
        # Giant Swarm's chart brings its own VPA; the upstream chart has none.
        k8s.apiextensions.CustomResource(
            f"{name}-vpa",
            api_version=VPA_API_VERSION,
            kind="VerticalPodAutoscaler",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=service_name(target), namespace=target.namespace, labels=MANAGED_BY
            ),
            spec=vpa_spec(settings),
            opts=inside,
        )
    return Deployed(
        {"kind": "HelmChart", "name": release_name(target), "namespace": target.namespace}, namespace_ready=(namespace,)
    )
