"""htpasswd lines with bcrypt whose salt is derived from secret material, so unchanged passwords give no diff."""

from __future__ import annotations

import base64
import hashlib
import hmac

import bcrypt

from components.settings import User

_STANDARD_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT_B64 = bytes.maketrans(_STANDARD_B64, _BCRYPT_B64)


def _salt(salt_key: str, user: str, password: str, cost: int) -> bytes:
    """A bcrypt salt from HMAC(salt key; user, cost, password): stable per input, unguessable without the key.

    The key, not the password alone, seeds it: a salt derived only from the password would be a fast
    (SHA-256) oracle for guessing it, defeating bcrypt's cost.
    """
    message = b"\0".join([b"zot-cache/htpasswd/v1", user.encode(), str(cost).encode(), password.encode()])
    digest = hmac.new(salt_key.encode(), message, hashlib.sha256).digest()[:16]
    encoded = base64.b64encode(digest).rstrip(b"=").translate(_TO_BCRYPT_B64)
    return b"$2b$%02d$" % cost + encoded


def bcrypt_hash(user: str, password: str, cost: int, salt_key: str) -> str:
    """`$2y$` like Apache's htpasswd -B writes: the same algorithm as `$2b$`, and every reader accepts it."""
    hashed = bcrypt.hashpw(password.encode(), _salt(salt_key, user, password, cost)).decode()
    return "$2y$" + hashed[4:]


def htpasswd_file(users: list[User], salt_key: str | None) -> str:
    """The file zot reads at http.auth.htpasswd.path, one `user:hash` line per user in config order."""
    lines = []
    for user in users:
        if user.htpasswd is not None:
            lines.append(f"{user.name}:{user.htpasswd.get_secret_value()}")
        elif user.password is None:
            raise ValueError(f"user {user.name!r} has neither password nor htpasswd; Settings.issues() reports this")
        elif salt_key is None:
            raise ValueError(f"user {user.name!r} has a password but no salt key; Settings.issues() reports this")
        else:
            password = user.password.get_secret_value()
            lines.append(f"{user.name}:{bcrypt_hash(user.name, password, user.bcrypt_cost, salt_key)}")
    return "".join(f"{line}\n" for line in lines)
