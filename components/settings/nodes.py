"""How containerd and CRI-O on the nodes reach the cache, and the login they pull with."""

from __future__ import annotations

import ssl
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator

from components.settings.access import User, UserName, bcrypt_length
from components.settings.common import DnsLabel, Model
from components.settings.node_rules import NODE_PASSWORD_COMMAND, NODE_PASSWORD_MIN
from components.settings.upstreams import host_url


def _node_password(value: SecretStr | None) -> SecretStr | None:
    """A node login's password guards a low bcrypt cost: long and random, or refused."""
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


NodePassword = Annotated[SecretStr, AfterValidator(_node_password)]
# zot verifies bcrypt on every request, so every layer a node pulls pays it: cost 10 is ~78 ms on one core,
# cost 5 ~3 ms. The long random password (checked above) is what keeps guessing hard.
NodeBcryptCost = Annotated[int, Field(ge=4, le=14)]


class PreviousLogin(Model):
    """The node login being rotated out: still in zot's htpasswd until removed, so nodes whose files still carry
    it keep pulling through the cache. zot keeps one hash per user name (v2.1.18 `pkg/api/htpasswd.go` L53), so
    the new login needs a name of its own."""

    name: UserName
    password: NodePassword | None = None
    bcrypt_cost: NodeBcryptCost = 5

    def as_user(self) -> User:
        return User(name=self.name, password=self.password, bcrypt_cost=self.bcrypt_cost)


class PullUser(Model):
    """The login containerd or CRI-O pulls with: read-only on the mirrored namespaces."""

    name: UserName
    password: NodePassword | None = None
    bcrypt_cost: NodeBcryptCost = 5
    # Which mirror entries carry the login: only the private upstreams' (the others are pulled anonymously), or
    # all. None: private when every other mirrored namespace is anonymously readable, else all.
    scope: Literal["private", "all"] | None = None
    previous: PreviousLogin | None = None

    def as_user(self) -> User:
        return User(name=self.name, password=self.password, bcrypt_cost=self.bcrypt_cost)


class Nodes(Model):
    """How containerd and CRI-O on the nodes reach the cache; the node files in the outputs follow from it."""

    mode: Literal["nodePort", "ingress", "url"]
    url: Annotated[str, AfterValidator(host_url)] | None = None
    node_port: int | None = Field(default=None, ge=30000, le=32767)
    pull_user: PullUser | None = None
    allow_anonymous_read: list[DnsLabel] = Field(default_factory=list)
    # How nodes come to trust an https mirror's certificate; node_rules requires it where it cannot tell.
    trust: Literal["system", "ca", "skipVerify"] | None = None
    ca: str | None = None

    @field_validator("ca")
    @classmethod
    def _ca(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "-----BEGIN CERTIFICATE-----" not in value:
            raise ValueError(
                "must be the CA certificate itself (PEM, -----BEGIN CERTIFICATE-----), which the node files "
                "install; for a cert-manager certificate: kubectl get secret -n <namespace> <ingress.tlsSecretName> "
                "-o jsonpath='{.data.ca\\.crt}' | base64 -d"
            )
        try:
            # OpenSSL parses every certificate in it, as the node's TLS library would.
            ssl.create_default_context(cadata=value)
        except ssl.SSLError as exc:
            raise ValueError(f"is not a PEM certificate OpenSSL can read ({exc.reason})") from None
        return value.strip() + "\n"
