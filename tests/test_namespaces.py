"""Which upstream a local repository belongs to, and the warning when anonymous read reaches a private upstream."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from components.builders import advice
from components.settings import Settings
from components.settings.upstreams import Registry
from components.stack_config import load_settings
from tests.harness import stack_config
from tests.samples import SALT_KEY, stack_settings

PRIVATE: dict[str, Any] = {
    "name": "private",
    "urls": ["https://registry.example.org:5000"],
    "pollInterval": "1h",
    "content": [{"prefix": "team/**"}],
    "credentials": {"username": "robot", "password": "robot-token"},
}
HUB_AT_ROOT: dict[str, Any] = {
    "name": "hub",
    "urls": ["https://docker.io"],
    "onDemand": True,
    "namespace": "/",
    "maxRetries": 2,
    "retryDelay": "1s",
}


def settings(repositories: dict[str, Any]) -> Settings:
    config = {
        "registries": [HUB_AT_ROOT, PRIVATE],
        "users": [{"name": "admin", "password": "admin-password"}],
        "accessControl": {"repositories": repositories},
        "htpasswdSaltKey": SALT_KEY,
        # What the active sync brings stays (retention would only make the next poll download it again).
        "retention": {"namespaces": {"private": {"keepTags": [".*"]}}},
    }
    return load_settings(config, {"registries", "users", "htpasswdSaltKey"})


def upstream_of(settings: Settings, repository: str) -> Registry | None:
    """The upstream whose namespace a local repository is in (the innermost), or None for pushed names."""
    holders = [registry for registry in settings.registries if registry.holds(repository)]
    return max(holders, key=lambda registry: len(registry.namespace_path), default=None)


def test_each_repository_belongs_to_the_upstream_whose_namespace_holds_it() -> None:
    both = settings({"**": {"anonymousPolicy": ["read"]}})
    hub, private = both.registries
    assert private.namespace_path == "registry.example.org-5000"
    assert upstream_of(both, "registry.example.org-5000/team/app") is private
    assert upstream_of(both, "library/nginx") is hub
    # Docker Hub at the root cannot answer for a first component with a "." (no Docker Hub namespace has one).
    assert upstream_of(both, "ghcr.io/org/app") is None
    prod = stack_settings("prod")
    assert upstream_of(prod, "internal/tool") is None
    assert upstream_of(prod, "docker.io/library/nginx") is prod.registries[0]
    assert upstream_of(prod, "my-registry.example.org/my-organization/my-image") is prod.registries[1]


def test_anonymous_read_of_a_private_upstream_is_called_out() -> None:
    found = advice.warnings(settings({"**": {"anonymousPolicy": ["read"]}}))
    assert found == [
        # admin, whom no policy names, logs in to nothing (advice._idle_user_warnings).
        "users[0] (admin) is named by no accessControl policy or adminPolicy, and no glob has a defaultPolicy: it "
        "can log in and zot refuses whatever it asks (a login does not get the anonymousPolicy); name it in the "
        'policies of the globs it should use, like accessControl.repositories["**"].policies, or remove it',
        "accessControl.repositories[\"**\"] lets anyone without a login read namespace 'registry.example.org-5000', "
        "which registries[1] (private) fills with its credentials: any pod can pull that private upstream through "
        'the cache; give "registry.example.org-5000/**" policies for named users instead',
    ]


def test_a_namespace_rule_for_named_users_keeps_the_private_upstream_quiet() -> None:
    private_rule = {"policies": [{"users": ["admin"], "actions": ["read"]}]}
    quiet = settings({"**": {"anonymousPolicy": ["read"]}, "registry.example.org-5000/**": private_rule})
    assert advice.warnings(quiet) == []


def prod_with_push(glob: str, guarded: bool) -> Settings:
    """prod's upstreams, admin reading everything and pushing to `glob`; `guarded` keeps prod's namespace rules."""
    config, secret_keys = stack_config("prod")
    repositories = config["accessControl"]["repositories"] if guarded else {}
    if not guarded:
        config.pop("nodes")  # the node login reads through prod's namespace rules, dropped here
    repositories["**"] = {"policies": [{"users": ["admin"], "actions": ["read"]}]}
    repositories[glob] = {"policies": [{"users": ["admin"], "actions": ["read", "create"]}]}
    config["accessControl"] = {"repositories": repositories}
    return load_settings(config, secret_keys)


REACHES_A_MIRROR = ["*/**", "d*/library/**", "*.io/**", "?ocker.io/x", "[a-d]ocker.io/**", "{docker,ghcr}.io/**"]
REACHES_A_MIRROR += ["**/nginx", "docker.io", "my-*/**", "*/my-organization/*"]


@pytest.mark.parametrize("glob", REACHES_A_MIRROR)
def test_a_push_glob_that_wins_inside_a_mirror_is_refused(glob: str) -> None:
    with pytest.raises(pulumi.RunError, match=re.escape(f"create lets admin push where {glob!r}")):
        prod_with_push(glob, guarded=False)


@pytest.mark.parametrize("glob", ["*/**", "*.io/**", "**/nginx", "my-*/**", "docker.io", "?ocker.io/x"])
def test_longer_namespace_globs_keep_a_push_glob_out_of_the_mirrors(glob: str) -> None:
    # prod's docker.io/** and my-registry.example.org/** are longer, so they govern their namespaces.
    prod_with_push(glob, guarded=True)


@pytest.mark.parametrize("glob", ["d*/library/**", "[a-d]ocker.io/**", "{docker,ghcr}.io/**", "*/my-organization/*"])
def test_a_push_glob_longer_than_the_namespace_glob_still_wins_there(glob: str) -> None:
    # zot compares length, not specificity: "*/my-organization/*" beats "docker.io/**" in docker.io/my-organization.
    with pytest.raises(pulumi.RunError, match=re.escape(f"create lets admin push where {glob!r}")):
        prod_with_push(glob, guarded=True)


@pytest.mark.parametrize("glob", ["internal/**", "docker.io.x/**", "ghcr.io/**", "team/*/app"])
def test_a_push_glob_beside_the_mirrors_is_accepted(glob: str) -> None:
    prod_with_push(glob, guarded=False)
