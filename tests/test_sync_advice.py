"""Warnings about sync settings zot accepts but that do less than they look like: tag regexes that run past their
version, on-demand upstreams left on regclient's backoff, and retention that fights active sync."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from components.builders import advice, tag_regex
from components.settings import Settings
from components.settings.upstreams import Registry
from components.stack_config import load_settings
from tests.docs import page

OPEN = {"repositories": {"**": {"anonymousPolicy": ["read"]}}}
HUB = {"name": "hub", "urls": ["https://docker.io"], "onDemand": True, "maxRetries": 2, "retryDelay": "1s"}


def synced(regex: str | None = "^6\\.", **fields: Any) -> dict[str, Any]:
    """An upstream synced actively, its one content filtered by `regex` (all tags when None)."""
    content: dict[str, Any] = {"prefix": "org/app"}
    if regex is not None:
        content["tags"] = {"regex": regex, "semver": True}
    return {"name": "vendor", "urls": ["https://registry.example.org"], "pollInterval": "1h", "content": [content]}


def settings_with(*registries: dict[str, Any], **changes: Any) -> Settings:
    return load_settings({"registries": list(registries), "accessControl": OPEN, **changes})


def about(settings: Settings, fragment: str) -> list[str]:
    return [warning for warning in advice.warnings(settings) if fragment in warning]


# zot's FilterTags keeps a tag when Go's regexp.MatchString finds the regex in it (content.go L226-249), then drops
# tags Masterminds' semver.NewVersion refuses (L277-291), which accepts "60" and "60.1.0" as it does "6.1.0".
TAGS = ["6", "6.1.0", "6.1.0-alpine", "60", "60.1.0", "16.0", "v6.1.0", "latest"]


@pytest.mark.parametrize(
    ("regex", "kept"),
    [
        ("^6.*", ["6", "6.1.0", "6.1.0-alpine", "60", "60.1.0"]),
        ("^6", ["6", "6.1.0", "6.1.0-alpine", "60", "60.1.0"]),
        ("^6\\.", ["6.1.0", "6.1.0-alpine"]),
        ("^6($|[^0-9])", ["6", "6.1.0", "6.1.0-alpine"]),
        ("6", ["6", "6.1.0", "6.1.0-alpine", "60", "60.1.0", "16.0", "v6.1.0"]),  # unanchored: anywhere
    ],
)
def test_tag_regexes_match_as_zots_filter_tags_does(regex: str, kept: list[str]) -> None:
    assert [tag for tag in TAGS if tag_regex.matches(regex, tag)] == kept


def test_re2_syntax_python_cannot_compile_is_left_alone() -> None:
    # RE2's end of text: the settings may accept it (zot compiles RE2), and the warnings must not guess or crash.
    assert not tag_regex.matches("^6\\z", "6")
    assert tag_regex.runs_past_its_number("^6\\z") is None


@pytest.mark.parametrize(
    ("regex", "start"),
    [
        ("^6.*", "6"),
        ("^6\\.", "6."),
        ("^v[0-9]+\\.[0-9]+$", "v"),
        ("^release-1x?", "release-1"),
        ("^(bookworm|bullseye)$", None),  # an alternation: judged "cannot tell" wherever it is
        ("^ab|cd", None),  # the second branch is not even anchored
        ("6.*", None),
        ("^\\d+", ""),
    ],
)
def test_literal_start_is_what_every_matching_tag_begins_with(regex: str, start: str | None) -> None:
    assert tag_regex.literal_start(regex) == start


@pytest.mark.parametrize(
    ("regex", "warned"),
    [
        ("^6.*", True),
        ("^6", True),
        ("^v6", True),
        ("^6\\.", False),
        ("^6[.]", False),
        ("^6($|[^0-9])", False),
    ],
)
def test_a_tag_regex_that_runs_past_its_version_is_warned(regex: str, warned: bool) -> None:
    found = about(settings_with(HUB, synced(regex)), "tags.regex")
    assert bool(found) == warned
    if warned:
        number = regex.strip("^.*")
        assert found == [
            f"registries[1].content[0].tags.regex {regex!r} also matches tags like {number}0 and {number}0.1.0 "
            "(zot keeps every tag the regex matches anywhere in it); to stop at the version boundary write "
            f"'^{number}\\.' for {number}.x, or '^{number}($|[^0-9])'"
        ]
        # The fix the warning gives is quiet, and keeps the version's own tags.
        fixed = f"^{number}\\."
        assert not about(settings_with(HUB, synced(fixed)), "tags.regex")
        assert tag_regex.matches(fixed, f"{number}.1.0")


@pytest.mark.parametrize(
    ("registry", "warned"),
    [
        ({"name": "hub", "urls": ["https://docker.io"], "onDemand": True}, True),
        (HUB, False),
        ({**synced(), "maxRetries": 3, "retryDelay": "5m"}, False),  # nodes never wait on active sync
        ({**synced()}, False),
    ],
    ids=["on-demand-unset", "on-demand-set", "active-long", "active-unset"],
)
def test_an_on_demand_upstream_on_regclients_own_backoff_is_warned(registry: dict[str, Any], warned: bool) -> None:
    pins = {"namespaces": {registry["name"]: {"keepTags": [".*"]}}}
    found = about(settings_with(registry, retention=pins), "backoff")
    assert bool(found) == warned
    if warned:
        assert found == [
            "registries[0] (hub) is asked on demand without maxRetries and retryDelay, so zot's sync client keeps "
            "its own backoff, which grows to 30s between requests to a failing host: in a long upstream outage a "
            "node's pull waits that long per tag it asks for; set maxRetries: 2, retryDelay: 1s"
        ]


CHURN = "the next poll downloads them again"


@pytest.mark.parametrize(
    ("regex", "retention", "warned"),
    [
        ("^6\\.", {}, True),  # the default 720h window ages synced tags out
        (None, {}, True),
        ("^6\\.", {"namespaces": {"vendor": {"keepTags": ["^6\\."]}}}, False),
        ("^6\\.", {"keepTags": ["^6\\."]}, False),  # the top-level pins apply to every namespace
        (None, {"namespaces": {"vendor": {"keepTags": [".*"]}}}, False),
        ("^6\\.", {"namespaces": {"vendor": {"keepTags": ["^7\\."]}}}, True),
        ("^6\\.", {"policies": [{"repositories": ["registry.example.org/**"]}]}, False),  # keeps every tag
        (
            "^6\\.",
            {"policies": [{"repositories": ["registry.example.org/**"], "keepTags": [{"pulledWithin": "48h"}]}]},
            True,
        ),
        ("^6\\.", {"enabled": False}, False),
    ],
    ids=[
        "default",
        "all-tags",
        "pinned-here",
        "pinned-everywhere",
        "all-pinned",
        "other-pin",
        "policy-keeps-all",
        "policy-ages-out",
        "retention-off",
    ],
)
def test_retention_that_fights_active_sync_is_warned(
    regex: str | None, retention: dict[str, Any], warned: bool
) -> None:
    found = about(settings_with(HUB, synced(regex), retention=retention, storage={"persistence": False}), CHURN)
    assert bool(found) == warned, found
    if warned:
        assert found == [
            "registries[1] (vendor) is synced actively every 1h, and retention deletes the synced tags nobody pulls "
            f"within its window: {CHURN}, so the volume churns and no space is freed; pin what the sync brings "
            f"with retention.namespaces.vendor.keepTags: [{regex or '.*'!r}]"
        ]


@pytest.mark.parametrize(
    ("keep", "warned"),
    [
        ("^6", False),
        ("^[6]", False),
        ("^(6|7)", False),
        ("^6.*", False),
        ("6", False),  # unanchored: found in every tag that starts with "6."
        ("^", False),
        ("^7", True),
        ("^6\\.1", True),  # 6.2.0 is synced and not kept
        ("^6$", True),  # an end anchor: judged only when it is the sync regex itself
        ("^6\\b", True),  # a word boundary depends on what follows: not judged, so not taken as a pin
    ],
)
def test_a_keep_pattern_that_matches_every_synced_tag_pins_them(keep: str, warned: bool) -> None:
    """Beside the sync regex `^6\\.`, every synced tag starts with "6.": a keep pattern that matches inside that
    start (without end anchors or boundaries) matches every synced tag, so retention deletes none of them."""
    pins = {"namespaces": {"vendor": {"keepTags": [keep]}}}
    found = about(settings_with(HUB, synced("^6\\."), retention=pins, storage={"persistence": False}), CHURN)
    assert bool(found) == warned, found
    # Each pattern taken as a pin really matches every tag of TAGS the sync brings.
    if not warned:
        assert all(tag_regex.matches(keep, tag) for tag in TAGS if tag_regex.matches("^6\\.", tag))


@pytest.mark.parametrize(
    ("keep", "warned"),
    [
        ("^v[0-9]+\\.[0-9]+\\.[0-9]+$", True),  # prod's old pin beside its "^6.*" sync
        ("^7\\.", True),
        ("^6\\.1\\.", False),
        ("^6", False),
        ("-alpine$", False),  # unanchored: cannot tell, so no warning
        ("^(v6|6)\\.", False),
    ],
)
def test_a_pin_no_synced_tag_can_match_is_warned(keep: str, warned: bool) -> None:
    retention = {"namespaces": {"vendor": {"keepTags": [keep]}}}
    found = about(settings_with(HUB, synced("^6.*"), retention=retention), "can never match")
    assert bool(found) == warned
    if warned:
        assert found == [
            f"retention.namespaces.vendor.keepTags[0] {keep!r} can never match a tag that registries[1] (vendor) "
            "syncs (its tag regexes: '^6.*'), so it pins nothing; write patterns for the tags the sync brings, "
            "like '^6.*'"
        ]


def test_a_pin_is_not_judged_where_any_tag_can_arrive() -> None:
    retention = {"namespaces": {"vendor": {"keepTags": ["^v1$"]}}}
    assert not about(settings_with(HUB, synced(None), retention=retention), "can never match")
    on_demand_too = {**synced("^6\\."), "onDemand": True, "maxRetries": 2, "retryDelay": "1s"}
    assert not about(settings_with(on_demand_too, retention=retention), "can never match")


def test_readmes_registries_example_is_accepted_and_fails_fast() -> None:
    """The example people copy: every on-demand upstream in it keeps retries within the on-demand bound."""
    readme = page("docs/reference.md")
    section = readme.split("### `registries`", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    registries = [Registry.model_validate(entry) for entry in yaml.safe_load(block)["zot-cache:registries"]]
    assert [list(registry.issues()) for registry in registries] == [[]] * len(registries)
    assert any(registry.on_demand and registry.max_retries for registry in registries)
