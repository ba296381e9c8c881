"""A real containerd daemon for a test, in its own temp folders with its own socket, and `ctr` pulls against it.

Minimal config: no CRI plugin and no runtime (nothing here runs containers), the `native` snapshotter (plain
copies, no overlay mounts), so it starts in a container or CI runner. It needs root (see tests/daemons.py).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.daemons import root_command, running
from tests.programs import require_program

PULL_TIMEOUT = 60
# Plugins that need kernel features, a runtime or the network: off, so startup neither waits on nor logs them.
DISABLED_PLUGINS = [
    "io.containerd.grpc.v1.cri",
    "io.containerd.internal.v1.opt",
    "io.containerd.internal.v1.tracing",
    "io.containerd.monitor.v1.cgroups",
    "io.containerd.runtime.v1.linux",
    "io.containerd.runtime.v2.task",
    "io.containerd.snapshotter.v1.aufs",
    "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.snapshotter.v1.overlayfs",
    "io.containerd.snapshotter.v1.zfs",
    "io.containerd.tracing.processor.v1.otlp",
]


@dataclass(frozen=True)
class Containerd:
    """A running daemon: its socket, its log, and the command prefix that reaches it as root."""

    socket: Path
    log: Path
    as_root: tuple[str, ...]

    def pull(
        self, reference: str, hosts_dir: Path, system_certs: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`ctr images pull` of a full reference, resolving registries only through `hosts_dir`'s hosts.toml files,
        as the CRI plugin does with config_path; the native snapshotter unpacks it.

        containerd 1.6's ctr talks to the registry itself; `system_certs` stands in for the node's /etc/ssl/certs,
        which Go reads file by file into the system pool (crypto/x509 root_unix.go); SSL_CERT_DIR replaces that
        folder. Without it the pool is this machine's, which trusts no test CA."""
        ctr = require_program("ctr", "containerd")
        certs = ["env", f"SSL_CERT_DIR={system_certs}"] if system_certs else []
        command = [*self.as_root, *certs, ctr, "--address", str(self.socket), "images", "pull"]
        command += ["--hosts-dir", str(hosts_dir), "--snapshotter", "native", reference]
        return subprocess.run(command, capture_output=True, text=True, timeout=PULL_TIMEOUT, check=False)


def _config(folder: Path, socket: Path) -> str:
    """The daemon's config.toml. JSON strings are valid TOML basic strings, so json.dumps quotes every value."""
    lines = [
        "version = 2",
        f"root = {json.dumps(str(folder / 'root'))}",
        f"state = {json.dumps(str(folder / 'state'))}",
        f"disabled_plugins = {json.dumps(DISABLED_PLUGINS)}",
        "[grpc]",
        f"address = {json.dumps(str(socket))}",
        "[ttrpc]",
        f"address = {json.dumps(f'{socket}.ttrpc')}",
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def run_containerd(folder: Path) -> Iterator[Containerd]:
    """A containerd whose root, state, socket and log live under `folder`; stopped when the block ends."""
    binary = require_program("containerd", "containerd")
    as_root = root_command()
    folder.mkdir(parents=True, exist_ok=True)
    socket = folder / "containerd.sock"
    config = folder / "config.toml"
    config.write_text(_config(folder, socket), encoding="utf-8")
    log = folder / "containerd.log"
    try:
        with running([*as_root, binary, "--config", str(config)], log, socket.exists, "containerd"):
            yield Containerd(socket, log, tuple(as_root))
    finally:
        if as_root:
            # Through sudo, root owns what the daemon wrote: hand it back so pytest can remove its temp folders.
            subprocess.run([*as_root, "chown", "-R", f"{os.getuid()}:{os.getgid()}", str(folder)], check=False)
