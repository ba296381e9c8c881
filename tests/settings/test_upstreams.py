"""`registries`: upstream URLs, sync modes, retries, tag filters and credentials (components/settings/upstreams.py)."""

from __future__ import annotations

from tests.settings.configs import DOCKER_HUB, DROP, QUAY, active, case, hub, invalid_config_test, variant, with_tags

INVALID = [
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
        "is not a valid regular expression in Go's RE2 syntax: invalid perl operator: (?!",
    ),
    case(
        "tag-exclude-regex-back-reference",
        variant(registries=[active(content=with_tags(excludeRegex=r"(a)\1"))]),
        "registries[0].content[0].tags.excludeRegex",
        "invalid escape sequence: \\1",
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
