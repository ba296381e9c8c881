"""Local namespaces: the repository path each upstream's images are stored under, and which names it can fill.

One namespace per upstream keeps a name from being looked up on two registries: with Docker Hub on demand in the
root namespace, a pull of `my-org/app:<new tag>` was also asked of Docker Hub, where anyone owning `my-org` decides
what comes back.
"""

from __future__ import annotations

import re

ROOT = "/"

# zot refuses any repository name outside its pkg/regexp FullNameRegexp (the grammar of distribution's
# reference.NameRegexp): lower-case letters and digits, components joined by "/", separators ".", "_", "__" or
# dashes. There is no ":" in it, so a host with a port cannot be a namespace as it is written.
_REPOSITORY_PATH = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-*)[a-z0-9]+)*)*$")

# zot turns these hosts into Docker Hub (pkg/extensions/sync/service.go); all three are the same registry.
DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})


def is_repository_path(value: str) -> bool:
    return _REPOSITORY_PATH.fullmatch(value) is not None


def from_host(host: str) -> str:
    """The default namespace: the host as written, its port joined with "-" (my-registry.example.org-5000)."""
    return host.lower().replace(":", "-")


def covers(namespace: str, repository: str) -> bool:
    """A namespace holds itself and everything below it; the root ("") holds every repository."""
    return not namespace or repository == namespace or repository.startswith(namespace + "/")


def docker_hub_can_serve(repository: str) -> bool:
    """Whether Docker Hub could answer for this name when asked for it as it is.

    Docker Hub user and organisation names are 4-30 lower-case letters and digits, so nobody can own a first
    component with a "." (ghcr.io/..., my-registry.example.org/...). A one-component name becomes library/<name>
    (regclient's normalisation), an official image only Docker publishes.
    """
    return "." not in repository.split("/")[0]


def label(namespace: str) -> str:
    return namespace or ROOT


def glob(namespace: str) -> str:
    """The accessControl/retention glob for everything in a namespace ("" is the root: everything)."""
    return f"{namespace}/**" if namespace else "**"
