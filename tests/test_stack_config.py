"""The boundary (components/stack_config.py): secrets are never echoed, all problems of a run are reported
together, and a refused config registers nothing when the whole program runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pulumi
import pytest

import tools.offline
from components.builders import advice
from components.stack_config import unknown_namespaces
from tests import harness
from tests.settings.configs import (
    ADMIN,
    ADMIN_ACCESS,
    SCRAPED,
    SECRET_KEYS,
    Config,
    admin,
    assert_reports,
    case,
    hub,
    refusal,
    variant,
    with_users,
)


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
    assert not {harness.CONFIG_MAP, harness.SECRET, harness.APP} & {resource.type for resource in refused.resources}
    assert refused.resources == [], "nothing may be registered when the config is refused"


def test_a_key_under_an_unknown_namespace_is_refused_by_name() -> None:
    """`zot_cache:storage` is read by nobody: without this the defaults would be used without a word."""
    config, _ = harness.stack_config("dev")
    mocks = harness.RecordingMocks()
    misspelt = {"zot_cache:storage": json.dumps({"persistence": True, "size": "50Gi"})}
    with pytest.raises(pulumi.RunError) as caught:
        tools.offline.run_program("dev", config, set(), mocks=mocks, root=harness.FIXTURES, other_config=misspelt)
    assert str(caught.value).splitlines() == [
        "invalid stack configuration (1 problem); nothing was changed:",
        "  zot_cache:storage: unknown config namespace 'zot_cache', so nothing reads this key; did you mean "
        "zot-cache:storage? (the namespaces read here are zot-cache, pulumi, kubernetes)",
    ]
    assert mocks.resources == []


def test_the_engines_and_the_providers_namespaces_are_known() -> None:
    config, _ = harness.stack_config("dev")
    known = {"kubernetes:context": "kind-zot", "pulumi:tags": json.dumps({"team": "platform"})}
    assert tools.offline.run_program("dev", config, set(), root=harness.FIXTURES, other_config=known).resources


def test_every_config_set_in_a_warning_names_the_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warnings reach the preview through the same boundary as errors; none names `pulumi config set` today."""
    hint = "set it with pulumi config set --path 'zot.logLevel' debug"
    monkeypatch.setattr(advice, "warnings", lambda settings: [hint])
    run = harness.run_program("dev", *_dev_with())
    assert run.warnings == ["set it with pulumi config set --stack dev --path 'zot.logLevel' debug"]


def test_namespaces_are_what_comes_before_the_first_colon() -> None:
    """The CLI's key forms: `ns:name`, the old `ns:config:name`; a key without one it refuses to read."""
    assert unknown_namespaces(["zot-cache:storage", "zot-cache:config:storage", "kubernetes:context"]) == []
    assert unknown_namespaces(["storage", "zot-cahce:config:storage"]) == [
        "  storage: has no namespace, and the Pulumi CLI reads only <namespace>:<name>; write zot-cache:storage",
        "  zot-cahce:config:storage: unknown config namespace 'zot-cahce', so nothing reads this key; did you mean "
        "zot-cache:config:storage? (the namespaces read here are zot-cache, pulumi, kubernetes)",
    ]
