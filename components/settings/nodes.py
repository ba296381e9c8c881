"""How containerd and CRI-O on the nodes reach the cache, and the login they pull with."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator

from components.settings.access import User, UserName, bcrypt_length
from components.settings.common import DnsLabel, Model
from components.settings.node_rules import NODE_PASSWORD_COMMAND, NODE_PASSWORD_MIN
from components.settings.upstreams import host_url


class PullUser(Model):
    """The login containerd or CRI-O pulls with: read-only on the mirrored namespaces."""

    name: UserName
    password: SecretStr | None = None
    # zot verifies bcrypt on every request, so every layer a node pulls pays it: cost 10 is ~78 ms on one core,
    # cost 5 ~3 ms. The long random password (checked below) is what keeps guessing hard.
    bcrypt_cost: int = Field(default=5, ge=4, le=14)

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        length = len(value.get_secret_value())
        if length < NODE_PASSWORD_MIN:
            raise ValueError(
                f"has {length} characters; a node password needs at least {NODE_PASSWORD_MIN} random ones, because "
                f"its bcrypt cost is low (every request pays it); run {NODE_PASSWORD_COMMAND}"
            )
        if len(set(value.get_secret_value())) < NODE_PASSWORD_MIN // 2:
            # Length alone lets "aaaa...a" through; a random string of 32 has far more distinct characters.
            raise ValueError(
                f"repeats too few characters to be random (fewer than {NODE_PASSWORD_MIN // 2} different ones); "
                f"run {NODE_PASSWORD_COMMAND}"
            )
        bcrypt_length(value)
        return value

    def as_user(self) -> User:
        return User(name=self.name, password=self.password, bcrypt_cost=self.bcrypt_cost)


class Nodes(Model):
    """How containerd and CRI-O on the nodes reach the cache; the node files in the outputs follow from it."""

    mode: Literal["nodePort", "ingress", "url"]
    url: Annotated[str, AfterValidator(host_url)] | None = None
    node_port: int | None = Field(default=None, ge=30000, le=32767)
    pull_user: PullUser | None = None
    allow_anonymous_read: list[DnsLabel] = Field(default_factory=list)
    skip_verify: bool = False
    ca: str | None = None

    @field_validator("ca")
    @classmethod
    def _ca(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("/") or any(ch.isspace() or ch == '"' for ch in value)):
            raise ValueError("must be an absolute path on the node, like /etc/containerd/certs.d/zot-ca.crt")
        return value
