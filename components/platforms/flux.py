"""platform flux: an OCIRepository with Giant Swarm's zot chart and a HelmRelease of it, as `kubectl gs deploy
chart` writes them (named `<cluster>-<chart>` in the organization namespace, labelled with the cluster).

The HelmRelease reads the same user-values ConfigMap and Secret the App CR would, in the same order as
app-operator merges them (cluster values, then ConfigMap, then Secret), and installs under the release name and
namespace app-operator uses: moving a stack from app to flux keeps the release and its volume claim.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.builders.names import release_name
from components.builders.plan import Plan
from components.platforms import MANAGED_BY
from components.platforms.deployed import Deployed, installer_namespace
from components.platforms.user_values import VALUES_KEY, user_values
from components.platforms.volume import after_installer, deploy_beside_chart
from components.settings import Settings

HELM_RELEASE_API_VERSION = "helm.toolkit.fluxcd.io/v2"
# A Helm chart in an OCI artifact: Flux must hand the chart's tarball on as it is, not unpack it.
HELM_CHART_LAYER = {"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "operation": "copy"}


def flux_name(settings: Settings) -> str:
    target = settings.app
    return f"{target.cluster.name}-{target.chart}" if target.cluster else target.name


def labels(settings: Settings) -> dict[str, str]:
    cluster = settings.app.cluster
    return {**MANAGED_BY, **({"giantswarm.io/cluster": cluster.name} if cluster else {})}


def oci_repository_spec(settings: Settings) -> dict[str, Any]:
    flux = settings.flux
    # With a digest Flux pulls that content and ignores the tag; the tag stays to say which version it is.
    ref = {"tag": settings.app.version, **({"digest": flux.chart_digest} if flux.chart_digest else {})}
    spec: dict[str, Any] = {
        "interval": flux.interval,
        "url": f"{flux.chart_registry}/{settings.app.chart}",
        "ref": ref,
        "provider": "generic",
        "layerSelector": HELM_CHART_LAYER,
    }
    if flux.verify_signature:
        # Keyless: no secretRef, so source-controller checks the Fulcio certificate's identity against these
        # (source-controller v1.9.1 internal/controller/ocirepository_controller.go L739-763) and fails the
        # reconciliation, with no new artifact for the HelmRelease, when no signature matches.
        spec["verify"] = {
            "provider": "cosign",
            "matchOIDCIdentity": [{"issuer": flux.signature_issuer, "subject": flux.signature_subject}],
        }
    return spec


def helm_release_spec(
    settings: Settings, values_config_map: pulumi.Input[str], values_secret: pulumi.Input[str]
) -> dict[str, Any]:
    target, flux = settings.app, settings.flux
    values_from: list[dict[str, Any]] = []
    if target.cluster is not None:
        # What the App CR's spec.config adds: the cluster's own values, first so the user's win.
        values_from.append(
            {"kind": "ConfigMap", "name": f"{target.cluster.name}-cluster-values", "valuesKey": VALUES_KEY}
        )
    values_from += [
        {"kind": "ConfigMap", "name": values_config_map, "valuesKey": VALUES_KEY},
        {"kind": "Secret", "name": values_secret, "valuesKey": VALUES_KEY},
    ]
    spec: dict[str, Any] = {
        "interval": flux.interval,
        "timeout": flux.timeout,
        "releaseName": release_name(target),
        "targetNamespace": target.namespace,
        "storageNamespace": target.namespace,
        "chartRef": {
            "apiVersion": flux.oci_repository_api_version,
            "kind": "OCIRepository",
            "name": flux_name(settings),
        },
        "install": {"createNamespace": True, "remediation": {"retries": flux.retries}},
        "upgrade": {"remediation": {"retries": flux.retries, "remediateLastFailure": True}},
        "valuesFrom": values_from,
    }
    if target.cluster is not None:
        spec["kubeConfig"] = {"secretRef": {"name": f"{target.cluster.name}-kubeconfig"}}
    return spec


def deploy(name: str, settings: Settings, plan: Plan, opts: pulumi.ResourceOptions) -> Deployed:
    namespace, flux = settings.app.cr_namespace, settings.flux
    values = user_values(name, settings, plan, opts)
    metadata = k8s.meta.v1.ObjectMetaArgs(name=flux_name(settings), namespace=namespace, labels=labels(settings))
    source = k8s.apiextensions.CustomResource(
        f"{name}-oci-repository",
        api_version=flux.oci_repository_api_version,
        kind="OCIRepository",
        metadata=metadata,
        spec=oci_repository_spec(settings),
        opts=opts,
    )
    release = k8s.apiextensions.CustomResource(
        f"{name}-helm-release",
        api_version=HELM_RELEASE_API_VERSION,
        kind="HelmRelease",
        metadata=metadata,
        spec=helm_release_spec(settings, values.config_map.metadata.name, values.secret.metadata.name),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[source])),
    )
    deploy_beside_chart(name, settings, after_installer(opts, release))
    installer = {"kind": "HelmRelease", "name": flux_name(settings), "namespace": namespace}
    return Deployed(installer, values.config_map.metadata.name, installer_namespace(name, settings, opts))
