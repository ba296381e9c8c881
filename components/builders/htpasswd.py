"""htpasswd lines with bcrypt whose salt is derived from secret material, so unchanged passwords give no diff."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

import bcrypt

from components.builders.stack_keys import StackKeys
from components.settings.access import User

_STANDARD_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT_B64 = bytes.maketrans(_STANDARD_B64, _BCRYPT_B64)


def _salt(key: bytes, user: str, password: str, cost: int) -> bytes:
    """A bcrypt salt from HMAC(bcrypt salt key; user, cost, password): stable per input, unguessable without the key.

    The key, not the password alone, seeds it: a salt derived only from the password would be a fast
    (SHA-256) oracle for guessing it, defeating bcrypt's cost.
    """
    message = b"\0".join([b"zot-cache/htpasswd/v1", user.encode(), str(cost).encode(), password.encode()])
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    encoded = base64.b64encode(digest).rstrip(b"=").translate(_TO_BCRYPT_B64)
    return b"$2b$%02d$" % cost + encoded


@cache
def bcrypt_hash(user: str, password: str, cost: int, key: bytes) -> str:
    """`$2y$` like Apache's htpasswd -B writes: the same algorithm as `$2b$`, and every reader accepts it.

    Cached: the Secret and its fingerprint both need the hash, and a cost of 12 takes a quarter of a second.
    """
    hashed = bcrypt.hashpw(password.encode(), _salt(key, user, password, cost)).decode()
    return "$2y$" + hashed[4:]


def htpasswd_line(user: User, keys: StackKeys | None) -> str:
    """`user:hash`: the pre-hashed entry as given, or bcrypt of the password."""
    if user.htpasswd is not None:
        return f"{user.name}:{user.htpasswd.get_secret_value()}"
    if user.password is None:
        raise ValueError(f"user {user.name!r} has neither password nor htpasswd; Settings.issues() reports this")
    if keys is None:
        raise ValueError(f"user {user.name!r} has a password but no salt key; Settings.issues() reports this")
    hashed = bcrypt_hash(user.name, user.password.get_secret_value(), user.bcrypt_cost, keys.bcrypt_salt)
    return f"{user.name}:{hashed}"


def htpasswd_file(users: list[User], keys: StackKeys | None) -> str:
    """The file zot reads at http.auth.htpasswd.path, one line per user in config order."""
    return "".join(f"{htpasswd_line(user, keys)}\n" for user in users)
