"""Purpose keys derived from htpasswdSaltKey: one per use, and different in every stack even for the same key.

The salt key is as sensitive as the passwords: with it, checking a guessed password costs one HMAC instead of one
bcrypt. So nothing uses it directly. HKDF (RFC 5869, SHA-256) derives one key per purpose, with the project and
stack mixed in: a purpose key that leaks (or a key pasted into two stacks) says nothing about the others.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from pydantic import SecretStr

from components.settings.salt_key import decode_salt_key

_HKDF_SALT = b"zot-cache/stack-keys/v1"


def hkdf_sha256(key: bytes, salt: bytes, info: bytes) -> bytes:
    """RFC 5869 HKDF with SHA-256, one block (32 bytes) of output: extract, then the first block of expand."""
    pseudo_random_key = hmac.new(salt, key, hashlib.sha256).digest()
    return hmac.new(pseudo_random_key, info + b"\x01", hashlib.sha256).digest()


@dataclass(frozen=True)
class StackKeys:
    """The derived keys, as data the pure builders take (they never ask Pulumi which stack this is)."""

    bcrypt_salt: bytes = field(repr=False)
    fingerprint: bytes = field(repr=False)
    nonce: bytes = field(repr=False)
    # zot's cluster.hashKey (scale.replicas > 1): it picks each repository's member, so it must never change by itself.
    cluster_hash_key: bytes = field(repr=False)

    @classmethod
    def derive(cls, salt_key: SecretStr, project: str, stack: str) -> StackKeys:
        key = decode_salt_key(salt_key.get_secret_value())

        def purpose(name: str) -> bytes:
            # NUL-separated: project and stack names cannot contain NUL, so no two triples give the same info.
            return hkdf_sha256(key, _HKDF_SALT, b"\0".join(part.encode() for part in (name, project, stack)))

        return cls(
            bcrypt_salt=purpose("bcrypt-salt"),
            fingerprint=purpose("fingerprint"),
            nonce=purpose("nonce"),
            cluster_hash_key=purpose("cluster-hash-key"),
        )


def stack_keys(salt_key: SecretStr | None, project: str, stack: str) -> StackKeys | None:
    """None without a salt key: then Settings.issues() made sure that nothing needs one."""
    return None if salt_key is None else StackKeys.derive(salt_key, project, stack)
