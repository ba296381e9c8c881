"""The pull harness itself: a real containerd pulls a test image from the stand-in registry through a hand-written
hosts.toml, and the registry's log shows the path it asked for.

It also shows the harness can tell a wrong file from a right one: without `override_path` containerd appends
`/v2` after the mirror's path, and the pull fails (the mistake node-wiring by hand makes most often).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containerd import Containerd, run_containerd
from tests.oci_image import build_image
from tests.registry import Registry, serve_registry
from tests.skopeo import push

# A name nobody publishes upstream: where a runner has internet, containerd's fallback to `server` finds nothing.
REPOSITORY = "library/zot-cache-harness"
REFERENCE = f"docker.io/{REPOSITORY}:1.0"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    folder = tmp_path_factory.mktemp("harness")
    image = build_image(folder / "image", "1.0", "hello.txt", b"hello\n")
    with serve_registry(folder / "registry") as running:
        push(image.source, f"{running.host}/docker.io/{REPOSITORY}:1.0")
        yield running


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Containerd]:
    with run_containerd(tmp_path / "containerd") as running:
        yield running


def hosts_dir(folder: Path, mirror: Registry, override_path: bool) -> Path:
    """A hosts.toml for docker.io that sends pulls to the mirror's docker.io namespace."""
    (folder / "docker.io").mkdir(parents=True)
    (folder / "docker.io" / "hosts.toml").write_text(
        'server = "https://registry-1.docker.io"\n'
        f'[host."{mirror.url}/v2/docker.io"]\n'
        'capabilities = ["pull", "resolve"]\n'
        f"override_path = {str(override_path).lower()}\n"
    )
    return folder


def test_containerd_pulls_through_a_path_mirror_with_override_path(
    mirror: Registry, daemon: Containerd, tmp_path: Path
) -> None:
    pulled = daemon.pull(REFERENCE, hosts_dir(tmp_path / "hosts", mirror, override_path=True))
    assert pulled.returncode == 0, pulled.stderr
    assert mirror.answered("HEAD", f"/v2/docker.io/{REPOSITORY}/manifests/1.0?ns=docker.io", 200)


def test_without_override_path_containerd_appends_v2_and_fails(
    mirror: Registry, daemon: Containerd, tmp_path: Path
) -> None:
    pulled = daemon.pull(REFERENCE, hosts_dir(tmp_path / "hosts", mirror, override_path=False))
    assert pulled.returncode != 0
    assert mirror.answered("HEAD", f"/v2/docker.io/v2/{REPOSITORY}/manifests/1.0?ns=docker.io", 404)
