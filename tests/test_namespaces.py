"""Which upstream a local repository belongs to, and the warning when anonymous read reaches a private upstream."""

from __future__ import annotations

from typing import Any

from components import advice
from components.settings import Settings
from components.stack_config import load_settings
from tests.samples import SALT_KEY, stack_settings

PRIVATE: dict[str, Any] = {
    "name": "private",
    "urls": ["https://registry.example.org:5000"],
    "pollInterval": "1h",
    "content": [{"prefix": "team/**"}],
    "credentials": {"username": "robot", "password": "robot-token"},
}
HUB_AT_ROOT: dict[str, Any] = {"name": "hub", "urls": ["https://docker.io"], "onDemand": True, "namespace": "/"}


def settings(repositories: dict[str, Any]) -> Settings:
    config = {
        "registries": [HUB_AT_ROOT, PRIVATE],
        "users": [{"name": "admin", "password": "admin-password"}],
        "accessControl": {"repositories": repositories},
        "htpasswdSaltKey": SALT_KEY,
    }
    return load_settings(config, {"registries", "users", "htpasswdSaltKey"})


def test_each_repository_belongs_to_the_upstream_whose_namespace_holds_it() -> None:
    both = settings({"**": {"anonymousPolicy": ["read"]}})
    hub, private = both.registries
    assert private.namespace_path == "registry.example.org-5000"
    assert both.upstream_of("registry.example.org-5000/team/app") is private
    assert both.upstream_of("library/nginx") is hub
    # Docker Hub at the root cannot answer for a first component with a "." (no Docker Hub namespace has one).
    assert both.upstream_of("ghcr.io/org/app") is None
    prod = stack_settings("prod")
    assert prod.upstream_of("internal/tool") is None
    assert prod.upstream_of("docker.io/library/nginx") is prod.registries[0]
    assert prod.upstream_of("my-registry.example.org/my-organization/my-image") is prod.registries[1]


def test_anonymous_read_of_a_private_upstream_is_called_out() -> None:
    found = advice.warnings(settings({"**": {"anonymousPolicy": ["read"]}}))
    assert found == [
        "accessControl.repositories[\"**\"] lets anyone without a login read namespace 'registry.example.org-5000', "
        "which registries[1] (private) fills with its credentials: any pod can pull that private upstream through "
        'the cache; give "registry.example.org-5000/**" policies for named users instead'
    ]


def test_a_namespace_rule_for_named_users_keeps_the_private_upstream_quiet() -> None:
    private_rule = {"policies": [{"users": ["admin"], "actions": ["read"]}]}
    quiet = settings({"**": {"anonymousPolicy": ["read"]}, "registry.example.org-5000/**": private_rule})
    assert advice.warnings(quiet) == []
