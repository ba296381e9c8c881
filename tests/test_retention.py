"""Retention and GC in config.json: on by default, overrides in zot's match order, and the warnings about them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.builders import advice
from components.builders.zot_config import build_zot_config
from components.settings import Settings
from components.settings.retention import Retention
from components.stack_config import load_settings
from tests.chart_checks import ZOT_CONFIG_PATH, mounted_files
from tests.docs import page
from tests.helm import render
from tests.reference import unknown_zot_keys
from tests.samples import everything_settings, stack_settings

HUB = {"name": "hub", "urls": ["https://docker.io"], "onDemand": True}
GHCR = {"name": "ghcr", "urls": ["https://ghcr.io"], "onDemand": True}
# Both synced actively: a namespace may nest in another only when neither is asked on demand.
SYNCED = {"pollInterval": "1h", "content": [{"prefix": "org/**"}]}
OUTER = {"name": "outer", "urls": ["https://registry.example.org"], **SYNCED}
NESTED = {"name": "nested", "urls": ["https://nested.example.org"], "namespace": "registry.example.org/team", **SYNCED}
OPEN = {"repositories": {"**": {"anonymousPolicy": ["read"]}}}


def settings_with(retention: dict[str, Any] | None = None, **changes: Any) -> Settings:
    config = {"registries": [HUB, GHCR], "accessControl": OPEN, **changes}
    if retention is not None:
        config["retention"] = retention
    return load_settings(config)


def storage(settings: Settings) -> dict[str, Any]:
    result: dict[str, Any] = build_zot_config(settings)["storage"]
    return result


def test_defaults_keep_30_days_of_pulls_drop_untagged_and_run_gc() -> None:
    assert storage(settings_with()) == {
        "rootDirectory": "/var/lib/registry",
        "dedupe": True,
        "gc": True,
        "gcDelay": "1h",
        "gcInterval": "6h",
        "retention": {
            "dryRun": False,
            "delay": "24h",
            "policies": [
                {
                    "repositories": ["**"],
                    "deleteReferrers": True,
                    "deleteUntagged": True,
                    "keepTags": [{"pulledWithin": "720h"}],
                }
            ],
        },
    }


def test_overrides_come_in_zot_match_order_explicit_then_deepest_namespace_then_catch_all() -> None:
    retention = {
        "pulledWithin": "336h",
        "keepTags": ["^bookworm$"],
        "deleteReferrers": False,
        "namespaces": {
            "outer": {"pulledWithin": "2160h"},
            "nested": {"keepTags": ["^v1$"], "mostRecentlyPulledCount": 3, "deleteUntagged": False},
        },
        "policies": [{"repositories": ["docker.io/library/**"], "keepTags": [{"patterns": ["^1\\."]}]}],
    }
    policies = storage(settings_with(retention, registries=[HUB, OUTER, NESTED]))["retention"]["policies"]
    assert policies == [
        {
            "repositories": ["docker.io/library/**"],
            "deleteReferrers": False,
            "deleteUntagged": True,
            "keepTags": [{"patterns": ["^1\\."]}],
        },
        {
            "repositories": ["registry.example.org/team/**"],
            "deleteReferrers": False,
            "deleteUntagged": False,
            "keepTags": [{"patterns": ["^v1$"]}, {"pulledWithin": "336h", "mostRecentlyPulledCount": 3}],
        },
        {
            "repositories": ["registry.example.org/**"],
            "deleteReferrers": False,
            "deleteUntagged": True,
            "keepTags": [{"patterns": ["^bookworm$"]}, {"pulledWithin": "2160h"}],
        },
        {
            "repositories": ["**"],
            "deleteReferrers": False,
            "deleteUntagged": True,
            "keepTags": [{"patterns": ["^bookworm$"]}, {"pulledWithin": "336h"}],
        },
    ]


def test_rules_for_the_root_namespace_do_not_reach_the_other_upstreams() -> None:
    """The root namespace's glob is `**`: every other upstream gets its own policy (top-level rules) before it."""
    registries = [{**HUB, "namespace": "/"}, GHCR]
    policies = storage(settings_with({"namespaces": {"hub": {"pulledWithin": "24h"}}}, registries=registries))
    assert [(p["repositories"], p["keepTags"]) for p in policies["retention"]["policies"]] == [
        (["ghcr.io/**"], [{"pulledWithin": "720h"}]),
        (["**"], [{"pulledWithin": "24h"}]),
        (["**"], [{"pulledWithin": "720h"}]),
    ]


def test_retention_off_leaves_gc_on_without_retention() -> None:
    assert storage(settings_with({"enabled": False})) == {
        "rootDirectory": "/var/lib/registry",
        "dedupe": True,
        "gc": True,
        "gcDelay": "1h",
        "gcInterval": "6h",
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_customised_retention_has_only_v2_1_18_keys_and_a_stable_key_order(stack: str) -> None:
    for settings in (stack_settings(stack), everything_settings()):
        config = build_zot_config(settings)
        assert unknown_zot_keys(config) == []
        assert list(config["storage"]) == ["rootDirectory", "dedupe", "gc", "gcDelay", "gcInterval", "retention"]
        assert list(config["storage"]["retention"]) == ["dryRun", "delay", "policies"]
        assert config["storage"]["retention"]["policies"][-1]["repositories"] == ["**"]
        assert json.dumps(config) == json.dumps(build_zot_config(settings))


def test_the_rendered_chart_mounts_the_retention_the_stack_asks_for() -> None:
    """prod customises retention; the file zot reads carries it (not only some config equal to the built one)."""
    _, text = mounted_files(render(stack_settings("prod")))[ZOT_CONFIG_PATH]
    retention = json.loads(text)["storage"]["retention"]
    assert [policy["repositories"] for policy in retention["policies"]] == [
        ["internal/**"],
        ["my-registry.example.org/**"],
        ["**"],
    ]
    assert retention["policies"][1]["keepTags"] == [
        {"patterns": ["^6\\."]},
        {"pulledWithin": "720h"},
    ]


def about(settings: Settings, fragment: str) -> list[str]:
    return [warning for warning in advice.warnings(settings) if fragment in warning]


@pytest.mark.parametrize(
    ("retention", "storage_", "warned"),
    [
        ({"enabled": False}, {"persistence": True}, True),
        ({"enabled": False}, {"persistence": False}, False),
        ({}, {"persistence": True}, False),
    ],
    ids=["off-with-volume", "off-without-volume", "on"],
)
def test_retention_off_with_a_volume_is_warned(
    retention: dict[str, Any], storage_: dict[str, Any], warned: bool
) -> None:
    found = about(settings_with(retention, storage=storage_), "retention.enabled is false")
    assert bool(found) == warned


def test_a_dry_run_is_warned() -> None:
    assert about(settings_with({"dryRun": True}), "retention.dryRun is true")
    assert not about(settings_with(), "retention.dryRun")


@pytest.mark.parametrize(
    ("glob", "warned"),
    [
        ("quay.io/**", True),
        ("ghcr.io/*/app", False),
        ("docker.io/library/nginx", False),
        ("**", False),
        ("internal/**", False),  # pushes go there
    ],
)
def test_a_policy_that_matches_no_namespace_is_warned(glob: str, warned: bool) -> None:
    access = {"repositories": {**OPEN["repositories"], "internal/**": {"anonymousPolicy": ["read", "create"]}}}
    settings = settings_with(
        {"policies": [{"repositories": [glob]}]},
        accessControl={**access, "allowAnonymousWrite": ["internal/**"]},
    )
    found = about(settings, "matches no upstream's namespace")
    assert bool(found) == warned, found
    if warned:
        assert found == [
            f"retention.policies[0].repositories: {glob!r} matches no upstream's namespace (docker.io, ghcr.io) and "
            "no accessControl glob that allows pushes, so it never applies; check the glob"
        ]


def test_pushes_left_to_the_catch_all_are_warned_until_a_policy_covers_them() -> None:
    access = {
        "repositories": {**OPEN["repositories"], "internal/**": {"anonymousPolicy": ["read", "create"]}},
        "allowAnonymousWrite": ["internal/**"],
    }
    found = about(settings_with(accessControl=access), "allows pushes")
    assert found == [
        'accessControl.repositories["internal/**"] allows pushes, and no retention.policies entry covers them, so '
        "the catch-all deletes a pushed tag nobody pushed or pulled within 720h; to keep them, add "
        'retention.policies: [{repositories: ["internal/**"], keepTags: [{patterns: [".*"]}]}]'
    ]
    kept = {"policies": [{"repositories": ["internal/**"], "keepTags": [{"patterns": [".*"]}]}]}
    assert not about(settings_with(kept, accessControl=access), "allows pushes")
    assert not about(stack_settings("prod"), "allows pushes")


def test_readme_has_a_reference_row_for_every_retention_key() -> None:
    readme = page("docs/reference.md")
    section = readme.split("### `retention`", 1)[1].split("\n### ", 1)[0]
    keys = [field.alias or name for name, field in Retention.model_fields.items()]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| `retention.")]
    missing = [key for key in keys if not any(re.match(rf"`retention\.{key}[`.\[]", row) for row in rows)]
    assert missing == [], f"README's retention reference has no row for {missing}"
