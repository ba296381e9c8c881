"""skopeo, the containers/image client CRI-O resolves images with: pushes test images, and pulls through a
registries.conf the way a CRI-O node would."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from tests.programs import require_program

TIMEOUT = 60


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    """Run skopeo; the caller asserts on the result (its stderr says why a copy failed)."""
    binary = require_program("skopeo", "skopeo")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False)


def push(source: str, destination: str, *, creds: str | None = None, ca_dir: Path | None = None) -> None:
    """Copy `source` (e.g. `oci:DIR:TAG`) to `docker://<destination>`: over http or unverified https without
    `ca_dir`, else verified against the certificates in `ca_dir`; with Basic `creds` (`user:password`) if given."""
    args = ["copy", "--quiet"]
    args += [f"--dest-cert-dir={ca_dir}"] if ca_dir else ["--dest-tls-verify=false"]
    args += [f"--dest-creds={creds}"] if creds else []
    done = skopeo(*args, source, f"docker://{destination}")
    assert done.returncode == 0, f"skopeo could not push {destination}:\n{done.stderr}"


def pull_through(
    registries_conf: Path, reference: str, layout: Path, extra: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Copy `docker://<reference>` to an OCI layout, resolving it only through `registries_conf` (`extra`: more copy
    options, e.g. --src-authfile).

    The file is passed with --registries-conf: skopeo 1.9 here ignored CONTAINERS_REGISTRIES_CONF.
    """
    tag = reference.rsplit(":", 1)[1]
    layout.parent.mkdir(parents=True, exist_ok=True)  # skopeo creates the layout folder, not its parents
    return skopeo(
        "--registries-conf",
        str(registries_conf),
        "copy",
        "--quiet",
        *extra,
        f"docker://{reference}",
        f"oci:{layout}:{tag}",
    )
