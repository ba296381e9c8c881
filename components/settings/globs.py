"""doublestar (v4) globs as zot matches them against repository names, and zot's longest-glob rule.

zot's `http.accessControl` uses, per repository, only the matching glob with the most characters (`pkg/api/authz.go`
`can`: `len(pattern) > len(longest)`, ties decided by Go's random map order). The checks that keep pushes out of
mirrored namespaces need that same answer without running zot, so this module mirrors doublestar's rules:
`*` and `?` never cross `/`; `**` as a whole path segment matches zero or more segments (`a/**` matches `a`
itself, `a/**/b` matches `a/b`); `**` inside a segment is a plain `*`; `[...]`/`[!...]` classes; `{a,b}`.

Globs become RE2 regexes: linear in the name, where a backtracking engine is exponential in the glob's stars.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from functools import cache

from components.settings import regex_engine
from components.settings.regex_engine import Compiled

# Enough concrete names per glob to find where it wins; more only costs time.
_EXAMPLE_LIMIT = 512


def check(pattern: str) -> None:
    """Raise ValueError for a glob this module (and so the push checks) cannot read."""
    try:
        _compiled(pattern)
    except ValueError as exc:
        raise ValueError(f"{pattern!r} is not a valid glob ({exc})") from None


def matches(pattern: str, name: str) -> bool:
    return _compiled(pattern).fullmatch(name) is not None


def governing(patterns: Iterable[str], name: str) -> set[str]:
    """The globs zot may pick for `name`: the longest that match, all of them when several tie."""
    matching = [pattern for pattern in patterns if matches(pattern, name)]
    longest = max((len(pattern) for pattern in matching), default=0)
    return {pattern for pattern in matching if len(pattern) == longest}


def splits(pattern: str) -> Iterator[tuple[str, str]]:
    """(head, rest) at each "/" between path components (not in a class or brace), and (pattern, ""): a head that
    matches a namespace whole shows the glob reaches into it, whatever its `*` stand for (access_rules.samples)."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":
            index = _class_end(pattern, index)
        elif char == "{":
            index = _brace_end(pattern, index)
        elif char == "/":
            yield pattern[:index], pattern[index + 1 :]
        index += 1
    yield pattern, ""


def examples(pattern: str, deep: Iterable[str], segment: Iterable[str]) -> Iterator[str]:
    """Concrete names the glob matches: `**` filled from `deep` (paths), `*` from `segment` (one component)."""
    for name in dict.fromkeys(_candidates(pattern, tuple(deep), tuple(segment))):
        # Repository names have no empty path components.
        if "" not in name.split("/") and matches(pattern, name):
            yield name


@cache
def _compiled(pattern: str) -> Compiled:
    return regex_engine.compile_re2(_translate(pattern, at_segment_start=True))


def _translate(pattern: str, at_segment_start: bool) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        start = at_segment_start if index == 0 else pattern[index - 1] == "/"
        if char == "\\" and index + 1 < len(pattern):
            out.append(regex_engine.escape(pattern[index + 1]))
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
            out.append(regex_engine.escape(char))
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
    if negated:
        escaped = "".join(
            "-" if char == "-" and 0 < i < len(members) - 1 else regex_engine.escape(char)
            for i, char in enumerate(members)
        )
        return f"[^/{escaped}]"
    # A class never matches "/": doublestar compares one path segment at a time. RE2 has no look-ahead to say
    # "not /", so "/" is cut out of the members' ranges.
    ranges = [piece for low, high in _ranges(members) for piece in _without_slash(low, high)]
    if not ranges:
        return "[^\\x00-\\x{10FFFF}]"  # only "/": matches nothing
    return "[" + "".join(_range(low, high) for low, high in ranges) + "]"


def _ranges(members: str) -> Iterator[tuple[str, str]]:
    """(first, last) of each member: "a-z" is a range, a "-" first or last is itself."""
    index = 0
    while index < len(members):
        if index + 2 < len(members) and members[index + 1] == "-":
            yield members[index], members[index + 2]
            index += 3
        else:
            yield members[index], members[index]
            index += 1


def _without_slash(low: str, high: str) -> list[tuple[str, str]]:
    if not low <= "/" <= high:
        return [(low, high)]  # a reversed range stays, for RE2 to refuse as doublestar does
    return [piece for piece in ((low, "."), ("0", high)) if piece[0] <= piece[1]]


def _range(low: str, high: str) -> str:
    first = regex_engine.escape(low)
    return first if low == high else f"{first}-{regex_engine.escape(high)}"


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
            members = regex_engine.compile_re2(_class(pattern[index + 1 : end]))
            yield [c for c in alphabet if members.fullmatch(c)]
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
