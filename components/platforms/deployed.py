"""What a platform reports back: the object that installs zot, and the values ConfigMap if it has one."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class Deployed:
    # kind, name and namespace of the App, HelmRelease or Helm release: where to look when zot does not come up.
    installer: dict[str, str]
    values_config_map: pulumi.Output[str] | None = None
    # What objects beside the chart in zot's namespace must wait for (the namespace, where the platform creates it).
    namespace_ready: tuple[pulumi.Resource, ...] = ()
