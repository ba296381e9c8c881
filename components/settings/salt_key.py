"""htpasswdSaltKey: base64 of at least 32 random bytes, as sensitive as every password it protects."""

from __future__ import annotations

import base64
import binascii

SALT_KEY_BYTES = 32
SALT_KEY_COMMAND = 'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"'


def decode_salt_key(value: str) -> bytes:
    """The key's bytes; refuses what is not base64 of 32 or more bytes (what `openssl rand -base64 32` gives)."""
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        # Not echoed, and neither is the decoder's message: both would show part of the key.
        raise ValueError("is not base64") from None
    if len(key) < SALT_KEY_BYTES:
        raise ValueError(f"decodes to {len(key)} bytes, fewer than {SALT_KEY_BYTES}")
    return key
