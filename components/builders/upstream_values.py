"""Values for the upstream project-zot chart (0.1.122, zot v2.1.18), from the same plan as Giant Swarm's.

The upstream chart reads the same keys for zot itself (configFiles, service, ingress, pvc, env, resources,
httpGet), but has no `global`/`giantswarm` keys and other defaults: its pods run without a security context unless
given one. Its ServiceMonitor stays off: platform helm has no workload cluster, so the program scrapes with its own.

The secret files (htpasswd, sync credentials) do not go into the values: a values map with one secret in it is a
secret as a whole, and the preview would show the whole chart's values as `[secret]`. They live in a Secret of
their own that the chart mounts at /secret by name (`externalSecrets`), so the values stay readable.
"""

from __future__ import annotations

from typing import Any

from components.builders.plan import Plan
from components.builders.zot_config import SECRET_DIR

GIANT_SWARM_ONLY = ("global", "giantswarm")
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


def upstream_values(plan: Plan, secret_files: Any) -> dict[str, Any]:
    """`secret_files` names the Secret with the files for /secret."""
    values = {key: value for key, value in plan.values.items() if key not in GIANT_SWARM_ONLY}
    values["mountSecret"] = False
    values["externalSecrets"] = [{"secretName": secret_files, "mountPath": SECRET_DIR}]
    values["podSecurityContext"] = POD_SECURITY_CONTEXT
    values["securityContext"] = SECURITY_CONTEXT
    values.update(_from_files_secret(values, secret_files))
    return values


def _from_files_secret(values: dict[str, Any], secret_files: Any) -> dict[str, Any]:
    """What reads the chart's Secret on Giant Swarm's chart (the S3 keys as env, config.json with a Redis password)
    reads the files' Secret here instead: mountSecret is off, so the chart renders no Secret of its own."""
    changed: dict[str, Any] = {}
    if any("valueFrom" in entry for entry in values["env"]):
        changed["env"] = [
            {**entry, "valueFrom": {"secretKeyRef": {**entry["valueFrom"]["secretKeyRef"], "name": secret_files}}}
            if "valueFrom" in entry
            else entry
            for entry in values["env"]
        ]
    if "extraVolumes" in values:
        changed["extraVolumes"] = [
            {**volume, "secret": {**volume["secret"], "secretName": secret_files}} for volume in values["extraVolumes"]
        ]
    return changed
