"""doublestar (v4) globs as zot matches them against repository names, and zot's longest-glob rule.

zot's `http.accessControl` uses, per repository, only the matching glob with the most characters (`pkg/api/authz.go`
`can`: `len(pattern) > len(longest)`, ties decided by Go's random map order). The checks that keep pushes out of
mirrored namespaces need that same answer without running zot, so this module mirrors doublestar's rules:
`*` and `?` never cross `/`; `**` as a whole path segment matches zero or more segments (`a/**` matches `a`
itself, `a/**/b` matches `a/b`); `**` inside a segment is a plain `*`; `[...]`/`[!...]` classes; `{a,b}`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from functools import cache

# Enough concrete names per glob to find where it wins; more only costs time.
_EXAMPLE_LIMIT = 512


def check(pattern: str) -> None:
    """Raise ValueError for a glob this module (and so the push checks) cannot read."""
    try:
        _compiled(pattern)
    except (ValueError, re.error) as exc:
        raise ValueError(f"{pattern!r} is not a valid glob ({exc})") from None


def matches(pattern: str, name: str) -> bool:
    return _compiled(pattern).fullmatch(name) is not None


def governing(patterns: Iterable[str], name: str) -> set[str]:
    """The globs zot may pick for `name`: the longest that match, all of them when several tie."""
    matching = [pattern for pattern in patterns if matches(pattern, name)]
    longest = max((len(pattern) for pattern in matching), default=0)
    return {pattern for pattern in matching if len(pattern) == longest}


def examples(pattern: str, deep: Iterable[str], segment: Iterable[str]) -> Iterator[str]:
    """Concrete names the glob matches: `**` filled from `deep` (paths), `*` from `segment` (one component)."""
    for name in dict.fromkeys(_candidates(pattern, tuple(deep), tuple(segment))):
        # Repository names have no empty path components.
        if "" not in name.split("/") and matches(pattern, name):
            yield name


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern, at_segment_start=True))


def _translate(pattern: str, at_segment_start: bool) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        start = at_segment_start if index == 0 else pattern[index - 1] == "/"
        if char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
        elif pattern.startswith("/**", index) and index + 3 == len(pattern):
            out.append("(?:/.*)?")  # "a/**" matches "a" and everything below it
            index += 3
        elif pattern.startswith("**", index) and start and pattern[index + 2 : index + 3] in ("", "/"):
            ends = index + 2 == len(pattern)
            out.append(".*" if ends else "(?:.*/)?")
            index += 2 if ends else 3
        elif char == "*":
            out.append("[^/]*")
            while index < len(pattern) and pattern[index] == "*":
                index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[":
            end = _class_end(pattern, index)
            out.append(_class(pattern[index + 1 : end]))
            index = end + 1
        elif char == "{":
            end = _brace_end(pattern, index)
            alternatives = _split_alternatives(pattern[index + 1 : end])
            out.append("(?:" + "|".join(_translate(alt, start) for alt in alternatives) + ")")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    index = start + 1
    if index < len(pattern) and pattern[index] in "!^":
        index += 1
    if index < len(pattern) and pattern[index] == "]":
        index += 1  # a leading "]" is a member, not the end
    end = pattern.find("]", index)
    if end < 0:
        raise ValueError(f"{pattern!r}: '[' is not closed")
    return end


def _class(body: str) -> str:
    negated = body[:1] in ("!", "^")
    members = body[1:] if negated else body
    escaped = "".join(
        "-" if char == "-" and 0 < i < len(members) - 1 else re.escape(char) for i, char in enumerate(members)
    )
    # A class never matches "/": doublestar compares one path segment at a time.
    return f"[^/{escaped}]" if negated else f"(?!/)[{escaped}]"


def _brace_end(pattern: str, start: int) -> int:
    depth = 0
    for index in range(start, len(pattern)):
        if pattern[index] == "{":
            depth += 1
        elif pattern[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise ValueError(f"{pattern!r}: '{{' is not closed")


def _split_alternatives(body: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        current += char
    return [*parts, current]


def _choices(pattern: str, deep: tuple[str, ...], segment: tuple[str, ...]) -> Iterator[list[str]]:
    """Per token of the glob, the strings to try in its place (the product of all is a candidate name)."""
    alphabet = sorted({*"az09-._", *"".join(segment)})  # one character: any the fillers spell, and a few more
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            yield [pattern[index + 1]]
            index += 2
        elif pattern.startswith("/**", index) and index + 3 == len(pattern):
            yield ["", *("/" + path for path in deep)]
            index += 3
        elif pattern.startswith("**/", index):
            yield ["", *(path + "/" for path in deep)]
            index += 3
        elif pattern.startswith("**", index):
            yield ["", *deep]
            index += 2
        elif char == "*":
            yield ["", *segment]
            index += 1
        elif char == "?":
            yield alphabet
            index += 1
        elif char == "[":
            end = _class_end(pattern, index)
            yield [c for c in alphabet if re.fullmatch(_class(pattern[index + 1 : end]), c)]
            index = end + 1
        elif char == "{":
            end = _brace_end(pattern, index)
            alternatives = _split_alternatives(pattern[index + 1 : end])
            yield [name for alt in alternatives for name in _candidates(alt, deep, segment)]
            index = end + 1
        else:
            yield [char]
            index += 1


def _candidates(pattern: str, deep: tuple[str, ...], segment: tuple[str, ...]) -> Iterator[str]:
    """Strings built from the glob's tokens; some may not match (a brace alternative is checked as a whole)."""
    choices = [list(dict.fromkeys(options)) for options in _choices(pattern, deep, segment)]
    for parts in itertools.islice(itertools.product(*choices), _EXAMPLE_LIMIT):
        yield "".join(parts)
