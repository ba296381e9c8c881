"""Who can log in and what each login (or a client without one) may do: users and accessControl."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator

from components.settings.common import Model, RepositoryGlob

Action = Literal["read", "create", "update", "delete"]

_HTPASSWD_HASH = re.compile(
    r"^(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$[56]\$(rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+)$"
)


def _user_name(value: str) -> str:
    if not value or ":" in value or any(ch.isspace() for ch in value):
        # Not echoed: a pasted "user:password" line would print the password.
        raise ValueError("cannot be an htpasswd user name: it must be non-empty, without ':' or spaces")
    return value


UserName = Annotated[str, AfterValidator(_user_name)]


def bcrypt_length(value: SecretStr) -> None:
    """bcrypt reads only the first 72 bytes: a longer password would pass with any tail."""
    if len(value.get_secret_value().encode()) > 72:
        raise ValueError("is longer than 72 bytes, and bcrypt only uses the first 72; use a shorter password")


# What a login may do besides read.
WRITE_ACTIONS = ("create", "update", "delete")


class User(Model):
    name: UserName
    password: SecretStr | None = None
    htpasswd: SecretStr | None = None
    # zot checks the hash on every request and we hash on every run: above 14 both get slow (seconds).
    bcrypt_cost: int = Field(default=10, ge=4, le=14)

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("is empty; set a password")
        if value is not None:
            bcrypt_length(value)
        return value

    @field_validator("htpasswd")
    @classmethod
    def _hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _HTPASSWD_HASH.fullmatch(value.get_secret_value()):
            raise ValueError(
                "is not a hash zot reads; give only the hash part of an htpasswd line "
                "(bcrypt $2y$/$2b$/$2a$, or crypt $5$/$6$), e.g. from `htpasswd -nbB user pw`"
            )
        return value


class Policy(Model):
    users: list[UserName] = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)


class RepositoryAccess(Model):
    policies: list[Policy] = Field(default_factory=list)
    default_policy: list[Action] = Field(default_factory=list)
    anonymous_policy: list[Action] = Field(default_factory=list)

    def grants_read(self, authenticated: bool) -> bool:
        if not authenticated:
            return "read" in self.anonymous_policy
        return "read" in self.default_policy or any("read" in p.actions for p in self.policies)


class AccessControl(Model):
    repositories: dict[RepositoryGlob, RepositoryAccess] = Field(default_factory=dict)
    admin_policy: Policy | None = None
    # Our key, not zot's: the globs whose anonymousPolicy may write, named one by one so it is never an accident.
    allow_anonymous_write: list[RepositoryGlob] = Field(default_factory=list)

    @property
    def anonymous_only(self) -> bool:
        return self.admin_policy is None and all(
            not access.policies and not access.default_policy for access in self.repositories.values()
        )

    @property
    def configured(self) -> bool:
        return bool(self.repositories) or self.admin_policy is not None
