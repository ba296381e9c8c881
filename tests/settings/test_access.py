"""`users` and `accessControl`: logins, policies and repository globs (components/settings/access.py)."""

from __future__ import annotations

from tests.settings.configs import (
    ADMIN,
    ADMIN_ACCESS,
    BCRYPT_HASH,
    DROP,
    admin,
    case,
    invalid_config_test,
    variant,
    with_users,
)

INVALID = [
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
