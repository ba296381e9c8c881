"""Fingerprints of the secret values: a preview shows *that* a password changed, never anything to test a guess on.

Pulumi prints every secret as `[secret]`, also in a diff, so a rotated password would otherwise be invisible in
a pull request. These short digests are plain stack outputs; each changes exactly when its secret does.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import SecretStr

from components.builders.htpasswd import htpasswd_line
from components.builders.stack_keys import StackKeys
from components.settings import Settings

_DOMAIN = b"zot-cache/fingerprint/v1"
_LENGTH = 16  # hex digits: 64 bits tell changes apart; the full digest would add nothing for a reviewer


def secret_fingerprints(settings: Settings, keys: StackKeys | None) -> dict[str, dict[str, str]]:
    """Per user and per registry with credentials, keyed by their (non-secret) names."""
    users = {user.name: _user_fingerprint(htpasswd_line(user, keys)) for user in settings.all_users}
    registries = {
        registry.id: _keyed(keys, registry.id, credentials.username, credentials.password)
        for registry in settings.registries
        if (credentials := registry.credentials) is not None
    }
    return {"users": users, "registries": registries}


def _user_fingerprint(line: str) -> str:
    """A plain hash of the htpasswd line: its bcrypt salt is secret (derived from the salt key, or random in a
    pre-hashed entry), so nobody can recompute the line for a guessed password and compare."""
    return hashlib.sha256(b"\0".join([_DOMAIN, b"user", line.encode()])).hexdigest()[:_LENGTH]


def _keyed(keys: StackKeys | None, name: str, username: str, password: SecretStr | None) -> str:
    """Registry passwords sit in clear in the credentials file, so their digest is keyed: a plain hash of a weak
    password could be guessed offline. The key is the fingerprint key alone, never the one behind the bcrypt salts
    or the nonce, so these public digests put nothing else at risk. Settings.issues() requires the salt key whenever
    credentials exist."""
    if keys is None or password is None:
        raise ValueError(f"registry {name!r} lacks the salt key or its password; Settings.issues() reports this")
    message = b"\0".join([_DOMAIN, b"registry", name.encode(), username.encode(), password.get_secret_value().encode()])
    return hmac.new(keys.fingerprint, message, hashlib.sha256).hexdigest()[:_LENGTH]
