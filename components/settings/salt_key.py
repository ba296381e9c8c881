"""htpasswdSaltKey: base64 of at least 32 random bytes, as sensitive as every password it protects."""

from __future__ import annotations

import base64
import binascii

SALT_KEY_BYTES = 32
SALT_KEY_COMMAND = 'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"'
# The entropy floor: random bytes pass it, typed ones fail. 32 random bytes take fewer than 16 distinct values with
# probability 3e-17, and are all printable ASCII with 2e-14; 32 zero bytes, "a" * 32, a padded word and a typed
# passphrase fail one or the other, and with such a key the fingerprints posted on PRs are guessable offline.
SALT_KEY_MIN_DISTINCT = 16
_PRINTABLE_ASCII = range(0x20, 0x7F)


def decode_salt_key(value: str) -> bytes:
    """The key's bytes; refuses what is not base64 of 32 or more random-looking bytes (`openssl rand -base64 32`)."""
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        # Not echoed, and neither is the decoder's message: both would show part of the key.
        raise ValueError("is not base64") from None
    if len(key) < SALT_KEY_BYTES:
        raise ValueError(f"decodes to {len(key)} bytes, fewer than {SALT_KEY_BYTES}")
    # Neither check says more of the key than that it failed.
    if len(set(key)) < SALT_KEY_MIN_DISTINCT:
        raise ValueError(f"is not random: it decodes to fewer than {SALT_KEY_MIN_DISTINCT} distinct byte values")
    if all(byte in _PRINTABLE_ASCII for byte in key):
        raise ValueError("is not random: it decodes to printable text, a typed word or phrase")
    return key
