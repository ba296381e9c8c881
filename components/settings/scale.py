"""Scale-out: several zot members, each owning a share of the repositories on a volume of its own.

zot v2.1.18's `cluster` (pkg/api/config/config.go L407-436) hashes a repository's name to one member; a member
proxies requests for repositories it does not own (pkg/api/proxy.go). Only per-member storage is offered: shared
storage (one S3 bucket, a remote metadata cache) is not built yet (docs/platforms.md, Scaling out).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from components.settings.common import Model
from components.settings.units import parse_quantity

if TYPE_CHECKING:
    from components.settings import Settings
    from components.settings.common import Issue
    from components.settings.upstreams import Content, Registry

BASE = ("scale",)
# The size in the members' claim template (builders/storage.py): fixed, so the StatefulSet never changes for it.
MEMBER_TEMPLATE_SIZE = "1Gi"


class Scale(Model):
    replicas: int = Field(default=1, ge=1)
    storage: Literal["perMember"] = "perMember"

    @field_validator("storage", mode="before")
    @classmethod
    def _only_per_member(cls, value: object) -> object:
        if value != "perMember":
            raise ValueError(
                f"{value!r} is not offered: only perMember (each member on a volume of its own) is built; shared "
                "storage (s3) is not offered yet (docs/platforms.md, Scaling out)"
            )
        return value

    @property
    def clustered(self) -> bool:
        return self.replicas > 1


def maps_names(registry: Registry) -> bool:
    """Whether a repository's local name differs from its upstream name (a namespace, destination or
    stripPrefix): active sync picks the member by the upstream name, clients reach the member of the local one."""
    contents: list[Content | None] = [*registry.content] or [None]
    return any(
        registry.destination(content) not in (None, "/") or (content is not None and content.strip_prefix)
        for content in contents
    )


def scale_issues(settings: Settings) -> Iterator[Issue]:
    """What a cluster of members needs from the rest of the config."""
    scale = settings.scale
    if not scale.clustered:
        return
    many = f"with scale.replicas {scale.replicas}"
    if not settings.storage.persistence:
        yield (
            ("storage", "persistence"),
            f"is false {many}: members find each other by the StatefulSet's pod names, which only persistence "
            "gives (a Deployment's pods have none); set storage.persistence: true",
        )
    if settings.app.cluster is not None and settings.storage.kubeconfig is None:
        yield (
            ("storage", "kubeconfig"),
            f"is missing {many}: the program applies each member's volume claim and the PodDisruptionBudget in "
            f"workload cluster {settings.app.cluster.name}, which needs a kubeconfig for it (docs/platforms.md, "
            "The cache's volume)",
        )
    if settings.htpasswd_salt_key is None:
        yield (
            ("htpasswdSaltKey",),
            f"missing {many}: zot's cluster.hashKey is derived from it, so that it never changes by itself; run "
            'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"',
        )
    if parse_quantity(settings.storage.size) < parse_quantity(MEMBER_TEMPLATE_SIZE):
        yield (
            ("storage", "size"),
            f"is below {MEMBER_TEMPLATE_SIZE} {many}: a member's claim that the StatefulSet makes from its "
            f"template ({MEMBER_TEMPLATE_SIZE}) before the program applies it could not shrink to it; use "
            f"{MEMBER_TEMPLATE_SIZE} or more",
        )
    if settings.zot.ui:
        yield (
            ("zot", "ui"),
            f"is not supported {many}: each member lists and searches only the repositories it owns (zot's "
            "scale-out documentation); set ui: false",
        )
    for index, registry in enumerate(settings.registries):
        if registry.active and not registry.on_demand and maps_names(registry):
            yield (
                ("registries", index, "onDemand"),
                f"is false for an upstream synced actively into {registry.namespace_path or 'a destination'}/ "
                f"{many}: zot's active sync stores a repository on the member its upstream name picks, while pulls "
                "go to the member its local name picks, which would not find it and may not sync it; set onDemand: "
                "true (the member asked then syncs it), or keep scale.replicas at 1",
            )
