"""The stack file `Pulumi.<stack>.yaml` as the Pulumi CLI reads it: duplicate keys refused, `secure:` leaves kept.

The program reads it beside the engine's config for one reason: the engine marks a whole top-level key secret
when any value under it is, so only the file shows which leaf was set without `--secret`.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml


class StackFileError(ValueError):
    """A stack file the CLI cannot read either, said in one line: the file, the position and what is wrong."""


class DuplicateKeyError(StackFileError):
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
    """The whole document; raises StackFileError naming the file and the line (DuplicateKeyError for a key given
    twice)."""
    with path.open() as stream:
        try:
            document = yaml.load(stream, Loader=_UniqueKeyLoader)  # a SafeLoader subclass, so safe
        except yaml.YAMLError as error:
            raise StackFileError(_syntax_error(path, error)) from None
    return document if isinstance(document, dict) else {}


# What PyYAML 6.0 reports for the usual slips, and what to do. Its scanner closes a block where a line is indented
# less than the block and opens one where a line is indented more (lib/yaml/scanner.py L325 unwind_indent, L349
# add_indent), so a mis-indented key or `-` reaches the parser where a key should come: "expected <block end>, but
# found %r" with the token it met (lib/yaml/parser.py L393 for a list, L439 for a mapping). A key indented past the
# one above continues that key's value, so its colon is "mapping values are not allowed here" (scanner.py L578); a
# tab "cannot start any token" (scanner.py L259).
_HINTS = (
    (
        ("but found '<block mapping start>'",),
        "a key indented unlike the keys above it starts a mapping of its own; line up the keys of one mapping in one "
        "column",
    ),
    (
        ("but found '-'", "but found '<block sequence start>'"),
        "this list item is indented differently from the items or keys around it; put the '-' of one list in one "
        "column, under or right of its key",
    ),
    (
        ("mapping values are not allowed here",),
        "a key indented further than the key above it reads as that key's value; line up the keys of one mapping in "
        "one column (or quote a value that holds ': ')",
    ),
    (("found character '\\t'",), "YAML indents with spaces only; replace the tab with spaces"),
)


def _syntax_error(path: Path, error: yaml.YAMLError) -> str:
    """PyYAML's several lines (context, then problem, each with its mark) as one, the position first, with what to
    do for the usual slips."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"{path.name}: not valid YAML: {' '.join(str(error).split())}"
    what = error.problem or "not valid YAML"
    hint = next((f"; {hint}" for found, hint in _HINTS if any(text in what for text in found)), "")
    # The context of a mis-indented line is the enclosing block, whose line (its first key) points away from the
    # slip; the context of an unclosed quote is where it opened, which helps.
    if error.context and error.context_mark is not None and not hint:
        what += f", {error.context} from line {error.context_mark.line + 1}"
    mark = error.problem_mark
    return f"{path.name} line {mark.line + 1}, column {mark.column + 1}: not valid YAML ({what}){hint}"


def project_config(document: dict[str, Any], project: str) -> dict[str, Any]:
    """The `<project>:<key>` entries of the file's `config:`, keyed by `<key>`."""
    prefix = f"{project}:"
    config = document.get("config") or {}
    return {key[len(prefix) :]: value for key, value in config.items() if key.startswith(prefix)}


def is_secure(value: Any) -> bool:
    """A ciphertext the CLI wrote for `pulumi config set --secret`."""
    return isinstance(value, dict) and set(value) == {"secure"}
