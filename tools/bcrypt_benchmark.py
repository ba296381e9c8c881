"""What bcrypt costs a login on this machine: zot checks the htpasswd hash on every request it gets.

`python -m tools.bcrypt_benchmark [STACK] [--layers N]` (`make bcrypt-benchmark STACK=prod`) times one bcrypt
verification at each cost the stack's users and node pull user have, and what a node pays to pull an image of N
layers through the cache with that login: one request for the manifest, one for the config and one per layer, each
checked. A benchmark to read, not a test: the figures belong to the machine it runs on, which it names, and vary
with its load (run it on an idle machine, more than once).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import bcrypt

from components.settings.access import User
from components.settings.nodes import PullUser
from components.stack_config import PROJECT
from components.stack_file import StackFileError, load_stack_file, project_config
from tools.offline import ROOT

# A node pull is a manifest, a config blob and the layers; tags and index lookups add one or two more.
REQUESTS_BESIDES_LAYERS = 2
USER_COST = User.model_fields["bcrypt_cost"].default
NODE_COST = PullUser.model_fields["bcrypt_cost"].default


def costs(stack: str) -> dict[str, int]:
    """Login name -> bcrypt cost, as the stack file sets them (defaults where it does not)."""
    config = project_config(load_stack_file(ROOT / f"Pulumi.{stack}.yaml"), PROJECT)
    found = {user["name"]: int(user.get("bcryptCost", USER_COST)) for user in config.get("users") or []}
    pull_user = (config.get("nodes") or {}).get("pullUser")
    if pull_user:
        found[pull_user["name"]] = int(pull_user.get("bcryptCost", NODE_COST))
    return found


def verify_seconds(cost: int, rounds: int = 5) -> float:
    """The median time of bcrypt.checkpw at this cost, as zot's Go bcrypt does per request."""
    hashed = bcrypt.hashpw(b"a-password-of-ordinary-length", bcrypt.gensalt(cost))
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        bcrypt.checkpw(b"a-password-of-ordinary-length", hashed)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    return f"{model}, one core ({platform.system()} {platform.machine()}, Python bcrypt {metadata.version('bcrypt')})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", default="prod")
    parser.add_argument("--layers", type=int, default=10, help="layers of the image a node pulls (default 10)")
    args = parser.parse_args(argv)
    try:
        logins = costs(args.stack)
    except StackFileError as error:
        print(error, file=sys.stderr)
        return 1
    requests = args.layers + REQUESTS_BESIDES_LAYERS
    print(f"Machine: {machine()}")
    print(f"Stack {args.stack}; an image of {args.layers} layers is about {requests} checked requests.\n")
    print(f"{'login':<16} {'cost':>4} {'per request':>12} {'per image pull':>15}")
    by_cost: dict[int, float] = {}
    for name, cost in sorted(logins.items(), key=lambda item: (item[1], item[0])):
        if cost not in by_cost:
            by_cost[cost] = verify_seconds(cost)
        seconds = by_cost[cost]
        print(f"{name:<16} {cost:>4} {seconds * 1000:>9.1f} ms {seconds * requests * 1000:>12.0f} ms")
    for cost in (USER_COST, NODE_COST):
        if cost not in by_cost:
            seconds = verify_seconds(cost)
            print(f"{'(default)':<16} {cost:>4} {seconds * 1000:>9.1f} ms {seconds * requests * 1000:>12.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
