"""Invalid stack configs: each is refused by one `pulumi.RunError` that names the exact key, what is wrong and the fix.

Every case is a small valid config with one thing changed. Secrets must never be echoed, all problems of a run are
reported together, and a refused config registers nothing when the whole program runs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pytest

import tools.offline
from components.builders import advice
from components.stack_config import load_settings
from tests import harness

Config = dict[str, Any]

APP, CONFIG_MAP, SECRET = harness.APP, harness.CONFIG_MAP, harness.SECRET

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
        f"{ns}/**": {"policies": [{"users": ["node-pull"], "actions": ["read"]}]}
        for ns in ("docker.io", "ghcr.io", "my-registry.example.org")
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
        "ingress": {"enabled": True, "hosts": ["zot.example.org"]},
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


INVALID = [
    # ---------------------------------------------------------------------------------- alerts
    case(
        "alerts-without-service-monitor",
        variant(alerts={"enabled": True}),
        "alerts.enabled",
        "needs metrics.enabled: true and metrics.serviceMonitor: true",
    ),
    case(
        "alerts-error-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"errorRatio": 5}),
        "alerts.errorRatio",
        "is 5; use a share between 0 and 1",
    ),
    case(
        "alerts-volume-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"volumeUsedRatio": 0}),
        "alerts.volumeUsedRatio",
        "is 0; use a share between 0 and 1",
    ),
    case(
        "alerts-not-found-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"notFoundRatio": 1}),
        "alerts.notFoundRatio",
        "is 1; use a share between 0 and 1",
    ),
    case(
        "alerts-no-traffic-floor",
        variant(metrics=SCRAPED, alerts={"minRequests": 0}),
        "alerts.minRequests",
        "is 0; use 1 to 100000 requests in 10m",
    ),
    case(
        "alerts-latency-between-buckets",
        variant(metrics=SCRAPED, alerts={"latencySeconds": 3}),
        "alerts.latencySeconds",
        "is 3; use one of 1, 5, 30, 60: zot records whole seconds",
    ),
    case(
        "alerts-volume-horizon-too-long",
        variant(metrics=SCRAPED, alerts={"volumeFullWithin": "720h"}),
        "alerts.volumeFullWithin",
        "use between 1h and 168h",
    ),
    case(
        "alerts-volume-horizon-not-a-duration",
        variant(metrics=SCRAPED, alerts={"volumeFullWithin": "1d"}),
        "alerts.volumeFullWithin",
        "Go has no 'd' unit",
    ),
    case(
        "alerts-restarts-out-of-range",
        variant(metrics=SCRAPED, alerts={"restartsPerHour": 0}),
        "alerts.restartsPerHour",
        "is 0; use 1 to 100",
    ),
    case(
        "alerts-runbook-url-with-anchor",
        variant(metrics=SCRAPED, alerts={"runbookBaseUrl": "https://git.example.org/README.md#alerts"}),
        "alerts.runbookBaseUrl",
        "must not hold '#'",
    ),
    case(
        "alerts-severity-not-a-label-value",
        variant(metrics=SCRAPED, alerts={"severities": {"page": "wake me up"}}),
        "alerts.severities.page",
        "is not a label value; use at most 63 letters, digits",
    ),
    case(
        "alerts-workload-cluster-without-tenant",
        variant(
            metrics=SCRAPED,
            app={"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}},
            alerts={"enabled": True},
        ),
        "alerts.ruleLabels",
        "zot runs in workload cluster prod01, but Pulumi creates the PrometheusRule in the management cluster",
    ),
    # ---------------------------------------------------------------------------------- unknown keys, types
    case(
        "unknown-top-level-key",
        variant(registry=[DOCKER_HUB]),
        "registry",
        "unknown key; the keys here are: accessControl, alerts, app, dashboard, flux, helm, htpasswdSaltKey",
    ),
    case(
        "unknown-registry-key",
        variant(registries=[hub(ondemand=True)]),
        "registries[0].ondemand",
        "the keys here are: content, credentials, maxRetries, name, namespace, onDemand, onlySigned, pollInterval",
    ),
    case(
        "unknown-key-under-map-entry",
        variant(accessControl={"repositories": {"**": {"anonymousPolicy": ["read"], "anonymous": ["read"]}}}),
        'accessControl.repositories["**"].anonymous',
        "the keys here are: anonymousPolicy, defaultPolicy, policies",
    ),
    case(
        "unknown-tag-filter-key",
        variant(registries=[active(content=with_tags(regexp="^6"))]),
        "registries[0].content[0].tags.regexp",
        "the keys here are: excludeRegex, regex, semver",
    ),
    case(
        "wrong-type-boolean",
        variant(metrics={"enabled": "maybe"}),
        "metrics.enabled",
        'Input should be a valid boolean, unable to interpret input (got "maybe")',
    ),
    case(
        "wrong-type-in-secret-key",
        variant(registries=[hub(onDemand="maybe")]),
        "registries[0].onDemand",
        "Input should be a valid boolean, unable to interpret input",
    ),
    case(
        "wrong-type-list",
        variant(registries=[hub(urls="https://docker.io")]),
        "registries[0].urls",
        "Input should be a valid list",
    ),
    case(
        "missing-required-key", variant(app={"cluster": {"name": "prod01"}}), "app.cluster.organization", "is required"
    ),
    # ------------------------------------------------------------------------------------------ registries
    case("registries-missing", variant(registries=DROP), "registries", "is required"),
    case("registries-empty", variant(registries=[]), "registries", "needs at least one upstream"),
    case(
        "url-without-scheme",
        variant(registries=[hub(urls=["docker.io"])]),
        "registries[0].urls[0]",
        'needs a scheme and a host, like "https://docker.io"',
    ),
    case(
        "url-with-path",
        variant(registries=[hub(urls=["https://docker.io/library"])]),
        "registries[0].urls[0]",
        "has a path, which zot ignores",
    ),
    case(
        "url-with-quote-in-host",
        variant(registries=[hub(urls=['https://docker.io"'])]),
        "registries[0].urls[0]",
        "is not a URL with a host name or IP address and an optional :port",
    ),
    case(
        "url-with-newline",
        variant(registries=[hub(urls=["https://docker\n.io"])]),
        "registries[0].urls[0]",
        "is not a URL with a host name or IP address",
    ),
    case(
        "url-with-empty-fragment",
        variant(registries=[hub(urls=["https://docker.io#"])]),
        "registries[0].urls[0]",
        "has a query or fragment, which zot ignores",
    ),
    case(
        "url-with-token-query-under-secret-registries",
        variant(registries=[hub(urls=["https://docker.io/?access_token=s3cr3t"])]),
        "registries[0].urls[0]",
        # The fix names the URL's safe part (the LEAKS table checks the token is never shown).
        'write the host only, like "https://docker.io", and give a token as credentials.password',
    ),
    case(
        "url-with-user-password",
        variant(registries=[hub(urls=["https://me:token@docker.io"])]),
        "registries[0].urls[0]",
        "use credentials instead",
    ),
    case(
        "url-listed-twice",
        variant(registries=[hub(urls=["https://docker.io", "https://docker.io"])]),
        "registries[0].urls[1]",
        "'https://docker.io' is listed before",
    ),
    case(
        "neither-on-demand-nor-poll-interval",
        variant(registries=[hub(onDemand=False)]),
        "registries[0].onDemand",
        "set onDemand: true, or pollInterval with content filters",
    ),
    case(
        "active-sync-without-content",
        variant(registries=[active(content=[])]),
        "registries[0].content",
        "active sync (pollInterval) needs content filters",
    ),
    case(
        "active-sync-docker-hub",
        variant(registries=[hub(onDemand=False, pollInterval="5m", content=[{"prefix": "library/**"}])]),
        "registries[0].pollInterval",
        "docker.io does not serve /v2/_catalog",
    ),
    case(
        "active-sync-ghcr",
        variant(registries=[active(urls=["https://ghcr.io"])]),
        "registries[0].pollInterval",
        "ghcr.io does not serve /v2/_catalog",
    ),
    case(
        "max-retries-without-retry-delay",
        variant(registries=[hub(maxRetries=3)]),
        "registries[0].retryDelay",
        "maxRetries and retryDelay go together",
    ),
    case(
        "retry-delay-without-max-retries",
        variant(registries=[hub(retryDelay="1s")]),
        "registries[0].maxRetries",
        "maxRetries and retryDelay go together",
    ),
    case(
        "on-demand-retry-delay-of-minutes",
        variant(registries=[hub(maxRetries=3, retryDelay="5m")]),
        "registries[0].retryDelay",
        "maxRetries 3 x retryDelay 5m can hold a node's pull for 900s; an on-demand upstream may hold it at most 5s",
    ),
    case(
        "on-demand-retries-add-up",
        variant(registries=[hub(maxRetries=6, retryDelay="1s")]),
        "registries[0].maxRetries",
        "use maxRetries: 2, retryDelay: 1s (only an upstream with onDemand: false",
    ),
    case(
        # regclient's WithRetryLimit ignores 0 and keeps its default of 5 retries.
        "on-demand-zero-retries-are-five",
        variant(registries=[hub(maxRetries=0, retryDelay="2s")]),
        "registries[0].maxRetries",
        "maxRetries 0 (regclient then retries 5 times) x retryDelay 2s can hold a node's pull for 10s",
    ),
    case(
        # Also synced actively, but nodes still wait on its on-demand answers.
        "on-demand-and-active-retry-delay-of-minutes",
        variant(registries=[active(onDemand=True, urls=["https://quay.io"], maxRetries=3, retryDelay="5m")]),
        "registries[0].retryDelay",
        "an on-demand upstream may hold it at most 5s",
    ),
    case(
        "duration-without-unit",
        variant(registries=[hub(maxRetries=3, retryDelay="5")]),
        "registries[0].retryDelay",
        "'5' is not a Go duration",
        secret_keys=(),  # under a secret key the message says "the value" instead
    ),
    case(
        "duration-in-days",
        variant(registries=[hub(syncTimeout="1d")]),
        "registries[0].syncTimeout",
        "Go has no 'd' unit: write 24h for a day",
    ),
    case(
        "duration-in-words",
        variant(registries=[active(pollInterval="5 minutes")]),
        "registries[0].pollInterval",
        'like "90s", "5m" or "1h30m"',
    ),
    case(
        "tag-regex-invalid",
        variant(registries=[active(content=with_tags(regex="^(6"))]),
        "registries[0].content[0].tags.regex",
        "is not a valid regular expression",
    ),
    case(
        "tag-regex-look-ahead",
        variant(registries=[active(content=with_tags(regex="^(?!6)"))]),
        "registries[0].content[0].tags.regex",
        "Go's RE2 (used by zot) does not support",
    ),
    case(
        "tag-exclude-regex-back-reference",
        variant(registries=[active(content=with_tags(excludeRegex=r"(a)\1"))]),
        "registries[0].content[0].tags.excludeRegex",
        "look-around or a back-reference",
    ),
    case(
        "tags-on-on-demand-docker-hub",
        variant(registries=[hub(content=with_tags(semver=True))]),
        "registries[0].content[0].tags",
        # Not "set pollInterval": that is refused for Docker Hub, so the advice says what works.
        "on-demand pulls ignore them; remove tags: docker.io cannot be synced actively (no catalog)",
    ),
    case(
        "tags-on-on-demand-registry-with-catalog",
        variant(registries=[hub(urls=["https://quay.io"], content=with_tags(semver=True))]),
        "registries[0].content[0].tags",
        "on-demand pulls ignore them; set pollInterval (active sync applies them) or remove tags",
    ),
    case(
        "destination-without-slash",
        variant(registries=[hub(content=[{"prefix": "**", "destination": "hub"}])]),
        "registries[0].content[0].destination",
        "must start with '/'",
    ),
    case(
        "strip-prefix-to-root-without-glob",
        variant(
            registries=[hub(namespace="/", content=[{"prefix": "library", "destination": "/", "stripPrefix": True}])]
        ),
        "registries[0].content[0].stripPrefix",
        "needs a glob in prefix",
    ),
    case(
        "content-prefix-unbalanced-glob",
        variant(registries=[hub(content=[{"prefix": "library/{a,b"}])]),
        "registries[0].content[0].prefix",
        "check that every '[' and '{' is closed",
    ),
    # ---------------------------------------------------------------------------------------- namespaces
    case(
        "namespace-not-a-repository-path",
        variant(registries=[hub(namespace="/docker.io")]),
        "registries[0].namespace",
        "'/docker.io' is not a repository path",
        # Under a secret top-level key the value would be hidden ("the value is not ..."); here it is shown.
        secret_keys=(),
    ),
    case(
        "namespace-not-derivable-from-host",
        variant(registries=[hub(urls=["https://[::1]:5000"])]),
        "registries[0].namespace",
        "cannot be derived from the host '[::1]:5000'",
    ),
    case(
        "two-upstreams-one-namespace",
        variant(registries=[DOCKER_HUB, {**QUAY, "namespace": "docker.io"}]),
        "registries[1].namespace",
        "registries[0] (docker-hub) and registries[1] (quay) both store into namespace 'docker.io'",
    ),
    case(
        "two-upstreams-at-the-root",
        variant(registries=[hub(namespace="/"), {**QUAY, "namespace": "/"}]),
        "registries[1].namespace",
        "registries[0] (docker-hub) and registries[1] (quay) are both at the root namespace",
    ),
    case(
        "on-demand-root-over-a-synced-namespace",
        variant(registries=[hub(namespace="/"), active(namespace="my-registry")]),
        "registries[1].namespace",
        "registries[0] (docker-hub) and registries[1] (my-registry) overlap: namespace '/' contains 'my-registry', "
        "and docker.io is asked on demand",
    ),
    case(
        "on-demand-namespace-over-a-synced-one",
        variant(registries=[{**QUAY, "namespace": "mirrors"}, active(namespace="mirrors/private")]),
        "registries[1].namespace",
        "namespace 'mirrors' contains 'mirrors/private', and quay.io is asked on demand",
    ),
    case(
        "on-demand-namespace-inside-a-synced-one",
        variant(registries=[active(namespace="mirrors"), {**QUAY, "namespace": "mirrors/quay"}]),
        "registries[1].namespace",
        "namespace 'mirrors' contains 'mirrors/quay', and quay.io is asked on demand",
    ),
    case(
        "duplicate-registry-names",
        variant(registries=[DOCKER_HUB, {**QUAY, "name": "docker-hub"}]),
        "registries[1].name",
        "'docker-hub' is already used by registries[0]",
    ),
    case(
        "credentials-without-password",
        variant(registries=[DOCKER_HUB, {**QUAY, "credentials": {"username": "me"}}]),
        "registries[1].credentials.password",
        "pulumi config set --secret --path 'registries[1].credentials.password'",
    ),
    case(
        "credentials-password-in-clear-text",
        variant(registries=[hub(credentials={"username": "me", "password": "hub-token"})]),
        "registries[0].credentials.password",
        "is stored in clear text; run pulumi config set --secret --path 'registries[0].credentials.password'",
        secret_keys=(),
    ),
    case(
        "one-host-two-usernames",
        variant(
            registries=[
                hub(credentials={"username": "me", "password": "token-a"}),
                hub(
                    name="docker-hub-team",
                    namespace="team",
                    credentials={"username": "team", "password": "token-b"},
                ),
            ]
        ),
        "registries[1].credentials",
        "docker.io already has credentials from registries[0]",
    ),
    # --------------------------------------------------------------------------------------------- users
    case(
        "user-without-password",
        with_users([{"name": "admin"}]),
        "users[0].password",
        "run pulumi config set --secret --path 'users[0].password' <password>",
    ),
    case(
        "user-password-over-72-bytes",
        with_users([admin(password="ü" * 37)]),
        "users[0].password",
        "longer than 72 bytes",
    ),
    case(
        "user-password-and-htpasswd",
        with_users([admin(htpasswd=BCRYPT_HASH)]),
        "users[0].htpasswd",
        "give either password or htpasswd, not both",
    ),
    case(
        "htpasswd-malformed",
        with_users([{"name": "admin", "htpasswd": "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"}]),
        "users[0].htpasswd",
        "is not a hash zot reads",
    ),
    case("bcrypt-cost-too-low", with_users([admin(bcryptCost=3)]), "users[0].bcryptCost", "greater than or equal to 4"),
    case("bcrypt-cost-too-high", with_users([admin(bcryptCost=15)]), "users[0].bcryptCost", "less than or equal to 14"),
    case(
        "duplicate-user",
        with_users([ADMIN, admin(password="other-password")]),
        "users[1].name",
        "'admin' is defined twice",
    ),
    case(
        "user-name-with-colon", with_users([admin(name="ad:min")]), "users[0].name", "cannot be an htpasswd user name"
    ),
    case(
        "passwords-without-salt-key",
        with_users([ADMIN], htpasswdSaltKey=DROP),
        "htpasswdSaltKey",
        'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"',
    ),
    case(
        "registry-credentials-without-salt-key",
        variant(registries=[hub(credentials={"username": "me", "password": "hub-token"})]),
        "htpasswdSaltKey",
        "missing: it keys the fingerprint that shows a changed registry password in previews; run pulumi config set",
    ),
    case(
        "salt-key-not-base64",
        with_users([ADMIN], htpasswdSaltKey="a long passphrase, but not a random key"),
        "htpasswdSaltKey",
        "is not base64: it must be base64 of 32 or more random bytes, one key per stack; run pulumi config set "
        '--secret htpasswdSaltKey "$(openssl rand -base64 32)"',
    ),
    case(
        "salt-key-too-short",
        # 24 base64 characters: 18 bytes, the old minimum of 16 characters passed, now too weak.
        with_users([ADMIN], htpasswdSaltKey="dGVzdC1zYWx0LWtleS4uLi4u"),
        "htpasswdSaltKey",
        "decodes to 18 bytes, fewer than 32: it must be base64 of 32 or more random bytes",
    ),
    case(
        "prehashed-users-without-salt-key",
        with_users([{"name": "ci", "htpasswd": BCRYPT_HASH}], htpasswdSaltKey=DROP),
        "htpasswdSaltKey",
        "missing: it seeds the nonce that keeps the Secret's checksum in the pod annotations unguessable",
    ),
    # -------------------------------------------------------------------------------------- access control
    case(
        "policy-names-undefined-user",
        with_users(
            [ADMIN], access={"repositories": {"**": {"policies": [{"users": ["admin", "bob"], "actions": ["read"]}]}}}
        ),
        'accessControl.repositories["**"].policies[0].users[1]',
        "'bob' is not defined in users",
    ),
    case(
        "policy-action-unknown",
        with_users(
            [ADMIN], access={"repositories": {"**": {"policies": [{"users": ["admin"], "actions": ["read", "write"]}]}}}
        ),
        'accessControl.repositories["**"].policies[0].actions[1]',
        "Input should be 'read', 'create', 'update' or 'delete' (got \"write\")",
    ),
    case(
        "anonymous-action-unknown",
        variant(accessControl={"repositories": {"**": {"anonymousPolicy": ["pull"]}}}),
        'accessControl.repositories["**"].anonymousPolicy[0]',
        "'read', 'create', 'update' or 'delete'",
    ),
    case(
        "no-users-and-no-access-control",
        variant(accessControl=DROP),
        "accessControl",
        "zot lets anyone push and delete",
    ),
    case(
        "policies-without-users",
        variant(accessControl=ADMIN_ACCESS),
        "accessControl",
        "need users to log in (zot refuses them without authentication)",
    ),
    case(
        "users-without-access-control",
        with_users([ADMIN], access={}),
        "accessControl",
        "users are defined but nothing says what they may do",
    ),
    case(
        "read-for-nobody",
        variant(accessControl={"repositories": {"**": {"anonymousPolicy": ["create"]}}}),
        "accessControl",
        "grants read to nobody",
    ),
    case(
        "repository-glob-upper-case",
        variant(accessControl={"repositories": {"Library/**": {"anonymousPolicy": ["read"]}}}),
        'accessControl.repositories["Library/**"]',
        "has upper-case letters",
    ),
    case(
        "repository-glob-unbalanced",
        variant(accessControl={"repositories": {"library/[a-z": {"anonymousPolicy": ["read"]}}}),
        'accessControl.repositories["library/[a-z"]',
        "check that every '[' and '{' is closed",
    ),
    # ------------------------------------------------------------------------- pushes and mirrored namespaces
    case(
        "push-into-a-mirror-by-policy",
        with_users([ADMIN], access=admin_may(["read", "create"])),
        'accessControl.repositories["**"].policies[0].actions',
        "create lets admin push where '**' is the longest matching glob, which includes the namespace 'docker.io' "
        "that registries[0] (docker-hub) mirrors; a pushed tag there would shadow or be overwritten by the "
        'upstream\'s. Push into a namespace nothing mirrors, with a glob like "internal/**"',
    ),
    case(
        "push-into-a-mirror-by-a-longer-glob",
        with_users([ADMIN], access=admin_may(["read", "update", "delete"], "docker.io/library/**")),
        'accessControl.repositories["docker.io/library/**"].policies[0].actions',
        "update lets admin push where 'docker.io/library/**' is the longest matching glob",
    ),
    case(
        "push-into-a-mirror-by-default-policy",
        with_users([ADMIN], access=admin_may(["read"], extra={"docker.io/**": {"defaultPolicy": ["read", "create"]}})),
        'accessControl.repositories["docker.io/**"].defaultPolicy',
        "create lets every logged-in user push where 'docker.io/**' is the longest matching glob",
    ),
    case(
        "push-into-a-mirror-by-admin-policy",
        with_users(
            [ADMIN], access={**ADMIN_ACCESS, "adminPolicy": {"users": ["admin"], "actions": ["read", "create"]}}
        ),
        "accessControl.adminPolicy.actions",
        "create lets admin push into every repository, which includes the namespace 'docker.io' that registries[0]",
    ),
    case(
        "push-into-root-docker-hub",
        with_users([ADMIN], registries=[hub(namespace="/")]),
        'accessControl.repositories["internal/**"].policies[0].actions',
        "create lets admin push where 'internal/**' is the longest matching glob, which includes the namespace '/' "
        "that registries[0] (docker-hub) mirrors",
    ),
    case(
        "push-into-an-active-mirror",
        with_users([ADMIN], access=admin_may(["read", "create"], "my-registry.example.org/**"), registries=[ACTIVE]),
        'accessControl.repositories["my-registry.example.org/**"].policies[0].actions',
        "which includes the namespace 'my-registry.example.org' that registries[0] (my-registry) mirrors",
    ),
    case(
        "anonymous-create-without-opt-in",
        variant(accessControl=anonymous_may(["read", "create"])),
        'accessControl.repositories["internal/**"].anonymousPolicy',
        "create lets anyone who reaches the cache write without logging in; remove it and give the writers a login, "
        "or, if that is meant, list this glob in accessControl.allowAnonymousWrite",
    ),
    case(
        "anonymous-delete-without-opt-in",
        variant(accessControl=anonymous_may(["read", "delete"], "docker.io/**")),
        'accessControl.repositories["docker.io/**"].anonymousPolicy',
        "delete lets anyone who reaches the cache write without logging in",
    ),
    case(
        "anonymous-create-into-a-mirror-opted-in",
        variant(accessControl=anonymous_may(["read", "create"], "docker.io/**", opt_in=("docker.io/**",))),
        'accessControl.repositories["docker.io/**"].anonymousPolicy',
        "create lets anyone without a login push where 'docker.io/**' is the longest matching glob",
    ),
    case(
        "anonymous-delete-into-a-mirror-opted-in",
        variant(accessControl=anonymous_may(["read", "delete"], "docker.io/**", opt_in=("docker.io/**",))),
        'accessControl.repositories["docker.io/**"].anonymousPolicy',
        "delete without a login reaches the namespace 'docker.io' that registries[0] (docker-hub) mirrors; "
        "allowAnonymousWrite never opens a mirror",
    ),
    case(
        "anonymous-write-opt-in-names-another-glob",
        variant(accessControl=anonymous_may(["read"], opt_in=("internal/**",))),
        "accessControl.allowAnonymousWrite[0]",
        "'internal/**' is not a repositories glob whose anonymousPolicy writes",
    ),
    case(
        "scrape-user-in-a-policy",
        with_users(
            [ADMIN, SCRAPER],
            access={"repositories": {"**": {"policies": [{"users": ["admin", "metrics"], "actions": ["read"]}]}}},
            metrics=SCRAPED_AS_METRICS,
        ),
        'accessControl.repositories["**"].policies[0].users[1]',
        "'metrics' is metrics.scrapeUser, whose password sits in the ServiceMonitor's login Secret",
    ),
    case(
        "scrape-user-in-admin-policy",
        with_users(
            [ADMIN, SCRAPER],
            access={**ADMIN_ACCESS, "adminPolicy": {"users": ["metrics"], "actions": ["read"]}},
            metrics=SCRAPED_AS_METRICS,
        ),
        "accessControl.adminPolicy.users[0]",
        "'metrics' is metrics.scrapeUser",
    ),
    case(
        "default-policy-beside-a-scrape-user",
        with_users(
            [ADMIN, SCRAPER],
            access=admin_may(["read"], extra={"internal/**": {"defaultPolicy": ["read"]}}),
            metrics=SCRAPED_AS_METRICS,
        ),
        'accessControl.repositories["internal/**"].defaultPolicy',
        "applies to every logged-in user, metrics.scrapeUser 'metrics' too",
    ),
    # ---------------------------------------------------------------------------------------- exposure
    case(
        "node-port-with-cluster-ip",
        variant(service={"nodePort": 30500}),
        "service.nodePort",
        "set type: NodePort or remove nodePort",
    ),
    case(
        "node-port-out-of-range",
        variant(service={"type": "NodePort", "nodePort": 8080}),
        "service.nodePort",
        "greater than or equal to 30000",
    ),
    case(
        "ingress-without-hosts",
        variant(ingress={"enabled": True}),
        "ingress.hosts",
        "an enabled ingress needs at least one host",
    ),
    case(
        "ingress-host-with-scheme",
        variant(ingress={"enabled": True, "hosts": ["https://zot.example.org"]}),
        "ingress.hosts[0]",
        "write it without scheme, port or path",
    ),
    case(
        "ingress-host-wildcard",
        variant(ingress={"enabled": True, "hosts": ["*.example.org"]}),
        "ingress.hosts[0]",
        "is a wildcard, which the chart cannot render",
    ),
    case(
        "ingress-host-yaml-null",
        variant(ingress={"enabled": True, "hosts": ["null"]}),
        "ingress.hosts[0]",
        "would be read as YAML null, a boolean or a number",
    ),
    case(
        "ingress-host-trailing-newline",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org\n"]}),
        "ingress.hosts[0]",
        "is not a host name",
    ),
    case(
        "ingress-class-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "className": 'nginx"\n---'}),
        "ingress.className",
        "is not a Kubernetes object name; use at most 253 lower-case letters",
    ),
    case(
        "cluster-issuer-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "Let's Encrypt"}),
        "ingress.clusterIssuer",
        "is not a Kubernetes object name",
    ),
    case(
        "tls-secret-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "tlsSecretName": "zot_tls"}),
        "ingress.tlsSecretName",
        "is not a Kubernetes object name",
    ),
    case(
        "annotation-key-not-a-name",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "annotations": {"team\n---": "x"}}),
        'ingress.annotations["team\\n---"]',
        "is not an annotation key; use an optional DNS-subdomain prefix and '/'",
    ),
    case(
        "annotation-key-bad-prefix",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "annotations": {"Example.org/team": "x"}}),
        'ingress.annotations["Example.org/team"]',
        "is not an annotation key",
    ),
    case(
        "cluster-issuer-without-tls",
        variant(ingress={"enabled": True, "hosts": ["zot.example.org"], "tls": False, "clusterIssuer": "letsencrypt"}),
        "ingress.clusterIssuer",
        "set tls: true",
    ),
    # --------------------------------------------------------------------------------------- resources
    case(
        "requests-above-limits",
        variant(resources={"requests": {"cpu": "600m", "memory": "1024Mi"}}),
        "resources.requests.cpu",
        "is above limits.cpu",
    ),
    case(
        "vpa-max-allowed-below-limits",
        variant(resources={"vpa": {"maxAllowed": {"cpu": "750m", "memory": "1Gi"}}}),
        "resources.vpa.maxAllowed.memory",
        "is below limits.memory",
    ),
    case(
        "gomemlimit-with-vpa",
        variant(resources={"gomemlimit": "1200MiB"}),
        "resources.gomemlimit",
        "set vpa.enabled: false for fixed memory",
    ),
    case(
        "gomemlimit-above-limit",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": "2048MiB"}),
        "resources.gomemlimit",
        "is above limits.memory (1536Mi)",
    ),
    case(
        "gomemlimit-kubernetes-units",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": "800Mi"}),
        "resources.gomemlimit",
        "note: MiB, not the Kubernetes Mi",
    ),
    # A bare number in a size is bytes to Kubernetes and Go: always a missing unit, never 1 KiB of memory.
    case(
        "memory-limit-without-unit",
        variant(resources={"limits": {"cpu": "500m", "memory": 1536}}),
        "resources.limits.memory",
        "is 1536, which Kubernetes reads as bytes; did you mean 1536Mi?",
    ),
    case(
        "memory-request-without-unit",
        variant(resources={"requests": {"cpu": "300m", "memory": 1024}}),
        "resources.requests.memory",
        "did you mean 1024Mi?",
    ),
    case(
        "memory-request-in-millibytes",
        variant(resources={"requests": {"cpu": "300m", "memory": "1024m"}}),
        "resources.requests.memory",
        "reads as thousandths of a byte; did you mean 1024Mi?",
    ),
    case(
        "vpa-max-memory-without-unit",
        variant(resources={"vpa": {"maxAllowed": {"cpu": "750m", "memory": "2048"}}}),
        "resources.vpa.maxAllowed.memory",
        "did you mean 2048Mi?",
    ),
    case(
        "gomemlimit-without-unit",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": 1200}),
        "resources.gomemlimit",
        "is 1200, which the Go runtime reads as bytes; did you mean 1200MiB?",
    ),
    case("storage-size-without-unit", variant(storage={"size": 20}), "storage.size", "did you mean 20Gi?"),
    case("gogc-out-of-range", variant(resources={"gogc": 5}), "resources.gogc", "greater than or equal to 10"),
    case("quantity-malformed", variant(storage={"size": "20GB"}), "storage.size", "is not a Kubernetes quantity"),
    case(
        "quantity-trailing-newline", variant(storage={"size": "20Gi\n"}), "storage.size", "is not a Kubernetes quantity"
    ),
    case(
        "storage-class-not-a-name",
        variant(storage={"storageClass": 'fast"\n---\nkind: ConfigMap'}),
        "storage.storageClass",
        "is not a Kubernetes object name; use at most 253 lower-case letters, digits, '-' and '.'",
    ),
    case("strategy-unknown", variant(strategy="BlueGreen"), "strategy", "'Recreate' or 'RollingUpdate'"),
    case(
        "service-monitor-without-metrics",
        variant(metrics={"serviceMonitor": True}),
        "metrics.serviceMonitor",
        "set enabled: true",
    ),
    case(
        "service-monitor-labels-without-service-monitor",
        variant(metrics={"enabled": True, "serviceMonitorLabels": {"release": "kube-prometheus-stack"}}),
        "metrics.serviceMonitorLabels",
        "labels the ServiceMonitor; set serviceMonitor: true or remove them",
    ),
    case(
        "service-monitor-labels-on-a-workload-cluster",
        variant(
            app={"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}},
            metrics=SCRAPED | {"serviceMonitorLabels": {"release": "kube-prometheus-stack"}},
        ),
        "metrics.serviceMonitorLabels",
        "cannot be applied: zot runs in workload cluster prod01, where Pulumi creates nothing",
    ),
    case(
        "service-monitor-label-value-invalid",
        variant(metrics=SCRAPED | {"serviceMonitorLabels": {"release": "kube prometheus"}}),
        "metrics.serviceMonitorLabels.release",
        "is not a label value",
    ),
    case(
        "scrape-user-undefined",
        with_users([admin()], metrics=SCRAPED | {"scrapeUser": "prometheus"}),
        "metrics.scrapeUser",
        "'prometheus' is not defined in users",
    ),
    case(
        "scrape-user-pre-hashed",
        with_users(
            [admin(), {"name": "prometheus", "htpasswd": BCRYPT_HASH}], metrics=SCRAPED | {"scrapeUser": "prometheus"}
        ),
        "metrics.scrapeUser",
        "needs a password, not a pre-hashed htpasswd",
    ),
    case(
        "scrape-user-without-service-monitor",
        with_users([admin()], metrics={"enabled": True, "scrapeUser": "admin"}),
        "metrics.scrapeUser",
        "set serviceMonitor: true or remove it",
    ),
    # ------------------------------------------------------------------------------------------ dashboard
    case(
        "dashboard-without-metrics",
        variant(dashboard={"enabled": True}),
        "dashboard.enabled",
        "needs metrics.enabled: true",
    ),
    case(
        "dashboard-giant-swarm-label-without-organization",
        variant(metrics=SCRAPED, dashboard={"labels": {"app.giantswarm.io/kind": "dashboard"}}),
        'dashboard.labels["app.giantswarm.io/kind"]',
        "set organization: <GrafanaOrganization display name>",
    ),
    case(
        "dashboard-folder-without-organization",
        variant(metrics=SCRAPED, dashboard={"folder": "platform/registries"}),
        "dashboard.folder",
        "set organization",
    ),
    case(
        "dashboard-no-label-no-organization",
        variant(metrics=SCRAPED, dashboard={"labels": {}}),
        "dashboard.labels",
        "no Grafana would load the dashboard",
    ),
    case(
        "dashboard-label-value",
        variant(metrics=SCRAPED, dashboard={"labels": {"grafana_dashboard": "yes please"}}),
        "dashboard.labels.grafana_dashboard",
        "is not a label value",
    ),
    case(
        "dashboard-label-key",
        variant(metrics=SCRAPED, dashboard={"labels": {"grafana dashboard": "1"}}),
        'dashboard.labels["grafana dashboard"]',
        "is not an annotation key",
    ),
    # ------------------------------------------------------------------------------------------ zot, app
    case(
        "write-timeout-too-short",
        variant(zot={"writeTimeout": "30s"}),
        "zot.writeTimeout",
        "use 30m or more (or 0s for none)",
    ),
    case("ui-without-search", variant(zot={"ui": True}), "zot.ui", "needs search: true"),
    case(
        "scrub-interval-below-2h",
        variant(zot={"scrub": {"enabled": True, "interval": "1h"}}),
        "zot.scrub.interval",
        "below zot's minimum of 2h",
    ),
    case(
        "log-level-unknown", variant(zot={"logLevel": "verbose"}), "zot.logLevel", "'debug', 'info', 'warn' or 'error'"
    ),
    case(
        "pod-security-standards-off",
        variant(app={"podSecurityStandardsEnforced": False}),
        "app.podSecurityStandardsEnforced",
        "removed in Kubernetes 1.25; keep it true",
    ),
    case("app-name-not-dns-label", variant(app={"name": "Zot_Cache"}), "app.name", "is not a Kubernetes name"),
    case("app-name-trailing-newline", variant(app={"name": "zot\n"}), "app.name", "is not a Kubernetes name"),
    case(
        # app-operator's App names and Helm release names stop at 53 (giantswarm/app pkg/validation/app.go L34-36).
        "app-name-longer-than-a-release",
        variant(app={"name": "a" * 54}),
        "app.name",
        "is 54 characters; the App and the Helm release named after it allow at most 53",
    ),
    case(
        # Giant Swarm's App webhook: an in-cluster App targets its own namespace (pkg/validation/app.go L215-224).
        "in-cluster-app-targeting-another-namespace",
        variant(app={"namespace": "zot", "appNamespace": "platform-apps"}),
        "app.appNamespace",
        "'platform-apps' differs from app.namespace 'zot': Giant Swarm's App webhook refuses an in-cluster App",
    ),
    case("app-chart-not-a-name", variant(app={"chart": "zot chart"}), "app.chart", "is not a chart name"),
    case("app-version-not-semver", variant(app={"version": "v2.9"}), "app.version", "is not a chart version"),
    case(
        "app-catalog-not-a-name", variant(app={"catalog": "Giant Swarm"}), "app.catalog", "is not a Kubernetes object"
    ),
    case(
        "cpu-as-a-decimal",
        variant(resources={"requests": {"cpu": "0.25", "memory": "1Gi"}}),
        "resources.requests.cpu",
        'is a decimal number of CPUs; write it in millicores, like "250m"',
    ),
    # ------------------------------------------------------------------------------------------ node wiring
    case(
        "node-url-in-cluster-dns",
        wired({"mode": "url", "url": "http://zot.zot.svc.cluster.local:5000"}),
        "nodes.url",
        "is an in-cluster DNS name, but containerd runs on the node and uses the node's resolver",
    ),
    case(
        "node-url-svc",
        wired({"mode": "url", "url": "https://zot.zot.svc"}),
        "nodes.url",
        "in-cluster DNS name",
    ),
    case("node-url-missing", wired({"mode": "url"}), "nodes.url", "mode url needs the URL nodes pull from"),
    case(
        "node-url-in-another-mode",
        wired({"mode": "nodePort", "url": "https://zot.example.org"}),
        "nodes.url",
        "is only used with mode url",
    ),
    case("nodes-node-port-out-of-range", wired({"mode": "nodePort", "nodePort": 8080}), "nodes.nodePort", "30000"),
    case(
        "node-port-not-the-service",
        wired({"mode": "nodePort", "nodePort": 30001}),
        "nodes.nodePort",
        "is 30001, but the Service listens on node port 32767 (service.nodePort); set both to the same port",
    ),
    case(
        "node-port-without-nodeport-service",
        wired(service={"type": "ClusterIP"}),
        "nodes.mode",
        "nodePort needs the Service to be a NodePort",
    ),
    case(
        "node-mode-ingress-without-ingress",
        wired({"mode": "ingress"}),
        "nodes.mode",
        "ingress needs ingress.enabled: true",
    ),
    case(
        "node-anonymous-read-on-everything",
        wired(accessControl={"repositories": {"**": {"anonymousPolicy": ["read"]}}}),
        'accessControl.repositories["**"].anonymousPolicy',
        "anonymous read on ** also opens what no upstream mirrors",
    ),
    case(
        "node-anonymous-cannot-read-a-namespace",
        wired(accessControl={"repositories": {"docker.io/**": {"anonymousPolicy": ["read"]}}}),
        "registries[1]",
        "anonymous clients cannot read all of namespace 'ghcr.io'; add accessControl.repositories[\"ghcr.io/**\"]",
    ),
    case(
        "node-anonymous-over-private-upstream",
        wired(registries=[DOCKER_HUB, GHCR, PRIVATE], htpasswdSaltKey=SALT_KEY),
        "registries[2].credentials",
        "list 'my-registry' in nodes.allowAnonymousRead",
    ),
    case(
        "node-anonymous-opt-in-names-no-private-upstream",
        wired({"mode": "nodePort", "allowAnonymousRead": ["ghcr"]}),
        "nodes.allowAnonymousRead[0]",
        "is not the name of a registry with credentials",
    ),
    case(
        "node-pull-user-over-nodeport",
        wired({"mode": "nodePort", "pullUser": {"name": "node-pull", "password": NODE_PASSWORD}}),
        "nodes.pullUser",
        "nodes reach a NodePort over plain http, where containerd would send the password in clear",
    ),
    case(
        "node-pull-user-over-http-url",
        pulled_by_node_user(
            nodes={
                "mode": "url",
                "url": "http://zot.example.org",
                "pullUser": {"name": "node-pull", "password": NODE_PASSWORD},
            }
        ),
        "nodes.pullUser",
        "needs an https url",
    ),
    case(
        "node-password-short",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull", "password": "too-short"}}),
        "nodes.pullUser.password",
        "a node password needs at least 32 random ones",
    ),
    case(
        "node-password-missing",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull"}}),
        "nodes.pullUser.password",
        "missing; run pulumi config set --secret --path 'nodes.pullUser.password'",
    ),
    case(
        "node-pull-user-cannot-read",
        pulled_by_node_user(
            accessControl={
                "repositories": NODE_READS["repositories"]
                | {"ghcr.io/**": {"policies": [{"users": ["node-pull"], "actions": ["delete"]}]}}
            }
        ),
        "registries[1]",
        "nodes.pullUser 'node-pull' cannot read all of namespace 'ghcr.io'",
    ),
    case(
        "node-pull-user-may-delete",
        pulled_by_node_user(
            accessControl={
                "repositories": NODE_READS["repositories"]
                | {"ghcr.io/**": {"policies": [{"users": ["node-pull"], "actions": ["read", "delete"]}]}}
            }
        ),
        'accessControl.repositories["ghcr.io/**"].policies[0].actions',
        "gives nodes.pullUser 'node-pull' delete; the node login only reads",
    ),
    case(
        "node-pull-user-pushes-through-default-policy",
        pulled_by_node_user(
            users=[ADMIN],
            accessControl={
                "repositories": NODE_READS["repositories"] | {"internal/**": {"defaultPolicy": ["read", "create"]}}
            },
        ),
        'accessControl.repositories["internal/**"].defaultPolicy',
        "create for every logged-in user includes nodes.pullUser 'node-pull'",
    ),
    case(
        "node-pull-user-also-a-user",
        pulled_by_node_user(users=[{"name": "node-pull", "password": "another-password"}]),
        "nodes.pullUser.name",
        "is also in users",
    ),
    case(
        "node-two-upstreams-one-host",
        wired(registries=[DOCKER_HUB, GHCR, {**GHCR, "name": "ghcr-team", "namespace": "team"}]),
        "registries[2].urls[0]",
        "nodes keep one mirror per registry host, and ghcr.io is already registries[1]",
    ),
    case(
        "node-ca-over-http",
        wired({"mode": "nodePort", "ca": "/etc/containerd/certs.d/zot-ca.crt"}),
        "nodes.ca",
        "applies to an https mirror only",
    ),
    case(
        "node-upstream-content-moved-away",
        wired(registries=[DOCKER_HUB, {**GHCR, "content": [{"prefix": "org/**", "destination": "/mine"}]}]),
        "registries[1].content[0].destination",
        "moves the upstream's repositories away from where nodes ask for them",
    ),
    case(
        "node-upstream-content-stripped",
        wired(registries=[DOCKER_HUB, {**GHCR, "content": [{"prefix": "org/**", "stripPrefix": True}]}]),
        "registries[1].content[0].stripPrefix",
        "stores repositories without their prefix, but nodes ask for the full upstream name",
    ),
    case(
        "node-password-repetitive",
        pulled_by_node_user(nodes={"mode": "ingress", "pullUser": {"name": "node-pull", "password": "ab" * 20}}),
        "nodes.pullUser.password",
        "repeats too few characters to be random (fewer than 16 different ones)",
    ),
    case("node-ca-relative", wired({"mode": "nodePort", "ca": "zot-ca.crt"}), "nodes.ca", "must be an absolute path"),
    # ---------------------------------------------------------------------------------- retention
    case(
        "retention-glob-uncompilable",
        variant(retention={"policies": [{"repositories": ["docker.io/[abc"]}]}),
        "retention.policies[0].repositories[0]",
        "'docker.io/[abc' is not a valid glob; check that every '[' and '{' is closed",
    ),
    case(
        "retention-tag-regex-uncompilable",
        variant(retention={"policies": [{"repositories": ["**"], "keepTags": [{"patterns": ["^v(1"]}]}]}),
        "retention.policies[0].keepTags[0].patterns[0]",
        "'^v(1' is not a valid regular expression",
    ),
    case(
        "retention-tag-regex-not-re2",
        variant(retention={"keepTags": ["^(?!rc).*"]}),
        "retention.keepTags[0]",
        "uses look-around or a back-reference, which Go's RE2 (used by zot) does not support",
    ),
    case(
        "retention-policy-without-repositories",
        variant(retention={"policies": [{"keepTags": [{"pulledWithin": "24h"}]}]}),
        "retention.policies[0].repositories",
        "is empty, and zot applies a policy without repositories to nothing",
    ),
    case(
        "retention-duration-in-days",
        variant(retention={"pulledWithin": "30d"}),
        "retention.pulledWithin",
        "'30d' is not a Go duration (Go has no 'd' unit: write 24h for a day)",
    ),
    case(
        "retention-policy-duration-zero",
        variant(retention={"policies": [{"repositories": ["**"], "keepTags": [{"pushedWithin": "0s"}]}]}),
        "retention.policies[0].keepTags[0].pushedWithin",
        "is 0s; use a positive Go duration, like 720h",
    ),
    case(
        "retention-gc-interval-zero",
        variant(retention={"gcInterval": "0"}),
        "retention.gcInterval",
        "is 0; use a positive Go duration, like 6h",
    ),
    case(
        "retention-namespace-unknown",
        variant(retention={"namespaces": {"dockerhub": {"pulledWithin": "2160h"}}}),
        "retention.namespaces.dockerhub",
        "is not the name of a registry; the names are: docker-hub (registries[].name)",
    ),
    case(
        "retention-namespace-bad-duration",
        variant(retention={"namespaces": {"docker-hub": {"pulledWithin": "90 days"}}}),
        'retention.namespaces["docker-hub"].pulledWithin',
        "is not a Go duration",
    ),
    case(
        "retention-count-negative",
        variant(retention={"mostRecentlyPulledCount": -1}),
        "retention.mostRecentlyPulledCount",
        "Input should be greater than or equal to 0",
    ),
    case(
        "retention-off-with-rules",
        variant(retention={"enabled": False, "pulledWithin": "24h"}),
        "retention.pulledWithin",
        "is not used with enabled: false; remove it",
    ),
]


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
        wired(
            {"mode": "nodePort", "allowAnonymousRead": ["my-registry"]},
            registries=[DOCKER_HUB, GHCR, PRIVATE],
            htpasswdSaltKey=SALT_KEY,
        ),
        wired({"mode": "url", "url": "https://zot.example.org:8443", "skipVerify": True}),
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
        "nodes-anonymous-over-a-private-upstream-opted-in",
        "nodes-url-with-skip-verify",
        "whole-cpus-without-unit",
    ],
)
def test_the_configs_cases_start_from_are_valid(config: Config) -> None:
    load_settings(config, SECRET_KEYS)


@pytest.mark.parametrize(("config", "secret_keys", "path", "fragment"), INVALID)
def test_invalid_config_names_the_key_and_the_fix(
    config: Config, secret_keys: frozenset[str], path: str, fragment: str
) -> None:
    message = refusal(config, secret_keys)
    assert message.startswith("invalid stack configuration (")
    assert_reports(message, path, fragment)


@pytest.mark.parametrize(
    ("config", "secret_keys", "secret"),
    [
        pytest.param(
            with_users([admin(password="hunter2-" + "x" * 70)]), SECRET_KEYS, "hunter2-", id="password-too-long"
        ),
        pytest.param(
            with_users([admin(password=["hunter2-secret"])]), SECRET_KEYS, "hunter2-secret", id="password-wrong-type"
        ),
        pytest.param(
            with_users([{"name": "admin", "htpasswd": "$apr1$hunter2$secret-hash"}]),
            SECRET_KEYS,
            "hunter2$secret-hash",
            id="htpasswd-malformed",
        ),
        pytest.param(
            with_users([ADMIN], htpasswdSaltKey="salt-hunter2"), SECRET_KEYS, "salt-hunter2", id="salt-key-too-short"
        ),
        pytest.param(
            with_users([ADMIN], htpasswdSaltKey={"key": "salt-hunter2-0123456789"}),
            SECRET_KEYS,
            "salt-hunter2",
            id="salt-key-wrong-type",
        ),
        pytest.param(
            variant(registries=[hub(credentials={"username": "me", "password": {"token": "tok-hunter2"}})]),
            SECRET_KEYS,
            "tok-hunter2",
            id="registry-password-wrong-type",
        ),
        pytest.param(
            variant(registries=[hub(credentials={"username": "me", "password": "tok-hunter2"})]),
            frozenset(),
            "tok-hunter2",
            id="registry-password-in-clear-text",
        ),
        pytest.param(
            with_users(["admin:hunter2-secret"]),
            SECRET_KEYS,
            "hunter2-secret",
            id="user-written-as-name-colon-password",
        ),
        pytest.param(
            variant(registries=[hub(credentials="me:tok-hunter2")]),
            SECRET_KEYS,
            "tok-hunter2",
            id="credentials-written-as-user-colon-token",
        ),
    ],
)
def test_messages_never_echo_a_secret(config: Config, secret_keys: frozenset[str], secret: str) -> None:
    assert secret not in refusal(config, secret_keys)


# Secrets that users paste where they do not belong: the error names the key, and no part of the secret shows.
LEAKS = [
    case(
        "url-userinfo",
        variant(registries=[hub(urls=["https://me:tok-hunter2@docker.io"])]),
        "registries[0].urls[0]",
        "tok-hunter2",
    ),
    case(
        "url-userinfo-in-clear-config",
        variant(registries=[hub(urls=["https://me:tok-hunter2@docker.io"])]),
        "registries[0].urls[0]",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "url-query-token",
        variant(registries=[hub(urls=["https://docker.io/v2?access_token=tok-hunter2"])]),
        "registries[0].urls[0]",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "url-fragment",
        variant(registries=[hub(urls=["https://docker.io#tok-hunter2"])]),
        "registries[0].urls[0]",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "url-without-scheme-with-userinfo",
        variant(registries=[hub(urls=["me:tok-hunter2@docker.io"])]),
        "registries[0].urls[0]",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "url-given-as-string-not-list",
        variant(registries=[hub(urls="https://me:tok-hunter2@docker.io")]),
        "registries[0].urls",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "user-colon-token-given-as-string-not-list",
        variant(registries=[hub(urls="me:tok-hunter2")]),
        "registries[0].urls",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "credentials-as-list-in-clear-config",
        variant(registries=[hub(credentials=["me", "tok-hunter2"])]),
        "registries[0].credentials",
        "tok-hunter2",
        secret_keys=(),
    ),
    case(
        "url-token-query-under-secret-key",
        variant(registries=[hub(urls=["https://docker.io/?access_token=s3cr3t"])]),
        "registries[0].urls[0]",
        "s3cr3t",
    ),
    case(
        "bad-name-under-secret-key",
        variant(registries=[hub(name="Hub-hunter2")]),
        "registries[0].name",
        "hunter2",
    ),
    case(
        "policy-user-name-colon-password",
        with_users(
            [ADMIN], {"repositories": {"**": {"policies": [{"users": ["admin:hunter2"], "actions": ["read"]}]}}}
        ),
        'accessControl.repositories["**"].policies[0].users[0]',
        "hunter2",
    ),
    case(
        "admin-policy-user-name-colon-password",
        with_users([ADMIN], ADMIN_ACCESS | {"adminPolicy": {"users": ["admin:hunter2"], "actions": ["read"]}}),
        "accessControl.adminPolicy.users[0]",
        "hunter2",
    ),
    case(
        "scrape-user-name-colon-password",
        with_users([ADMIN], metrics=SCRAPED | {"scrapeUser": "admin:hunter2"}),
        "metrics.scrapeUser",
        "hunter2",
    ),
]


@pytest.mark.parametrize(("config", "secret_keys", "path", "secret"), LEAKS)
def test_errors_name_the_key_but_never_show_the_secret_part(
    config: Config, secret_keys: frozenset[str], path: str, secret: str
) -> None:
    message = refusal(config, secret_keys)
    assert f"  zot-cache:{path}: " in message, message
    assert secret not in message


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        pytest.param(
            variant(registries=[hub(onDemand=False)], service={"nodePort": 30500}, zot={"ui": True}),
            {
                "registries[0].onDemand": "neither onDemand nor pollInterval",
                "service.nodePort": "type NodePort",
                "zot.ui": "needs search: true",
            },
            id="rules-across-keys",
        ),
        pytest.param(
            variant(registries=[hub(retryDelay="1d", maxRetries=3)], zot={"logLevel": "trace"}, tls=True),
            {
                "registries[0].retryDelay": "not a Go duration",
                "zot.logLevel": "'debug', 'info', 'warn' or 'error'",
                "tls": "unknown key",
            },
            id="shapes-and-values",
        ),
    ],
)
def test_all_problems_are_reported_in_one_error(config: Config, expected: dict[str, str]) -> None:
    message = refusal(config)
    header, *lines = message.splitlines()
    assert header == f"invalid stack configuration ({len(expected)} problems); nothing was changed:"
    assert len(lines) == len(expected)
    for path, fragment in expected.items():
        assert_reports(message, path, fragment)


# ------------------------------------------------------------------------------------- whole program


@dataclass
class Refused:
    message: str
    resources: list[harness.Resource]


def run_refused(stack: str, config: Config, secret_keys: set[str]) -> Refused:
    """`harness.run_program` for a config it must refuse, keeping its mocks to see what got registered."""
    mocks = harness.RecordingMocks()
    with pytest.raises(pulumi.RunError) as caught:
        harness.run_program(stack, config=config, secret_keys=secret_keys, mocks=mocks)
    return Refused(str(caught.value), mocks.resources)


def _dev_with(**changes: Any) -> tuple[Config, set[str]]:
    """Pulumi.dev.yaml's config with top-level keys replaced, no key secret."""
    config, _ = harness.stack_config("dev")
    return {**config, **changes}, set()


@pytest.mark.parametrize(
    ("stack", "load_config", "path", "fragment"),
    [
        pytest.param(
            "dev",
            partial(_dev_with, registries=[hub(urls=["docker.io"])]),
            "registries[0].urls[0]",
            "needs a scheme and a host",
            id="dev-url-without-scheme",
        ),
        pytest.param(
            "dev", partial(_dev_with, zot={"ui": True}), "zot.ui", "needs search: true", id="dev-ui-without-search"
        ),
        pytest.param(
            "dev",
            partial(_dev_with, registries=[hub(credentials={"username": "me", "password": "token"})]),
            "registries[0].credentials.password",
            "is stored in clear text",
            id="dev-clear-text-password",
        ),
        pytest.param(
            "prod",
            partial(harness.stack_config, "prod", secrets={}),
            "users[1].password",
            "pulumi config set --stack prod --secret --path 'users[1].password'",
            id="prod-without-its-secrets",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, nodes={"mode": "url", "url": "http://zot.zot.svc.cluster.local:5000"}),
            "nodes.url",
            "in-cluster DNS name",
            id="dev-nodes-at-an-in-cluster-name",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, metrics=SCRAPED, alerts={"errorRatio": 1.5}),
            "alerts.errorRatio",
            "use a share between 0 and 1",
            id="dev-alert-threshold-out-of-range",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, nodes={"mode": "nodePort", "nodePort": 30001}),
            "nodes.nodePort",
            "but the Service listens on node port 32767",
            id="dev-nodes-on-another-port",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, dashboard={"enabled": True}),
            "dashboard.enabled",
            "needs metrics.enabled: true",
            id="dev-dashboard-without-metrics",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, retention={"policies": [{"repositories": ["library/{nginx"]}]}),
            "retention.policies[0].repositories[0]",
            "is not a valid glob",
            id="dev-retention-glob-uncompilable",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, retention={"policies": [{"keepTags": [{"patterns": ["^v1"]}]}]}),
            "retention.policies[0].repositories",
            "is empty, and zot applies a policy without repositories to nothing",
            id="dev-retention-policy-without-repositories",
        ),
        pytest.param(
            "dev",
            partial(_dev_with, resources={"limits": {"cpu": "500m", "memory": 1536}}),
            "resources.limits.memory",
            "did you mean 1536Mi?",
            id="dev-memory-limit-without-unit",
        ),
    ],
)
def test_program_registers_nothing_for_an_invalid_config(
    stack: str,
    load_config: Callable[[], tuple[Config, set[str]]],
    path: str,
    fragment: str,
) -> None:
    config, secret_keys = load_config()
    refused = run_refused(stack, config, secret_keys)
    assert_reports(refused.message, path, fragment)
    assert not {CONFIG_MAP, SECRET, APP} & {resource.type for resource in refused.resources}
    assert refused.resources == [], "nothing may be registered when the config is refused"


def test_a_key_under_an_unknown_namespace_is_refused_by_name() -> None:
    """`zot_cache:storage` is read by nobody: without this the defaults would be used without a word."""
    config, _ = harness.stack_config("dev")
    mocks = harness.RecordingMocks()
    misspelt = {"zot_cache:storage": json.dumps({"persistence": True, "size": "50Gi"})}
    with pytest.raises(pulumi.RunError) as caught:
        tools.offline.run_program("dev", config, set(), mocks=mocks, other_config=misspelt)
    assert str(caught.value).splitlines() == [
        "invalid stack configuration (1 problem); nothing was changed:",
        "  zot_cache:storage: unknown config namespace 'zot_cache', so nothing reads this key; did you mean "
        "zot-cache:storage? (the namespaces read here are zot-cache, pulumi, kubernetes)",
    ]
    assert mocks.resources == []


def test_the_engines_and_the_providers_namespaces_are_known() -> None:
    config, _ = harness.stack_config("dev")
    known = {"kubernetes:context": "kind-zot", "pulumi:tags": json.dumps({"team": "platform"})}
    assert tools.offline.run_program("dev", config, set(), other_config=known).resources


def test_every_config_set_in_a_warning_names_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings reach the preview through the same boundary as errors; none names `pulumi config set` today."""
    hint = "set it with pulumi config set --path 'zot.logLevel' debug"
    monkeypatch.setattr(advice, "warnings", lambda settings: [hint])
    run = harness.run_program("dev", *_dev_with())
    assert run.warnings == ["set it with pulumi config set --stack dev --path 'zot.logLevel' debug"]
