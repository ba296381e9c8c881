"""A self-signed certificate for 127.0.0.1, made with openssl, for daemons a test serves over https."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.programs import require_program


@dataclass(frozen=True)
class Certificate:
    """The certificate (also the CA a client trusts) and its key."""

    cert: Path
    key: Path


def self_signed(folder: Path) -> Certificate:
    """A one-day EC certificate whose subjectAltName is IP 127.0.0.1: clients check the IP, not the CN."""
    openssl = require_program("openssl", "openssl")
    folder.mkdir(parents=True, exist_ok=True)
    # Named .crt: a containers cert dir (skopeo --*-cert-dir) trusts each *.crt in it as a CA.
    found = Certificate(folder / "ca.crt", folder / "key.pem")
    command = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    command += ["-keyout", str(found.key), "-out", str(found.cert)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, f"openssl could not make a certificate:\n{done.stderr}"
    return found


@cache
def sample_ca_pem() -> str:
    """A CA certificate (PEM) for settings that need one; made once per run, its key thrown away."""
    return self_signed(Path(tempfile.mkdtemp(prefix="zot-cache-ca-"))).cert.read_text(encoding="utf-8")
