"""A Go registry (Debian's docker-registry, docker/distribution 2.8) on 127.0.0.1 for tests.

It uses the same Go bcrypt package as zot, so it checks generated htpasswd files the way zot would, and it
stands in for zot's namespaced repositories (`/v2/<namespace>/<repo>/...`) when real clients pull through the
generated node files. Its log records each request, so a test can see what a client asked for.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.daemons import free_port, listening, running
from tests.programs import require_program
from tests.tls import Certificate

# An Apache combined-log line: ... "GET /v2/ns/repo/manifests/1.0?ns=docker.io HTTP/1.1" 200 ...
LOG_WAIT = 2.0
_ACCESS_LINE = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" ([0-9]{3}) ', re.MULTILINE)


@dataclass(frozen=True)
class Registry:
    """A running registry: where it listens and where it logs."""

    port: int
    log: Path
    tls: Certificate | None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path with query, status) of every request answered so far, in order, from the access log."""
        found = _ACCESS_LINE.findall(self.log.read_text(errors="replace"))
        return [(method, path, int(status)) for method, path, status in found]

    def answered(self, method: str, path: str, status: int) -> bool:
        """Whether the registry answered that request. The line is written after the response is sent, so a
        client may be done before it is there: wait for it a little."""
        deadline = time.monotonic() + LOG_WAIT
        while (method, path, status) not in self.requests():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True


@contextmanager
def serve_registry(
    folder: Path,
    *,
    port: int | None = None,
    htpasswd: Path | None = None,
    tls: Certificate | None = None,
    storage: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[Registry]:
    """A registry storing under `folder` (or in the `storage` driver given, e.g. {"s3": {...}}), on `port` (any free
    one if None), with Basic auth from `htpasswd` and https with `tls` when given, in `env` alone when given;
    stopped when the block ends."""
    binary = require_program("docker-registry", "docker-registry")
    port = free_port() if port is None else port
    folder.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "version": 0.1,
        # The access log has a line per request, refused ones (401) included; the JSON app log at info has none
        # for those. Warnings stay: they say why a login failed.
        "log": {"level": "warn", "formatter": "json"},
        "storage": storage or {"filesystem": {"rootdirectory": str(folder / "storage")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }
    if tls:
        config["http"] = {"addr": f"127.0.0.1:{port}", "tls": {"certificate": str(tls.cert), "key": str(tls.key)}}
    if htpasswd:
        config["auth"] = {"htpasswd": {"realm": "test-realm", "path": str(htpasswd)}}
    config_file = folder / "registry.json"
    # JSON is YAML: the registry reads this file as YAML.
    config_file.write_text(json.dumps(config), encoding="utf-8")
    log = folder / "registry.log"
    with running([binary, "serve", str(config_file)], log, listening(port), "docker-registry", env):
        yield Registry(port, log, tls)
