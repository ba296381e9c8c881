"""The ZotRegistry component: Giant Swarm App CR plus its user-values ConfigMap and Secret."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.build import advice
from components.build.chart_values import build_secret_values, build_values, to_yaml
from components.build.fingerprints import secret_fingerprints
from components.build.stack_keys import StackKeys
from components.build.zot_config import render_zot_config
from components.platforms.app import API_VERSION, KIND, app_labels, app_spec
from components.settings import Settings

# app-operator reads user values from this key of the ConfigMap and of the Secret.
VALUES_KEY = "values"
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "zot-cache"}


class ZotRegistry(pulumi.ComponentResource):
    """Values objects are auto-named: Kubernetes replaces them on every data change, and a fresh name lets the
    new one exist before the App is repointed and the old one deleted, so the App never names a missing object.
    """

    config_map: k8s.core.v1.ConfigMap
    secret: k8s.core.v1.Secret
    app: k8s.apiextensions.CustomResource
    zot_config: str
    secret_fingerprints: dict[str, dict[str, str]]

    def __init__(
        self, name: str, settings: Settings, keys: StackKeys | None, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("zot-cache:index:ZotRegistry", name, None, opts)
        for warning in advice.warnings(settings):
            pulumi.log.warn(warning, resource=self)

        target = settings.app
        self.zot_config = render_zot_config(settings)
        secret_values = build_secret_values(settings, keys)
        self.secret_fingerprints = secret_fingerprints(settings, keys)
        child = pulumi.ResourceOptions(parent=self)

        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-values",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=target.cr_namespace, labels=MANAGED_BY),
            data={VALUES_KEY: to_yaml(build_values(settings, self.zot_config))},
            opts=child,
        )
        self.secret = k8s.core.v1.Secret(
            f"{name}-secret-values",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=target.cr_namespace, labels=MANAGED_BY),
            type="Opaque",
            string_data={VALUES_KEY: pulumi.Output.secret(to_yaml(secret_values))},
            opts=child,
        )
        self.app = k8s.apiextensions.CustomResource(
            f"{name}-app",
            api_version=API_VERSION,
            kind=KIND,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=target.name, namespace=target.cr_namespace, labels={**MANAGED_BY, **app_labels(target)}
            ),
            spec=app_spec(target, self.config_map.metadata.name, self.secret.metadata.name),
            opts=child,
        )
        self.register_outputs(
            {
                "appName": target.name,
                "valuesConfigMap": self.config_map.metadata.name,
                "zotConfig": self.zot_config,
                "secretFingerprints": self.secret_fingerprints,
            }
        )
