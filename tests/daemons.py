"""Start a real daemon for a test, wait until it listens, and always stop it: registries, containerd.

Each daemon writes its output to a log file the test can read (and that a failure message quotes).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
# The node-port range Kubernetes hands out; a test of the nodePort mode serves on a port inside it.
NODE_PORTS = range(30000, 32768)
_handed_out: set[int] = set()


def free_port(ports: range | None = None) -> int:
    """A port on 127.0.0.1 nobody listens on now: any, or one of `ports`.

    A fixture may pick a port well before its daemon binds it, so a port of `ports` is handed out once per run;
    the search starts at a random one, so parallel runs rarely meet.
    """
    if ports is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    start = random.randrange(len(ports))
    for port in [*ports[start:], *ports[:start]]:
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError(f"no free port on 127.0.0.1 in {ports}")


def listening(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return False
        return True

    return check


def root_command() -> list[str]:
    """The prefix that runs a program as root: nothing as root, `sudo -n` where that works, else a skip.

    containerd needs root (it chowns and mounts in its state folders). The skip says why, so a run without root
    shows what it did not check; CI runs as root (or through sudo on GitHub's runners) and must not skip.
    """
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0:
        return [sudo, "-n"]
    message = "containerd needs root: run the tests as root or where `sudo -n` works"
    if os.environ.get("ZOT_CACHE_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message}; ZOT_CACHE_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message)


@contextmanager
def running(
    command: Sequence[str],
    log: Path,
    ready: Callable[[], bool],
    name: str,
    env: Mapping[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` with its output in `log` until `ready()`; terminate it (then kill it) when the block ends.
    With `env`, the process sees that environment and nothing of the test run's."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            list(command),
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=None if env is None else dict(env),
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not ready():
            assert process.poll() is None, f"{name} exited early:\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, (
                f"{name} was not ready within {STARTUP_TIMEOUT}s:\n{log.read_text(errors='replace')}"
            )
            time.sleep(0.02)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
