"""`htpasswdSaltKey`: when it is needed and what a key must be (components/settings/salt_key.py)."""

from __future__ import annotations

from tests.settings.configs import ADMIN, BCRYPT_HASH, DROP, case, hub, invalid_config_test, variant, with_users

INVALID = [
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
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
