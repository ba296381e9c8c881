"""The configs the cases of this package start from: each is valid, so a refusal is the one thing changed."""

from __future__ import annotations

import pytest

from components.stack_config import load_settings
from tests.settings.configs import (
    ADMIN,
    BASE,
    BCRYPT_HASH,
    DOCKER_HUB,
    GHCR,
    NODE_PASSWORD,
    PRIVATE,
    QUAY,
    SALT_KEY,
    SCRAPED_AS_METRICS,
    SCRAPER,
    SECRET_KEYS,
    Config,
    active,
    anonymous_may,
    hub,
    pulled_by_node_user,
    variant,
    wired,
    with_users,
)
from tests.tls import sample_ca_pem


@pytest.mark.parametrize(
    "config",
    [
        BASE,
        with_users([ADMIN]),
        with_users([{"name": "admin", "htpasswd": BCRYPT_HASH}]),
        variant(registries=[DOCKER_HUB, QUAY, active()]),
        variant(app={"name": "a" * 53}),
        # The webhook lets an in-cluster App in "giantswarm" target another namespace; Flux has no such rule.
        variant(app={"appNamespace": "giantswarm"}),
        variant(platform="flux", app={"appNamespace": "flux-apps"}),
        # Nodes never wait on an upstream that is only synced actively: it may retry for long.
        variant(registries=[hub(maxRetries=2, retryDelay="1s"), active(maxRetries=3, retryDelay="5m")]),
        # Docker Hub cannot answer for a name whose first component has a ".", so the root beside hosts is fine.
        variant(registries=[hub(namespace="/"), QUAY, active()]),
        variant(accessControl=anonymous_may(["read", "create"], opt_in=("internal/**",))),
        with_users([ADMIN, SCRAPER], metrics=SCRAPED_AS_METRICS),
        wired(),
        pulled_by_node_user(),
        # With Docker Hub at the root, ** is the glob of its namespace: the node login reads it.
        pulled_by_node_user(
            registries=[hub(namespace="/"), GHCR],
            accessControl={
                "repositories": {
                    glob: {"policies": [{"users": ["node-pull"], "actions": ["read"]}]} for glob in ("**", "ghcr.io/**")
                }
            },
        ),
        wired(
            {"mode": "nodePort", "allowAnonymousRead": ["my-registry"]},
            registries=[DOCKER_HUB, GHCR, PRIVATE],
            htpasswdSaltKey=SALT_KEY,
        ),
        wired({"mode": "url", "url": "https://zot.example.org:8443", "trust": "skipVerify"}),
        pulled_by_node_user(
            nodes={
                "mode": "ingress",
                "trust": "ca",
                "ca": sample_ca_pem(),
                "pullUser": {"name": "node-pull", "password": NODE_PASSWORD},
            },
            ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "private-giantswarm"},
        ),
        # A bare number of CPUs is whole cores, as meant; only sizes need a unit.
        variant(
            resources={
                "requests": {"cpu": 1, "memory": "1Gi"},
                "limits": {"cpu": 1, "memory": "2Gi"},
                "vpa": {"enabled": False},
            }
        ),
    ],
    ids=[
        "anonymous",
        "user-with-password",
        "user-with-htpasswd",
        "on-demand-and-active",
        "app-name-of-53",
        "in-cluster-app-in-giantswarm",
        "flux-release-beside-its-namespace",
        "long-retries-for-active-sync-only",
        "docker-hub-at-root",
        "anonymous-push-opted-in",
        "scrape-user",
        "nodes-anonymous-over-nodeport",
        "nodes-log-in-over-ingress",
        "nodes-log-in-with-docker-hub-at-root",
        "nodes-anonymous-over-a-private-upstream-opted-in",
        "nodes-url-with-skip-verify",
        "nodes-trust-a-private-ca",
        "whole-cpus-without-unit",
    ],
)
def test_the_configs_cases_start_from_are_valid(config: Config) -> None:
    load_settings(config, SECRET_KEYS)
