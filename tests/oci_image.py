"""A tiny OCI image built in Python (one layer holding one file), as an OCI layout skopeo can copy from.

Built byte for byte the same each time (fixed mtimes, no gzip timestamp), so its digests are stable.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import platform
import tarfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
# containerd unpacks only images for its own platform: the config names this machine's architecture.
ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


@dataclass(frozen=True)
class Image:
    """An OCI layout on disk and the digest of its one manifest."""

    layout: Path
    tag: str
    manifest_digest: str

    @property
    def source(self) -> str:
        """The layout as a skopeo/containers transport reference."""
        return f"oci:{self.layout}:{self.tag}"


def _write_blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest.removeprefix("sha256:")).write_bytes(data)
    return {"digest": digest, "size": len(data)}


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _layer(path: str, content: bytes) -> bytes:
    """An uncompressed tar holding one regular file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.mtime = len(content), 0o644, 0
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def build_image(layout: Path, tag: str, file_path: str, content: bytes) -> Image:
    """Write an OCI layout at `layout` whose image `tag` holds `file_path` with `content`."""
    (layout / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    tar = _layer(file_path, content)
    layer = _write_blob(layout, gzip.compress(tar, mtime=0))
    config = {
        "architecture": ARCHITECTURES.get(platform.machine(), platform.machine()),
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **_write_blob(layout, _canonical(config))},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }
    manifest_blob = _write_blob(layout, _canonical(manifest))
    index = {
        "schemaVersion": 2,
        "manifests": [
            {"mediaType": MANIFEST_TYPE, **manifest_blob, "annotations": {"org.opencontainers.image.ref.name": tag}}
        ],
    }
    (layout / "index.json").write_bytes(_canonical(index))
    return Image(layout, tag, str(manifest_blob["digest"]))
