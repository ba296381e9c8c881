"""Values for the giantswarm/zot 2.9.0 chart, split into what may be read (ConfigMap) and what may not (Secret).

Nothing here knows how the chart is installed: an App CR, a Flux HelmRelease or `helm` take the same values.
"""

from __future__ import annotations

from typing import Any

import yaml

from components.builders.availability import spread_values
from components.builders.htpasswd import htpasswd_file
from components.builders.names import release_name
from components.builders.service_monitor import chart_scrapes, main_service_only
from components.builders.stack_keys import StackKeys
from components.builders.storage import chart_pvc_values
from components.builders.zot_config import config_holds_secret, credentials_file, render_zot_config
from components.settings import Settings
from components.settings.alerts import TENANT_LABEL
from components.settings.exposure import CLUSTER_ISSUER_ANNOTATION, NGINX_REGISTRY_ANNOTATIONS, Ingress
from components.settings.node_rules import CHART_NODE_PORT
from components.settings.resources import DEFAULT_GOGC, GOMEMLIMIT_SHARE, Resources
from components.settings.units import go_memory_fraction
from components.settings.zot import CONTAINER_PORT

CHART_VERSION = "2.9.0"
# A file in secretFiles, so in /secret in the pod, next to htpasswd and credentials.
NONCE_FILE = "nonce"


def build_values(settings: Settings, zot_config_json: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        # Without it the chart renders a PodSecurityPolicy, an API removed in Kubernetes 1.25.
        "global": {"podSecurityStandards": {"enforced": settings.app.pod_security_standards_enforced}},
        "giantswarm": _giantswarm(settings),
        "resources": {
            "requests": settings.resources.requests.model_dump(),
            "limits": settings.resources.limits.model_dump(),
        },
        "env": [*go_runtime_env(settings.resources), *s3_key_env(settings)],
        "service": _service(settings),
        "httpGet": {"scheme": "HTTP", "port": CONTAINER_PORT},
        "ingress": _ingress(settings.ingress, settings.app.name),
        **_config_file(settings, zot_config_json),
        # htpasswd and credentials come from the Secret values; the chart mounts them at /secret.
        "mountSecret": True,
        "persistence": settings.storage.persistence,
    }
    if settings.storage.persistence:
        # The StatefulSet's serviceName is <fullname>-headless, a Service the chart renders only when asked.
        values["serviceHeadless"] = {"enabled": True, "port": settings.service.port}
        values["pvc"] = chart_pvc_values(settings)
    if settings.scale.clustered:
        values["replicaCount"] = settings.scale.replicas
        values.update(spread_values(settings))
    annotations = service_account_annotations(settings)
    if annotations is not None:
        values["serviceAccount"] = {"annotations": annotations}
    if settings.strategy is not None:
        values["strategy"] = {"type": settings.strategy}
    values["metrics"] = {"enabled": settings.metrics.enabled, "serviceMonitor": _service_monitor(settings)}
    return values


# The chart's Secret, `<release>-secret` (templates/secret.yaml in both charts), from secretFiles: the zot container
# reads the S3 keys from it as env and, with a Redis password, config.json as a file.
S3_KEY_FILES = {"AWS_ACCESS_KEY_ID": "aws-access-key-id", "AWS_SECRET_ACCESS_KEY": "aws-secret-access-key"}
CONFIG_DIR = "/etc/zot"
CONFIG_VOLUME = "zot-config-secret"


def chart_secret_name(settings: Settings) -> str:
    return f"{release_name(settings.app)}-secret"


def s3_key_env(settings: Settings) -> list[dict[str, Any]]:
    """AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the chart's Secret: the first source of the AWS SDK's
    default chain, which the S3 driver (aws-sdk-go v1) and the DynamoDB cache (aws-sdk-go-v2) both read."""
    s3 = settings.scale.s3
    if settings.scale.storage != "s3" or s3 is None or s3.credentials is None:
        return []
    secret = chart_secret_name(settings)
    return [
        {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
        for name, key in S3_KEY_FILES.items()
    ]


def service_account_annotations(settings: Settings) -> dict[str, str] | None:
    """IRSA's role annotation on the chart's ServiceAccount; EKS Pod Identity needs none (an association in AWS)."""
    s3 = settings.scale.s3
    if settings.scale.storage != "s3" or s3 is None or s3.workload_identity is None:
        return None
    annotations = s3.workload_identity.service_account_annotations
    return dict(sorted(annotations.items())) if annotations else None


def _config_file(settings: Settings, zot_config_json: str) -> dict[str, Any]:
    """config.json at /etc/zot, where zot's image reads it: from the ConfigMap, or, when it holds the Redis
    password, from the chart's Secret (build_secret_values) by a volume of its own at the same path."""
    if not config_holds_secret(settings):
        return {"mountConfig": True, "configFiles": {"config.json": zot_config_json}}
    volume = {
        "name": CONFIG_VOLUME,
        "secret": {"secretName": chart_secret_name(settings), "items": [{"key": "config.json", "path": "config.json"}]},
    }
    return {
        "mountConfig": False,
        "extraVolumes": [volume],
        "extraVolumeMounts": [{"name": CONFIG_VOLUME, "mountPath": CONFIG_DIR, "readOnly": True}],
    }


def _service_monitor(settings: Settings) -> dict[str, Any]:
    """The chart's ServiceMonitor only where the program cannot create its own, and then without the headless
    Service (the chart renders metrics.serviceMonitor.relabelings as they are)."""
    if not chart_scrapes(settings):
        return {"enabled": False}
    return {"enabled": True, "relabelings": main_service_only(settings)}


def build_secret_values(settings: Settings, keys: StackKeys | None) -> dict[str, Any]:
    # Always set htpasswd: an unset key would keep the chart's sample admin:admin and user:user entries.
    files = {"htpasswd": htpasswd_file(settings.all_users, keys)}
    credentials = credentials_file(settings)
    if credentials is not None:
        files["credentials"] = credentials
    s3 = settings.scale.s3
    if settings.scale.storage == "s3" and s3 is not None and s3.credentials is not None:
        files[S3_KEY_FILES["AWS_ACCESS_KEY_ID"]] = s3.credentials.access_key_id.get_secret_value()
        files[S3_KEY_FILES["AWS_SECRET_ACCESS_KEY"]] = s3.credentials.secret_access_key.get_secret_value()
    if config_holds_secret(settings):
        files["config.json"] = render_zot_config(settings, keys)
    if any(files.values()):
        files[NONCE_FILE] = _nonce(keys)
    values: dict[str, Any] = {"secretFiles": files}
    scraper = settings.scrape_user
    if chart_scrapes(settings) and scraper is not None and scraper.password is not None:
        # The chart puts these into the <fullname>-sm-auth Secret its ServiceMonitor reads.
        basic_auth = {"username": scraper.name, "password": scraper.password.get_secret_value()}
        values["metrics"] = {"serviceMonitor": {"basicAuth": basic_auth}}
    return values


def _nonce(keys: StackKeys | None) -> str:
    """The chart annotates the pod with checksum/secret, an unsalted SHA-256 of the rendered Secret: readable by
    anyone who may get pods. Beside a token whose surroundings are all known, it is a fast oracle for guessing the
    token. A secret 256-bit file in the Secret makes that checksum unguessable; zot never reads the file."""
    if keys is None:
        raise ValueError("the Secret holds secrets but there is no salt key; Settings.issues() reports this")
    return keys.nonce.hex()


def go_runtime_env(resources: Resources) -> list[dict[str, str]]:
    """GOGC/GOMEMLIMIT: fixed memory gets both by default; with VPA a fixed GOMEMLIMIT would be wrong."""
    env = []
    gogc = resources.gogc if resources.vpa.enabled else resources.gogc or DEFAULT_GOGC
    if gogc is not None:
        env.append({"name": "GOGC", "value": str(gogc)})
    if not resources.vpa.enabled:
        limit = resources.gomemlimit or go_memory_fraction(resources.limits.memory, GOMEMLIMIT_SHARE)
        env.append({"name": "GOMEMLIMIT", "value": limit})
    return env


def gomemlimit(resources: Resources) -> str | None:
    """The GOMEMLIMIT the pod gets, if any (fixed memory only)."""
    return next((env["value"] for env in go_runtime_env(resources) if env["name"] == "GOMEMLIMIT"), None)


def _giantswarm(settings: Settings) -> dict[str, Any]:
    values: dict[str, Any] = {"verticalPodAutoscaler": _vpa(settings.resources)}
    tenant = settings.alerts.rule_labels.get(TENANT_LABEL)
    if tenant is not None:
        # The pod label routes zot's logs (observability-operator logging-config.yaml.template L252), not its
        # metrics: to the tenant whose people get the alerts (the chart's default: giantswarm).
        values["observability"] = {"tenant": tenant}
    return values


def _vpa(resources: Resources) -> dict[str, Any]:
    vpa: dict[str, Any] = {"enabled": resources.vpa.enabled}
    if resources.vpa.enabled:
        vpa["maxAllowed"] = resources.vpa.max_allowed.model_dump()
    return vpa


def _service(settings: Settings) -> dict[str, Any]:
    service: dict[str, Any] = {"type": settings.service.type, "port": settings.service.port}
    if settings.service.type == "NodePort":
        # Always written: the upstream chart's default is none, so Kubernetes would pick a port the nodes' files
        # do not name; Giant Swarm's chart defaults to the same 32767.
        service["nodePort"] = settings.service.node_port or CHART_NODE_PORT
    return service


def ingress_tls_secret(ingress: Ingress, app_name: str) -> str:
    return ingress.tls_secret_name or f"{app_name}-tls"


def default_annotations(ingress: Ingress) -> dict[str, str]:
    """The annotations this program sets on the ingress; ingress.annotations go over them."""
    annotations = dict(NGINX_REGISTRY_ANNOTATIONS) if ingress.class_name == "nginx" else {}
    if ingress.cluster_issuer:
        annotations[CLUSTER_ISSUER_ANNOTATION] = ingress.cluster_issuer
    return annotations


def _ingress(ingress: Ingress, app_name: str) -> dict[str, Any]:
    if not ingress.enabled:
        return {"enabled": False}
    annotations = {**default_annotations(ingress), **ingress.annotations}
    values: dict[str, Any] = {
        "enabled": True,
        "className": ingress.class_name,
        "annotations": dict(sorted(annotations.items())),
        "hosts": [{"host": host, "paths": [{"path": "/"}]} for host in ingress.hosts],
        "tls": [],
    }
    if ingress.tls:
        values["tls"] = [{"secretName": ingress_tls_secret(ingress, app_name), "hosts": list(ingress.hosts)}]
    return values


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (config.json) as literal blocks, so previews show them line by line."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(values: dict[str, Any]) -> str:
    return yaml.dump(values, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120)
