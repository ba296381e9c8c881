"""Real programs the tests check generated files with (Apache's htpasswd, a Go registry, ...).

`.ci/run` installs them and sets ZOT_CACHE_REQUIRE_TOOLS=1, so there a missing program fails its tests; on a
workstation without them those tests are skipped, each saying which package brings the program.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_program(name: str, debian_package: str) -> str:
    """The program's path, or a skip (a failure under ZOT_CACHE_REQUIRE_TOOLS=1) naming its package."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name!r} is not on PATH: sudo apt-get install {debian_package} (or run bash .ci/run, which does)"
    if os.environ.get("ZOT_CACHE_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message}; ZOT_CACHE_REQUIRE_TOOLS=1 requires it")
    pytest.skip(message)
