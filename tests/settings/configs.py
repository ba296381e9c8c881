"""Invalid stack configs: each is refused by one `pulumi.RunError` that names the exact key, what is wrong and the fix.

Every case is a small valid config with one thing changed: these are the configs and helpers the cases of every
area start from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import pulumi
import pytest

from components.stack_config import load_settings
from tests import harness

Config = dict[str, Any]

# Top-level keys that hold secret leaves, as `pulumi config set --secret --path` leaves them: marked secret.
SECRET_KEYS = frozenset({"registries", "users", "htpasswdSaltKey", "nodes"})
SALT_KEY = harness.standin_salt_key("test-salt-key")
BCRYPT_HASH = "$2b$10$/TgtOhe3AbRIHEowiMnUpe6dTplv43SphjNlLKsFtGJFKdqBm3iw6"
DROP = object()  # as a `variant` value: remove that top-level key

DOCKER_HUB: Config = {"name": "docker-hub", "urls": ["https://docker.io"], "onDemand": True}
QUAY: Config = {"name": "quay", "urls": ["https://quay.io"], "onDemand": True}
ACTIVE: Config = {
    "name": "my-registry",
    "urls": ["https://my-registry.example.org"],
    "pollInterval": "5m",
    "content": [{"prefix": "my-org/my-image"}],
}
ANONYMOUS_READ: Config = {"repositories": {"**": {"anonymousPolicy": ["read"]}}}
ADMIN_ACCESS: Config = {
    "repositories": {
        "**": {"policies": [{"users": ["admin"], "actions": ["read"]}]},
        "internal/**": {"policies": [{"users": ["admin"], "actions": ["read", "create"]}]},
    }
}
ADMIN: Config = {"name": "admin", "password": "admin-password"}
SCRAPER: Config = {"name": "metrics", "password": "metrics-password"}
SCRAPED_AS_METRICS: Config = {"enabled": True, "serviceMonitor": True, "scrapeUser": "metrics"}
SCRAPED: Config = {"enabled": True, "serviceMonitor": True}

# dev-like: an open pull-through cache for Docker Hub; anonymous clients may pull, nobody may push.
BASE: Config = {"registries": [DOCKER_HUB], "accessControl": ANONYMOUS_READ}


def variant(**changes: Any) -> Config:
    """BASE deep-copied with top-level keys replaced, or removed when given as DROP."""
    config = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is DROP:
            config.pop(key, None)
        else:
            config[key] = copy.deepcopy(value)
    return config


def hub(**fields: Any) -> Config:
    """The Docker Hub on-demand registry with some fields changed."""
    return {**DOCKER_HUB, **fields}


def active(**fields: Any) -> Config:
    """A registry synced actively (pollInterval and content) with some fields changed."""
    return {**ACTIVE, **fields}


def with_tags(**tag_filter: Any) -> list[Config]:
    return [{"prefix": "my-org/my-image", "tags": tag_filter}]


def with_users(users: list[Any], access: Config = ADMIN_ACCESS, **changes: Any) -> Config:
    """BASE with users who log in, access for admin and the salt key that passwords need."""
    return variant(**{"users": users, "accessControl": access, "htpasswdSaltKey": SALT_KEY, **changes})


def admin(**fields: Any) -> Config:
    return {**ADMIN, **fields}


def admin_may(actions: list[str], glob: str = "**", extra: Config | None = None) -> Config:
    """accessControl: admin reads everything, and has `actions` on `glob` (plus the `extra` globs)."""
    repositories = {"**": {"policies": [{"users": ["admin"], "actions": ["read"]}]}, **(extra or {})}
    repositories[glob] = {"policies": [{"users": ["admin"], "actions": actions}]}
    return {"repositories": repositories}


def anonymous_may(actions: list[str], glob: str = "internal/**", opt_in: tuple[str, ...] = ()) -> Config:
    """accessControl: anonymous read everywhere, and `actions` without a login on `glob`."""
    repositories = {"**": {"anonymousPolicy": ["read"]}, glob: {"anonymousPolicy": actions}}
    return {"repositories": repositories, "allowAnonymousWrite": list(opt_in)}


GHCR: Config = {"name": "ghcr", "urls": ["https://ghcr.io"], "onDemand": True}
PRIVATE: Config = {**ACTIVE, "credentials": {"username": "robot", "password": "robot-token"}}
NODE_PASSWORD = "node-pull-password-0123456789abcdefghij"
NODES_ANONYMOUS: Config = {
    "repositories": {
        f"{ns}/**": {"anonymousPolicy": ["read"]} for ns in ("docker.io", "ghcr.io", "my-registry.example.org")
    }
}
NODE_READS: Config = {
    "repositories": {
        f"{ns}/**": {"policies": [{"users": ["node-pull"], "actions": ["read"]}]} for ns in ("docker.io", "ghcr.io")
    }
}


def wired(nodes: Config | None = None, **changes: Any) -> Config:
    """Docker Hub and ghcr.io in their host namespaces, read anonymously by nodes through the NodePort."""
    config = variant(
        registries=[DOCKER_HUB, GHCR],
        accessControl=NODES_ANONYMOUS,
        service={"type": "NodePort", "nodePort": 32767},
        nodes=nodes or {"mode": "nodePort"},
    )
    config.update(copy.deepcopy(changes))
    return config


def pulled_by_node_user(**changes: Any) -> Config:
    """Nodes log in over the ingress as node-pull, which reads the mirrors and nothing else."""
    fields = {
        "nodes": {"mode": "ingress", "pullUser": {"name": "node-pull", "password": NODE_PASSWORD}},
        "ingress": {"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "letsencrypt-giantswarm"},
        "accessControl": NODE_READS,
        "htpasswdSaltKey": SALT_KEY,
        **changes,
    }
    return wired(**fields)


def refusal(config: Config, secret_keys: Iterable[str] = SECRET_KEYS) -> str:
    """The RunError text `load_settings` raises for config; fails the test if it accepts it."""
    with pytest.raises(pulumi.RunError) as caught:
        load_settings(config, secret_keys)
    return str(caught.value)


def assert_reports(message: str, path: str, fragment: str) -> None:
    """One problem line is exactly at `zot-cache:<path>:` and explains with `fragment`."""
    prefix = f"  zot-cache:{path}: "
    lines = [line for line in message.splitlines() if line.startswith(prefix)]
    assert lines, f"no problem reported at zot-cache:{path}; got:\n{message}"
    assert any(fragment in line for line in lines), f"{fragment!r} missing at zot-cache:{path}; got:\n{message}"


def case(id_: str, config: Config, path: str, fragment: str, secret_keys: Iterable[str] = SECRET_KEYS) -> Any:
    return pytest.param(config, frozenset(secret_keys), path, fragment, id=id_)


def invalid_config_test(cases: list[Any]) -> Callable[..., None]:
    """The test each area's module runs over its INVALID cases: refused, at the key, with the fix."""

    @pytest.mark.parametrize(("config", "secret_keys", "path", "fragment"), cases)
    def test_invalid_config_names_the_key_and_the_fix(
        config: Config, secret_keys: frozenset[str], path: str, fragment: str
    ) -> None:
        message = refusal(config, secret_keys)
        assert message.startswith("invalid stack configuration (")
        assert_reports(message, path, fragment)

    return test_invalid_config_names_the_key_and_the_fix
