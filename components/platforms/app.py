"""platform app: Giant Swarm's App CR, which app-operator installs with the user values beside it."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.builders.plan import Plan
from components.platforms import MANAGED_BY
from components.platforms.deployed import Deployed, installer_namespace
from components.platforms.user_values import user_values
from components.platforms.volume import after_installer, deploy_beside_chart
from components.settings import Settings
from components.settings.target import AppTarget

API_VERSION = "application.giantswarm.io/v1alpha1"
KIND = "App"


def app_labels(target: AppTarget) -> dict[str, str]:
    if target.cluster is None:
        # Reconciled by the management cluster's unique app-operator, installing into that cluster.
        return {"app-operator.giantswarm.io/version": "0.0.0"}
    return {"giantswarm.io/cluster": target.cluster.name}


def app_spec(
    target: AppTarget, values_config_map: pulumi.Input[str], values_secret: pulumi.Input[str]
) -> dict[str, Any]:
    namespace = target.cr_namespace
    spec: dict[str, Any] = {
        "catalog": target.catalog,
        "name": target.chart,
        "namespace": target.namespace,
        "version": target.version,
    }
    if target.cluster is None:
        spec["kubeConfig"] = {"inCluster": True}
    else:
        cluster = target.cluster.name
        spec["config"] = {"configMap": {"name": f"{cluster}-cluster-values", "namespace": namespace}}
        spec["kubeConfig"] = {"inCluster": False, "secret": {"name": f"{cluster}-kubeconfig", "namespace": namespace}}
    spec["userConfig"] = {
        "configMap": {"name": values_config_map, "namespace": namespace},
        "secret": {"name": values_secret, "namespace": namespace},
    }
    return spec


def deploy(name: str, settings: Settings, plan: Plan, opts: pulumi.ResourceOptions) -> Deployed:
    target = settings.app
    values = user_values(name, settings, plan, opts)
    installer = k8s.apiextensions.CustomResource(
        f"{name}-app",
        api_version=API_VERSION,
        kind=KIND,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=target.name, namespace=target.cr_namespace, labels={**MANAGED_BY, **app_labels(target)}
        ),
        spec=app_spec(target, values.config_map.metadata.name, values.secret.metadata.name),
        opts=opts,
    )
    deploy_beside_chart(name, settings, after_installer(opts, installer))
    return Deployed(
        {"kind": KIND, "name": target.name, "namespace": target.cr_namespace},
        values.config_map.metadata.name,
        installer_namespace(name, settings, opts),
    )
