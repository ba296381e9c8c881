"""The stacks of this project: one per committed `Pulumi.<stack>.yaml`. `python -m tools.stacks` prints them as JSON.

The preview workflow builds its matrix from this, so a new stack file is previewed without editing a workflow.
Only files git tracks count (where there is git): a stack kept on one machine, like the kind quick start's, is
nobody else's to preview or deploy. Standard library only: the workflow runs it before anything is installed.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stacks(root: Path = ROOT) -> list[str]:
    files = [path.name for path in root.glob("Pulumi.*.yaml")]
    listed = subprocess.run(
        ["git", "ls-files", "--", "Pulumi.*.yaml"], cwd=root, capture_output=True, text=True, check=False
    )
    if listed.returncode == 0:
        files = listed.stdout.split()
    return sorted(name.split(".")[1] for name in files)


if __name__ == "__main__":
    print(json.dumps(stacks()))
