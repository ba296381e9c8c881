"""Hostile values for the keys issue 16 closed: each is refused by key (or, where the value is fine, accepted), and
the engine or tool that reads the value downstream agrees."""

from __future__ import annotations

from typing import Any

import pytest

from components.stack_config import load_settings
from tests.test_invalid_config import active, assert_reports, refusal, variant, with_tags

# What Go's regexp (RE2 syntax) refuses, so zot v2.1.18 would refuse the config; the reason RE2 gives.
NOT_RE2 = [
    ("^(?=v)", "invalid perl operator: (?="),  # look-ahead
    ("^(?!rc)", "invalid perl operator: (?!"),
    ("(?<=v)1", "invalid perl operator: (?<="),  # look-behind
    ("(?<!v)1", "invalid perl operator: (?<!"),
    (r"(a)\1", r"invalid escape sequence: \1"),  # back-reference
    ("(?P<n>a)(?P=n)", "invalid perl operator: (?P"),  # named back-reference
    ("(?>a)", "invalid perl operator: (?>"),  # atomic group
    ("a++", "bad repetition operator: ++"),  # possessive
    ("a{1001}", "invalid repetition size: {1001}"),
    (r"\Z", r"invalid escape sequence: \Z"),
    (r"v\C", r"invalid escape sequence: \C"),  # RE2 (C++) has it, Go's regexp does not
    ("^(6", "missing ): ^(6"),
]
# Go's RE2 syntax that Python's re reads differently or not at all: all accepted.
RE2 = [r"^v?\d+\.\d+$", r"\pL+", r"[[:alpha:]]+", r"\Qv1.2\E", r"(?U)a+", "(?<major>[0-9]+)", "a{1000}", r"\\C"]


def sync_tags(regex: str, key: str) -> dict[str, Any]:
    return variant(registries=[active(content=with_tags(**{key: regex}))])


def keep_tags(regex: str) -> dict[str, Any]:
    return variant(retention={"policies": [{"repositories": ["**"], "keepTags": [{"patterns": [regex]}]}]})


@pytest.mark.parametrize(("regex", "reason"), NOT_RE2, ids=[r for r, _ in NOT_RE2])
def test_tag_regexes_that_go_refuses_are_refused_by_key(regex: str, reason: str) -> None:
    for key in ("regex", "excludeRegex"):
        assert_reports(refusal(sync_tags(regex, key)), f"registries[0].content[0].tags.{key}", reason)
    assert_reports(refusal(keep_tags(regex)), "retention.policies[0].keepTags[0].patterns[0]", reason)
    assert_reports(refusal(variant(retention={"keepTags": [regex]})), "retention.keepTags[0]", reason)


@pytest.mark.parametrize("regex", RE2)
def test_tag_regexes_in_go_syntax_are_accepted(regex: str) -> None:
    load_settings(sync_tags(regex, "regex"), set())
    load_settings(sync_tags(regex, "excludeRegex"), set())
    load_settings(keep_tags(regex), set())
