"""The stacks of this project: one per `Pulumi.<stack>.yaml`. `python -m tools.stacks` prints them as JSON.

The preview workflow builds its matrix from this, so a new stack file is previewed without editing a workflow.
Standard library only: the workflow runs it before any requirement is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stacks(root: Path = ROOT) -> list[str]:
    return sorted(path.name.split(".")[1] for path in root.glob("Pulumi.*.yaml"))


if __name__ == "__main__":
    print(json.dumps(stacks()))
