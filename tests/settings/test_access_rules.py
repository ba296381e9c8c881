"""Who may push where: never into a mirrored namespace, anonymous writes only opted in.

The rules are in components/settings/access_rules.py.
"""

from __future__ import annotations

from tests.settings.configs import (
    ACTIVE,
    ADMIN,
    ADMIN_ACCESS,
    SCRAPED_AS_METRICS,
    SCRAPER,
    admin_may,
    anonymous_may,
    case,
    hub,
    invalid_config_test,
    variant,
    with_users,
)

INVALID = [
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
        # The glob's "*" stands for the middle of docker.io: only a sample made from the namespace itself sees it.
        "push-into-a-mirror-by-a-glob-with-a-star-inside-a-component",
        with_users([ADMIN], access=admin_may(["read", "create"], "d*r.io/library/**")),
        'accessControl.repositories["d*r.io/library/**"].policies[0].actions',
        "create lets admin push where 'd*r.io/library/**' is the longest matching glob, which includes the namespace "
        "'docker.io'",
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
