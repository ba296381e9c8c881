"""What every settings model shares: unknown keys, wrong types and missing keys (components/settings/common.py)."""

from __future__ import annotations

from tests.settings.configs import DOCKER_HUB, active, case, hub, invalid_config_test, variant, with_tags

INVALID = [
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
