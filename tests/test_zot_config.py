"""config.json and the credentials file: only what zot v2.1.18 loads, with the cache-safe settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.builders.zot_config import (
    CREDENTIALS_PATH,
    HTPASSWD_PATH,
    build_zot_config,
    credentials_file,
    render_zot_config,
)
from components.settings import Settings
from components.settings.units import parse_go_duration
from components.settings.zot import CONTAINER_PORT
from components.stack_config import load_settings
from tests.reference import unknown_zot_keys, zot_keys
from tests.samples import SAMPLES, everything_settings, stack_settings


@pytest.fixture(params=sorted(SAMPLES))
def settings(request: pytest.FixtureRequest) -> Settings:
    return SAMPLES[request.param]()


def _leaves(node: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, f"{path}.{key}" if path else key)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value, f"{path}[]")]
    return [(path, node)]


def test_only_keys_zot_v2_1_18_knows(settings: Settings) -> None:
    assert unknown_zot_keys(build_zot_config(settings)) == []


def test_inventory_check_catches_unknown_and_too_new_keys() -> None:
    config = build_zot_config(stack_settings("dev"))
    config["http"]["bogus"] = True
    config["extensions"]["sync"]["registries"][0]["manifestCheckInterval"] = "5m"
    assert unknown_zot_keys(config) == [
        "http.bogus",
        "extensions.sync.registries[].manifestCheckInterval (newer than v2.1.18)",
    ]


def test_durations_are_go_duration_strings(settings: Settings) -> None:
    types = zot_keys()["types"]
    durations = [
        (path, value) for path, value in _leaves(build_zot_config(settings)) if "Duration" in types.get(path, "")
    ]
    assert {"http.readTimeout", "http.writeTimeout"} <= {path for path, _ in durations}
    for path, value in durations:
        assert isinstance(value, str), path
        parse_go_duration(value)


def test_http_listens_on_the_chart_port_with_long_write_timeout(settings: Settings) -> None:
    http = build_zot_config(settings)["http"]
    assert http["address"] == "0.0.0.0"
    assert http["port"] == str(CONTAINER_PORT)
    assert isinstance(http["port"], str)
    write = parse_go_duration(http["writeTimeout"])
    assert write == 0 or write > 60


def test_every_extension_has_enable(settings: Settings) -> None:
    for name, extension in build_zot_config(settings)["extensions"].items():
        assert extension.get("enable") is True, name


def test_max_retries_only_with_retry_delay(settings: Settings) -> None:
    for registry in build_zot_config(settings)["extensions"]["sync"]["registries"]:
        assert ("maxRetries" in registry) == ("retryDelay" in registry)


def test_digests_preserved_by_default_and_switchable() -> None:
    config = build_zot_config(stack_settings("dev"))
    assert config["http"]["compat"] == ["docker2s2"]
    assert all(r["preserveDigest"] is True for r in config["extensions"]["sync"]["registries"])
    off = build_zot_config(everything_settings(zot={"preserveDigests": False}))
    assert "compat" not in off["http"]
    assert all(r["preserveDigest"] is False for r in off["extensions"]["sync"]["registries"])


def test_dev_is_anonymous_read_without_authentication() -> None:
    http = build_zot_config(stack_settings("dev"))["http"]
    assert "auth" not in http
    assert http["accessControl"] == {"repositories": {"**": {"anonymousPolicy": ["read"]}}}
    # namespace: / writes no content at all, as before namespaces: the tutorial layout nodes reach.
    assert build_zot_config(stack_settings("dev"))["extensions"]["sync"]["registries"] == [
        {
            "urls": ["https://docker.io"],
            "onDemand": True,
            "tlsVerify": True,
            "maxRetries": 2,
            "retryDelay": "1s",
            "onlySigned": False,
            "preserveDigest": True,
        }
    ]


def test_prod_keeps_each_upstream_in_its_own_namespace() -> None:
    config = build_zot_config(stack_settings("prod"))
    assert config["http"]["auth"] == {"htpasswd": {"path": HTPASSWD_PATH}}
    repositories = config["http"]["accessControl"]["repositories"]
    assert list(repositories) == ["docker.io/**", "internal/**", "my-registry.example.org/**"]
    # admin pushes only where nothing mirrors; in the mirrors it may read and evict; the nodes' login only reads them.
    assert repositories["internal/**"]["policies"][0] == {
        "users": ["admin"],
        "actions": ["read", "create", "update", "delete"],
    }
    for mirror in ("docker.io/**", "my-registry.example.org/**"):
        assert repositories[mirror]["policies"] == [
            {"users": ["admin"], "actions": ["read", "delete"]},
            {"users": ["reader", "node-pull"], "actions": ["read"]},
        ]
    assert "adminPolicy" not in config["http"]["accessControl"]
    sync = config["extensions"]["sync"]
    assert sync["credentialsFile"] == CREDENTIALS_PATH
    hub, active = sync["registries"]
    assert hub["content"] == [{"prefix": "**", "destination": "/docker.io"}]
    assert active["urls"] == ["https://my-registry.example.org"]
    # Synced actively and on demand, with the short retries a waiting node needs: it scales out as it is.
    assert (active["onDemand"], active["pollInterval"], active["maxRetries"], active["retryDelay"]) == (
        True,
        "5m",
        2,
        "1s",
    )
    assert active["content"] == [
        {
            "prefix": "my-organization/my-image",
            "destination": "/my-registry.example.org",
            "tags": {"regex": "^6\\.", "semver": True},
        }
    ]


@pytest.mark.parametrize(
    ("registry", "content"),
    [
        ({"urls": ["https://ghcr.io"]}, [{"prefix": "**", "destination": "/ghcr.io"}]),
        # zot refuses ":" in a repository name, so the port joins the host with "-".
        (
            {"urls": ["https://my-registry.example.org:5000"]},
            [{"prefix": "**", "destination": "/my-registry.example.org-5000"}],
        ),
        (
            {"urls": ["https://ghcr.io"], "namespace": "mirrors/github"},
            [{"prefix": "**", "destination": "/mirrors/github"}],
        ),
        # A content destination is relative to the namespace; "/" is the namespace itself.
        (
            {"urls": ["https://ghcr.io"], "content": [{"prefix": "org/**", "destination": "/org-images"}]},
            [{"prefix": "org/**", "destination": "/ghcr.io/org-images"}],
        ),
        (
            {"urls": ["https://ghcr.io"], "content": [{"prefix": "org/**", "destination": "/"}, {"prefix": "x/**"}]},
            [{"prefix": "org/**", "destination": "/ghcr.io"}, {"prefix": "x/**", "destination": "/ghcr.io"}],
        ),
        # The root namespace writes destinations as given, and none by default (zot's own default).
        ({"urls": ["https://ghcr.io"], "namespace": "/"}, None),
        (
            {"urls": ["https://ghcr.io"], "namespace": "/", "content": [{"prefix": "**", "destination": "/gh"}]},
            [{"prefix": "**", "destination": "/gh"}],
        ),
    ],
    ids=["host", "host-with-port", "explicit", "user-content", "user-content-default", "root", "root-user-content"],
)
def test_destinations_lie_under_the_namespace(registry: dict[str, Any], content: list[dict[str, str]] | None) -> None:
    settings = load_settings(
        {
            "registries": [{"onDemand": True, **registry}],
            "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        }
    )
    assert build_zot_config(settings)["extensions"]["sync"]["registries"][0].get("content") == content


def test_metrics_readable_by_the_scrape_user_only() -> None:
    access = build_zot_config(stack_settings("prod"))["http"]["accessControl"]
    assert access["metrics"] == {"users": ["metrics"]}


def test_everything_maps_each_setting() -> None:
    config = build_zot_config(everything_settings())
    internal = config["extensions"]["sync"]["registries"][1]
    assert internal["content"] == [
        {
            "prefix": "team/**",
            "destination": "/registry.internal-5443/internal",
            "stripPrefix": True,
            "tags": {"regex": "^v[0-9]+", "excludeRegex": "-rc", "semver": True},
        }
    ]
    assert internal["tlsVerify"] is False
    assert internal["onlySigned"] is True
    assert config["extensions"]["sync"]["registries"][0]["syncTimeout"] == "1h"
    access = config["http"]["accessControl"]
    assert list(access["repositories"]) == ["**", "team/**"]
    assert access["adminPolicy"] == {"users": ["admin"], "actions": ["read", "delete"]}
    # Prometheus scrapes without credentials once access control is on.
    assert access["metrics"] == {"anonymousPolicy": ["read"]}
    assert config["extensions"]["scrub"] == {"enable": True, "interval": "12h"}
    assert config["extensions"]["metrics"] == {"enable": True, "prometheus": {"path": "/metrics"}}
    assert config["extensions"]["search"] == {"enable": True}
    assert config["extensions"]["ui"] == {"enable": True}
    assert config["log"] == {"level": "debug"}


def test_rendered_config_is_stable_json() -> None:
    first = render_zot_config(everything_settings())
    assert first == render_zot_config(everything_settings())
    assert json.loads(first) == build_zot_config(everything_settings())


def test_credentials_keyed_by_exact_host_and_port_of_every_url() -> None:
    text = credentials_file(everything_settings())
    assert text is not None
    assert json.loads(text) == {
        "docker.io": {"username": "hub-user", "password": "hub-token"},
        "mirror.internal": {"username": "robot", "password": "robot-token"},
        "registry.internal:5443": {"username": "robot", "password": "robot-token"},
    }


def test_no_credentials_file_without_credentials() -> None:
    assert credentials_file(stack_settings("dev")) is None
    assert "credentialsFile" not in build_zot_config(stack_settings("dev"))["extensions"]["sync"]


def test_config_holds_no_secret(settings: Settings) -> None:
    text = render_zot_config(settings)
    for secret in ("hub-token", "robot-token", "admin-password", "standin"):
        assert secret not in text
