"""The doublestar matcher behind the access checks: zot's longest-glob rule needs the same answers zot gives."""

from __future__ import annotations

import time

import pytest

from components.settings import globs
from components.stack_config import load_settings

# (glob, name, matches): doublestar v4's documented behaviour, as zot's accessControl and sync content use it.
CASES = [
    ("**", "a/b/c", True),
    ("abc/**", "abc", True),  # "/**" at the end also matches the directory itself
    ("abc/**", "abc/a/b", True),
    ("abc/**", "abcd", False),
    ("abc/**", "x/abc/a", False),
    ("**/foo", "foo", True),
    ("**/foo", "x/y/foo", True),
    ("**/foo", "xfoo", False),
    ("a/**/b", "a/b", True),
    ("a/**/b", "a/x/y/b", True),
    ("a/**/b", "a/xb", False),
    ("a/*", "a/b", True),
    ("a/*", "a/b/c", False),  # "*" never crosses "/"
    ("a/*/c", "a/b/c", True),
    ("a*", "abc", True),
    ("a**", "abc/d", False),  # "**" inside a segment is a plain "*"
    ("foo**/bar", "foox/bar", True),
    ("foo**/bar", "foo/x/bar", False),
    ("f?o", "foo", True),
    ("f?o", "f/o", False),
    ("f?o", "fo", False),
    ("[abc]at", "bat", True),
    ("[abc]at", "dat", False),
    ("[a-c]at", "cat", True),
    ("[!abc]at", "dat", True),
    ("[^abc]at", "bat", False),
    ("x[!a]y", "x/y", False),  # a class never matches "/"
    ("x[+-0]y", "x/y", False),  # nor does a range around it
    ("x[+-0]y", "x.y", True),
    ("x[+-0]y", "x0y", True),
    ("x[/]y", "x/y", False),
    ("{a,b}/**", "b/c", True),
    ("{a,b}/**", "c/d", False),
    ("lib/{x,y/**}", "lib/y/z", True),
    ("{a,b/{c,d}}", "b/d", True),
    ("a\\*", "a*", True),
    ("a\\*", "ab", False),
    ("my-registry.example.org/**", "my-registry.example.org/team/app", True),
    ("my-registry.example.org/**", "my-registryxexample.org/team/app", False),  # "." is literal
]


@pytest.mark.parametrize(("pattern", "name", "expected"), CASES, ids=[f"{p} {n}" for p, n, _ in CASES])
def test_matches_like_doublestar(pattern: str, name: str, expected: bool) -> None:
    assert globs.matches(pattern, name) is expected


def test_the_longest_matching_glob_governs() -> None:
    patterns = ["**", "internal/**", "internal/team/*", "docker.io/**"]
    assert globs.governing(patterns, "internal/team/app") == {"internal/team/*"}
    assert globs.governing(patterns, "internal/other/app") == {"internal/**"}
    assert globs.governing(patterns, "ghcr.io/app") == {"**"}
    assert globs.governing(["internal/**"], "ghcr.io/app") == set()


def test_equally_long_globs_both_govern() -> None:
    # zot keeps the first of equal length in Go's random map order: either may apply.
    assert globs.governing(["a/*/c", "a/b/*", "**"], "a/b/c") == {"a/*/c", "a/b/*"}


def test_splits_are_at_the_slashes_between_components_only() -> None:
    """A "/" in a class or a brace, or escaped, does not end a component: _translate reads those as one token."""
    assert list(globs.splits("d*r.io/library/**")) == [
        ("d*r.io", "library/**"),
        ("d*r.io/library", "**"),
        ("d*r.io/library/**", ""),
    ]
    assert [head for head, _ in globs.splits("a/{b/c,d}/[/x]/e\\/f")] == [
        "a",
        "a/{b/c,d}",
        "a/{b/c,d}/[/x]",
        "a/{b/c,d}/[/x]/e\\/f",
    ]


def test_examples_are_names_the_glob_matches() -> None:
    deep, segment = ["docker.io", "docker.io/zz0", "zz0"], ["zz0", "docker.io"]
    assert set(globs.examples("internal/**", deep, segment)) == {
        "internal",
        "internal/docker.io",
        "internal/docker.io/zz0",
        "internal/zz0",
    }
    assert set(globs.examples("**/app", deep, segment)) == {"app", "docker.io/app", "docker.io/zz0/app", "zz0/app"}
    assert set(globs.examples("*/{a,b}", ["zz0"], segment)) == {"zz0/a", "zz0/b", "docker.io/a", "docker.io/b"}
    # No empty path components: repository names have none.
    assert all("" not in name.split("/") for name in globs.examples("a/**/b/*", deep, segment))


@pytest.mark.parametrize("pattern", ["{a,[}]", "[z-a]", "a[b"])
def test_unreadable_globs_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="is not a valid glob"):
        globs.check(pattern)


@pytest.mark.parametrize("stars", [10, 14])
def test_a_glob_that_backtracks_validates_in_linear_time(stars: int) -> None:
    """`*a` ten times then `b/**` beside a namespace of 40 `a` took 29 s with Python's re (14 stars: over a minute);
    RE2 takes milliseconds. The bound leaves room for a loaded 2-core machine and is still far below either."""
    config = {
        "registries": [{"name": "a", "urls": ["https://docker.io"], "onDemand": True, "namespace": "a" * 40}],
        "accessControl": {"repositories": {"*a" * stars + "b/**": {"anonymousPolicy": ["read"]}}},
    }
    started = time.monotonic()
    settings = load_settings(config, set())
    assert time.monotonic() - started < 1.0
    assert globs.matches("*a" * stars + "b/**", "a" * 40 + "b/c")
    assert not globs.matches("*a" * stars + "b/**", "a" * 40)
    assert settings.access_control.repositories
