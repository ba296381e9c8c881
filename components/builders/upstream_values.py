"""Values for the upstream project-zot chart (0.1.122, zot v2.1.18), from the same plan as Giant Swarm's.

The upstream chart reads the same keys for zot itself (configFiles, service, ingress, pvc, env, resources,
httpGet), but has no `global`/`giantswarm` keys and other defaults: its ServiceMonitor logs in with a Secret it is
given by name, and its pods run without a security context unless given one.

The secret files (htpasswd, sync credentials) do not go into the values: a values map with one secret in it is a
secret as a whole, and the preview would show the whole chart's values as `[secret]`. They live in a Secret of
their own that the chart mounts at /secret by name (`externalSecrets`), so the values stay readable.
"""

from __future__ import annotations

from typing import Any

from components.builders.plan import Plan
from components.builders.zot_config import SECRET_DIR
from components.settings import Settings

GIANT_SWARM_ONLY = ("global", "giantswarm")
# Keys of the ServiceMonitor login Secret (metrics.serviceMonitor.basicAuth.*Key).
SCRAPE_USERNAME_KEY, SCRAPE_PASSWORD_KEY = "username", "password"
# What Giant Swarm's chart sets by default, so the pod passes the restricted Pod Security Standard there too.
POD_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": 1000,
    "runAsGroup": 1000,
    "fsGroup": 1000,
    "fsGroupChangePolicy": "OnRootMismatch",
    "seccompProfile": {"type": "RuntimeDefault"},
}
SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 1000,
    "runAsGroup": 1000,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def upstream_values(settings: Settings, plan: Plan, secret_files: Any, scrape_secret: Any = None) -> dict[str, Any]:
    """`secret_files` names the Secret with the files for /secret; `scrape_secret` the one with the scrape login."""
    values = {key: value for key, value in plan.values.items() if key not in GIANT_SWARM_ONLY}
    values["mountSecret"] = False
    values["externalSecrets"] = [{"secretName": secret_files, "mountPath": SECRET_DIR}]
    values["podSecurityContext"] = POD_SECURITY_CONTEXT
    values["securityContext"] = SECURITY_CONTEXT
    if settings.metrics.service_monitor:
        # The chart's default points the ServiceMonitor at a Secret named basic-auth. false switches that off
        # (null would too, but Pulumi drops None from resource inputs, and the default would come back).
        login: Any = False
        if scrape_secret is not None:
            login = {
                "secretName": scrape_secret,
                "usernameKey": SCRAPE_USERNAME_KEY,
                "passwordKey": SCRAPE_PASSWORD_KEY,
            }
        values["metrics"] = {
            **values["metrics"],
            "serviceMonitor": {**values["metrics"]["serviceMonitor"], "basicAuth": login},
        }
    return values
