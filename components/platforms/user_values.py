"""The user-values ConfigMap and Secret that app-operator (App CR) and Flux (HelmRelease valuesFrom) both read.

Auto-named: Kubernetes objects' data cannot be changed in place by Pulumi, so every change replaces them, and a
fresh name lets the new one exist before the App or HelmRelease is repointed and the old one deleted: the chart
never reads a missing object.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.builders.chart_values import to_yaml
from components.builders.plan import Plan
from components.platforms import MANAGED_BY
from components.settings import Settings

# app-operator, and our HelmRelease's valuesFrom, read the values from this key of the ConfigMap and the Secret.
VALUES_KEY = "values"


@dataclass(frozen=True)
class UserValues:
    config_map: k8s.core.v1.ConfigMap
    secret: k8s.core.v1.Secret


def user_values(name: str, settings: Settings, plan: Plan, opts: pulumi.ResourceOptions) -> UserValues:
    namespace = settings.app.cr_namespace
    config_map = k8s.core.v1.ConfigMap(
        f"{name}-values",
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=MANAGED_BY),
        data={VALUES_KEY: to_yaml(plan.values)},
        opts=opts,
    )
    secret = k8s.core.v1.Secret(
        f"{name}-secret-values",
        metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=MANAGED_BY),
        type="Opaque",
        string_data={VALUES_KEY: pulumi.Output.secret(to_yaml(plan.secret_values))},
        opts=opts,
    )
    return UserValues(config_map, secret)
