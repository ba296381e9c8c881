"""The stack file `Pulumi.<stack>.yaml` as the Pulumi CLI reads it: duplicate keys refused, `secure:` leaves kept.

The program reads it beside the engine's config for one reason: the engine marks a whole top-level key secret
when any value under it is, so only the file shows which leaf was set without `--secret`.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml


class DuplicateKeyError(ValueError):
    """The CLI's YAML parser refuses a key given twice in one mapping; PyYAML would keep the last silently."""


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: dict[Hashable, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKeyError(
                    f"{Path(key_node.start_mark.name).name} line {line}: key {key!r} is given twice "
                    f"(first on line {seen[key]}); the Pulumi CLI refuses the file, keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_stack_file(path: Path) -> dict[str, Any]:
    """The whole document; raises DuplicateKeyError naming the file, key and lines."""
    with path.open() as stream:
        document = yaml.load(stream, Loader=_UniqueKeyLoader)  # a SafeLoader subclass, so safe
    return document if isinstance(document, dict) else {}


def project_config(document: dict[str, Any], project: str) -> dict[str, Any]:
    """The `<project>:<key>` entries of the file's `config:`, keyed by `<key>`."""
    prefix = f"{project}:"
    config = document.get("config") or {}
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def is_secure(value: Any) -> bool:
    """A ciphertext the CLI wrote for `pulumi config set --secret`."""
    return isinstance(value, dict) and set(value) == {"secure"}
