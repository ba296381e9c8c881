"""The cache's data volume: a claim the program owns, so that storage.size grows it in place.

A StatefulSet's volumeClaimTemplates cannot change after creation (Kubernetes' ValidateStatefulSetUpdate), so a
size or class in the chart's template breaks every later upgrade. The program applies the claim itself and the
chart only mounts it by name (docs/platforms.md, The cache's volume). Pulumi must reach the cluster zot runs in for
that: with app.cluster it is a workload cluster, which the management cluster's kubeconfig does not reach;
storage.kubeconfig opens it. Without one the chart's template makes the claim, as before, and a warning says what
that fixes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import AfterValidator, SecretStr

from components.settings.common import DnsSubdomain, Model, StorageQuantity

if TYPE_CHECKING:
    from components.settings import Settings

# Where both charts mount the cache's volume (templates/statefulset.yaml), and zot's storage.rootDirectory.
STORAGE_ROOT = "/var/lib/registry"
KUBECONFIG_COMMAND = "pulumi config set --secret --path 'storage.kubeconfig' \"$(cat <kubeconfig file>)\""


def _kubeconfig(value: SecretStr) -> SecretStr:
    """A kubeconfig Pulumi can use: YAML with a cluster and a user. Never echoed: it holds credentials."""
    try:
        parsed: Any = yaml.safe_load(value.get_secret_value())
    except yaml.YAMLError:
        parsed = None
    if not isinstance(parsed, dict) or not parsed.get("clusters") or not parsed.get("users"):
        raise ValueError("is not a kubeconfig (YAML with clusters and users); give the file's whole content")
    return value


class Storage(Model):
    persistence: bool = True
    size: StorageQuantity = "8Gi"
    storage_class: DnsSubdomain | None = None
    kubeconfig: Annotated[SecretStr, AfterValidator(_kubeconfig)] | None = None


def program_owns_claim(settings: Settings) -> bool:
    """Where Pulumi reaches the cluster zot runs in. Otherwise (a workload cluster without storage.kubeconfig)
    the chart's volumeClaimTemplates make the claim, and size and class are fixed at the first install."""
    storage = settings.storage
    return storage.persistence and (settings.app.cluster is None or storage.kubeconfig is not None)
