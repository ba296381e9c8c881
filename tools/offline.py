"""Run `__main__.py` under Pulumi's mocks, as the CLI would run it, and record what it registers and exports.

No CLI, backend or cluster: the tests run the program this way, and `tools.render` writes what it records as
manifests. Secrets in a stack file are ciphertexts only the CLI can decrypt, so callers supply stand-ins.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import hashlib
import itertools
import json
import logging
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings

from components.stack_config import PROJECT
from components.stack_file import is_secure, load_stack_file, project_config

ROOT = Path(__file__).resolve().parent.parent
# How Pulumi marks a secret value on the wire (pulumi/runtime/rpc.py).
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"


@dataclass
class Resource:
    type: str
    name: str
    inputs: dict[str, Any]
    provider: str | None = None
    # What the mock engine returned: the inputs, plus metadata.name where Pulumi would have auto-named.
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProgramRun:
    resources: list[Resource]
    outputs: dict[str, Any]
    secret_outputs: set[str]
    logs: list[str] = field(default_factory=list)
    # The subset of logs at warning level and above: what a preview shows as warnings.
    warnings: list[str] = field(default_factory=list)

    def one(self, type_: str) -> Resource:
        found = [r for r in self.resources if r.type == type_]
        assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
        return found[0]


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo inputs back as state; name unnamed Kubernetes objects the way the provider's auto-naming would.

    pulumi-kubernetes replaces a ConfigMap or Secret whenever its data changes, and the replacement gets a
    new auto-name. Without a fixed `name_suffix`, the suffix is a digest of the inputs, which models that:
    whatever names the object (the App) changes with its data, as it will in a real preview.
    """

    def __init__(self, name_suffix: str | None = None) -> None:
        self.name_suffix = name_suffix
        self.resources: list[Resource] = []
        # Pulumi's mock monitor gives each worker thread an event loop and never closes it; run_program does,
        # or the loops warn "Exception ignored in BaseEventLoop.__del__" whenever they happen to be collected.
        self.worker_loops: set[asyncio.AbstractEventLoop] = set()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.worker_loops.add(asyncio.get_event_loop())
        inputs = as_sent(args.inputs)
        state = copy.deepcopy(inputs)
        metadata = state.get("metadata")
        if isinstance(metadata, dict) and not metadata.get("name"):
            digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:8]
            metadata["name"] = f"{args.name}-{self.name_suffix or digest}"
        self.resources.append(Resource(args.typ, args.name, inputs, args.provider or None, state))
        return f"{args.name}-id", copy.deepcopy(state)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def as_sent(value: Any) -> Any:
    """Inputs as the mock monitor decoded them, made independent of the process: keys sorted at every depth, and
    whole numbers as ints.

    The monitor decodes a protobuf Struct (pulumi/runtime/mocks.py, RegisterResource), and upb iterates a map in an
    order seeded by an address, so by ASLR (protocolbuffers/protobuf upb/hash/common.c, `_upb_Seed`: "the address
    of a variable ... provided that ASLR is enabled"): key order differs from one process to the next, whatever
    PYTHONHASHSEED says. The Struct also holds every number as a double (pulumi 3.272 runtime/rpc.py:414,
    `number_value=float(value)`), so 5000 comes back as 5000.0. A real run needs neither fix: the engine compares
    maps, not their order; the provider writes a whole float64 to the API server as an integer (Go encoding/json
    `floatEncoder`: format 'f' below 1e21); and Helm holds the numbers of a values file as float64 anyway (helm
    pkg/chartutil/values.go `ReadValues`, through sigs.k8s.io/yaml).
    """
    if isinstance(value, dict):
        return {key: as_sent(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if record.levelno >= logging.WARNING:
            self.warnings.append(record.getMessage())


def standin_salt_key(label: str) -> str:
    """A salt key for offline runs: base64 of SHA-256 of the label, random-looking enough to pass validation (no
    typed text does), deterministic, and a stand-in by the name it is derived from."""
    return base64.b64encode(hashlib.sha256(label.encode()).digest()).decode()


def path_parts(path: str) -> list[str | int]:
    """The keys and list indexes of a `pulumi config set --path` path, like `users[0].password`."""
    return [int(token) if token.isdigit() else token for token in path.replace("]", "").replace("[", ".").split(".")]


def set_path(config: dict[str, Any], path: str, value: Any) -> None:
    """`pulumi config set --path` semantics for the simple paths stack files use."""
    parts = path_parts(path)
    node: Any = config
    for part, following in itertools.pairwise(parts):
        node = node[part] if isinstance(part, int) else node.setdefault(part, [] if isinstance(following, int) else {})
    node[parts[-1]] = value


def _replace_secure(value: Any, path: str, standin: Callable[[str], str]) -> tuple[Any, bool]:
    """Swap `{secure: ...}` ciphertexts (which only the CLI can decrypt) for `standin(<config path>)`."""
    if is_secure(value):
        return standin(path), True
    if isinstance(value, dict):
        items = {k: _replace_secure(v, f"{path}.{k}", standin) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(s for _, s in items.values())
    if isinstance(value, list):
        items_list = [_replace_secure(v, f"{path}[{i}]", standin) for i, v in enumerate(value)]
        return [v for v, _ in items_list], any(s for _, s in items_list)
    return value, False


def stack_file_config(
    stack: str, standin: Callable[[str], str], root: Path | None = None
) -> tuple[dict[str, Any], set[str]]:
    """The `zot-cache:` config of Pulumi.<stack>.yaml in `root` (the project's folder by default) as nested values,
    plus the top-level keys that hold secrets.

    Raises StackFileError for a file the CLI cannot read either (a YAML error, a key given twice).
    """
    config: dict[str, Any] = {}
    secret_keys: set[str] = set()
    for key, value in project_config(load_stack_file((root or ROOT) / f"Pulumi.{stack}.yaml"), PROJECT).items():
        config[key], is_secret = _replace_secure(value, key, standin)
        if is_secret:
            secret_keys.add(key)
    return config, secret_keys


def run_program(
    stack: str,
    config: dict[str, Any],
    secret_keys: set[str],
    preview: bool = False,
    mocks: RecordingMocks | None = None,
    root: Path | None = None,
    other_config: dict[str, str] | None = None,
) -> ProgramRun:
    """Run __main__.py with config given as the CLI gives it: JSON text per top-level key, secret keys listed.

    The program runs in `root` (the project's folder by default), as the CLI runs it in the folder of the stack
    file, which it reads beside the config. Pass `mocks` to see what was registered even when the program raises.
    `other_config` holds keys of other namespaces by their full names, like `kubernetes:context`.
    """
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_all_config(
        {f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
        | (other_config or {}),
        [f"{PROJECT}:{key}" for key in secret_keys],
    )
    capture = _Capture()
    logger = logging.getLogger(f"zot-cache-offline-{id(capture)}")
    logger.addHandler(capture)
    logger.propagate = False
    mocks = mocks or RecordingMocks()
    # set_mocks reuses the root stack resource of an earlier run in this process, and with it that run's exports:
    # a stack's outputs would include another's. A fresh root for each run.
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=preview, logger=logger)
    outputs: dict[str, Any] = {}
    secret_outputs: set[str] = set()

    async def collect() -> None:
        root = runtime_settings.get_root_resource()
        for key, value in root.outputs.items():  # type: ignore[union-attr]
            output = pulumi.Output.from_input(value)
            outputs[key] = await output.future()
            if await output.is_secret():
                secret_outputs.add(key)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]  # pulumi ships it without type hints
    def program() -> Any:
        runpy.run_path(str(ROOT / "__main__.py"))
        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    try:
        with contextlib.chdir(root or ROOT):
            program()
    finally:
        for loop in [asyncio.get_event_loop(), *mocks.worker_loops]:
            loop.close()
        asyncio.set_event_loop(None)
    return ProgramRun(mocks.resources, outputs, secret_outputs, capture.messages, capture.warnings)


def unwrap_secret(value: Any) -> Any:
    """The value with every Pulumi secret wrapper in it removed, as the mock monitor receives them."""
    if is_secret_value(value):
        return unwrap_secret(value["value"])
    if isinstance(value, dict):
        return {key: unwrap_secret(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap_secret(item) for item in value]
    return value


def is_secret_value(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE_SIG
