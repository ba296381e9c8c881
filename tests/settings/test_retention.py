"""`retention`: policies, globs, regexes and durations zot's retention accepts (components/settings/retention.py)."""

from __future__ import annotations

from tests.settings.configs import case, invalid_config_test, variant

INVALID = [
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
        "'^(?!rc).*' is not a valid regular expression in Go's RE2 syntax",
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

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
