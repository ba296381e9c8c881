"""Node files on disk, and what a client asks a mirror for, read from those files.

The program's outputs key each file by its path on the node (`/etc/containerd/certs.d/docker.io/hosts.toml`); a
test writes them under a temp folder standing in for the node's `/`, then points the real client at it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from components.settings import globs

CERTS_D = "etc/containerd/certs.d"


def write_node_files(node_root: Path, files: dict[str, str]) -> Path:
    """Write each `/absolute/node/path` → text under `node_root`; returns node_root."""
    for path, text in files.items():
        assert path.startswith("/"), f"{path!r} is not an absolute node path"
        target = node_root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return node_root


def hosts_dir(node_root: Path) -> Path:
    """The folder containerd's config_path (and `ctr --hosts-dir`) reads, under the stand-in node root."""
    return node_root / CERTS_D


def requested_repository(hosts_toml: str, repository: str) -> list[str]:
    """The repository containerd asks each mirror of a hosts.toml for, given the image's repository.

    containerd requests `<host URL path>/<repository>/manifests/<tag>` with override_path, else
    `<host URL path>/v2/<repository>/...`; the repository a registry sees is what follows `/v2/`.
    """
    hosts = tomllib.loads(hosts_toml).get("host", {})
    found = []
    for url, host in hosts.items():
        base = urlsplit(url).path.rstrip("/")
        path = f"{base}/{repository}" if host.get("override_path") else f"{base}/v2/{repository}"
        assert path.startswith("/v2/"), f"{url} makes containerd ask for {path}, which no registry serves"
        found.append(path.removeprefix("/v2/"))
    return found


def stored_repository(sync_entry: dict[str, Any], repository: str) -> str | None:
    """Where zot stores `repository` of the upstream of one generated sync registry entry, or None: the destination
    of the first content entry whose prefix matches, joined with the repository (no content: the root namespace)."""
    for content in sync_entry.get("content", [{"prefix": "**", "destination": "/"}]):
        if globs.matches(content["prefix"], repository):
            assert not content.get("stripPrefix"), "stripPrefix is not modelled here"
            return "/".join(part for part in (content["destination"].strip("/"), repository) if part)
    return None


def sample_repositories(sync_entry: dict[str, Any]) -> list[str]:
    """A repository each content entry of a generated sync registry entry syncs (any, without content)."""
    prefixes = [content["prefix"] for content in sync_entry.get("content", [])] or ["zot-cache-check/image"]
    return [prefix.replace("**", "zot-cache-check/image").replace("*", "x") for prefix in prefixes]
