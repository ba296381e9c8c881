"""RE2 (PyPI google-re2): the syntax of Go's regexp, which zot compiles tag regexes with, matched in linear time.

Two uses: tag regexes are checked by the engine whose syntax zot's Go regexp implements (so what it refuses is
refused here, not an approximation of it), and the translated access-control globs are matched without
backtracking (Python's `re` took 29 s on `*a*a*a*a*a*a*a*a*a*ab/**` beside a namespace of 40 `a`).
"""

from __future__ import annotations

from typing import Protocol, cast

import re2

_OPTIONS = re2.Options()
# RE2 logs each refused pattern to stderr; the caller reports it under its config key instead.
_OPTIONS.log_errors = False


class Compiled(Protocol):
    def fullmatch(self, text: str) -> object | None: ...

    def search(self, text: str) -> object | None: ...


def compile_re2(pattern: str) -> Compiled:
    """The compiled pattern; ValueError with RE2's reason when RE2 refuses it."""
    try:
        return cast(Compiled, re2.compile(pattern, _OPTIONS))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else b""
        raise ValueError(reason.decode() if isinstance(reason, bytes) else str(reason)) from None


def check_go(pattern: str) -> None:
    """ValueError unless Go's regexp.Compile accepts the pattern: RE2's syntax less `\\C` (any single byte).

    `\\C` is the one escape RE2 (C++) knows and Go's does not: Go's regexp/syntax/parse.go `parseEscape` has no case
    for it (its doc.go, generated from RE2's syntax list, leaves it out), so zot would refuse the config.
    """
    compile_re2(pattern)
    if _single_byte_escape(pattern):
        raise ValueError("invalid escape sequence: \\C (Go's regexp has no single-byte match)")


def go_search(pattern: str, text: str) -> bool:
    """Go's `regexp.MatchString`: the pattern found anywhere in text (for a pattern check_go accepted)."""
    return compile_re2(pattern).search(text) is not None


def escape(text: str) -> str:
    return cast(str, re2.escape(text))


def _single_byte_escape(pattern: str) -> bool:
    """Whether `\\C` occurs as an escape: not after an escaped backslash, not quoted in `\\Q...\\E`."""
    index = 0
    while (index := pattern.find("\\", index)) >= 0:
        escaped = pattern[index + 1 : index + 2]
        if escaped == "C":
            return True
        if escaped == "Q":
            end = pattern.find("\\E", index + 2)
            index = len(pattern) if end < 0 else end
        index += 2
    return False
