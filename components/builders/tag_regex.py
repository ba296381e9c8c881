"""What a tag regex lets through, read the way zot v2.1.18 applies it, for warnings about sync and retention.

zot tests a tag with Go's `regexp.MatchString`, which matches anywhere in the tag unless the regex is anchored:
sync's `FilterTags` keeps the tags `content[].tags.regex` matches (pkg/extensions/sync/content.go L52-78, L226-249),
and retention's `keepTags.patterns` pin the tags they match (pkg/retention/retention.go L256-265). The regexes
these checks look at are plain (anchors, literals, `.`, classes, `*`): Python's `re` agrees with RE2 on them.
"""

from __future__ import annotations

import re

# Characters that end the literal start of a regex; a quantifier also takes back the literal before it.
_SPECIAL = set("\\.[](){}*+?|^$")
_QUANTIFIERS = set("*+?{")


def matches(regex: str, tag: str) -> bool:
    """Go's MatchString: the regex found anywhere in the tag. False for RE2 syntax Python lacks (like `\\z`): the
    warnings then stay silent rather than guess."""
    try:
        return re.search(regex, tag) is not None
    except re.error:
        return False


def literal_start(regex: str) -> str | None:
    """The text every tag the regex matches starts with: the literal after `^`; None when the regex is not
    anchored at the start or has an alternation, so nothing can be said about its tags' start."""
    if not regex.startswith("^") or _has_alternation(regex):
        return None
    literal = ""
    position = 1
    while position < len(regex):
        char = regex[position]
        if char == "\\" and position + 1 < len(regex) and not regex[position + 1].isalnum():
            literal += regex[position + 1]  # an escaped punctuation character is itself
            position += 2
        elif char in _SPECIAL:
            break
        else:
            literal += char
            position += 1
        if position < len(regex) and regex[position] in _QUANTIFIERS:
            return literal[:-1]  # "^ab?" only promises "a"
    return literal


def _has_alternation(regex: str) -> bool:
    escaped = False
    for char in regex:
        if char == "|" and not escaped:
            return True
        escaped = char == "\\" and not escaped
    return False


def disjoint(first: str, second: str) -> bool:
    """Whether no tag can match both regexes, judged by their literal starts (False when that cannot tell)."""
    one, other = literal_start(first), literal_start(second)
    if not one or not other:
        return False
    return not (one.startswith(other) or other.startswith(one))


# Syntax whose match depends on what follows the matched text (end anchors, word boundaries) or changes how the rest
# reads (flags, look-arounds, which RE2 refuses anyway): a keep pattern with any of it is not judged by `covers`.
_CONTEXT_SYNTAX = re.compile(r"\$|\\[bBzZ]|\(\?")


def covers(keep: str, synced: str | None) -> bool:
    """Whether `keep` matches every tag `synced` can match (None: every tag), judged simply and only where that is
    certain: every such tag starts with the synced regex's literal start, so a keep pattern without end anchors,
    word boundaries or flags that matches inside that literal start matches inside every such tag too (`^6`,
    `^[6]`, `^(6|7)` beside `^6\\.`; `.*` beside anything). False when that cannot tell."""
    if _CONTEXT_SYNTAX.search(keep):
        return False
    start = (literal_start(synced) if synced else None) or ""
    return matches(keep, start)


def runs_past_its_number(regex: str) -> str | None:
    """For a regex like `^6.*` whose literal start ends in a digit and that also matches a longer number
    (`60`, `60.1.0`): that literal start; None otherwise."""
    start = literal_start(regex)
    if not start or not start[-1].isdigit():
        return None
    return start if any(matches(regex, f"{start}0{rest}") for rest in ("", ".1.0")) else None
