"""Where each upstream stores its repositories, and upstreams that would answer for each other.

The rules are in components/settings/namespaces.py and Settings._namespace_issues.
"""

from __future__ import annotations

from tests.settings.configs import DOCKER_HUB, QUAY, active, case, hub, invalid_config_test, variant

INVALID = [
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
