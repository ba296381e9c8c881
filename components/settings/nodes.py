"""How containerd and CRI-O on the nodes reach the cache, and the login they pull with."""

from __future__ import annotations

import re
import ssl
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, SecretStr, field_validator, model_validator

from components.settings.access import User, UserName, bcrypt_length
from components.settings.common import DnsLabel, Model
from components.settings.node_rules import NODE_PASSWORD_COMMAND, NODE_PASSWORD_MIN
from components.settings.upstreams import host_url


def _checked_password(value: SecretStr | None, fix: str) -> SecretStr | None:
    """A node login's password guards a low bcrypt cost: long and random, or refused with `fix`."""
    if value is None:
        return value
    length = len(value.get_secret_value())
    if length < NODE_PASSWORD_MIN:
        raise ValueError(
            f"has {length} characters; a node password needs at least {NODE_PASSWORD_MIN} random ones, because "
            f"its bcrypt cost is low (every request pays it); {fix}"
        )
    if len(set(value.get_secret_value())) < NODE_PASSWORD_MIN // 2:
        # Length alone lets "aaaa...a" through; a random string of 32 has far more distinct characters.
        raise ValueError(
            f"repeats too few characters to be random (fewer than {NODE_PASSWORD_MIN // 2} different ones); {fix}"
        )
    bcrypt_length(value)
    return value


def _node_password(value: SecretStr | None) -> SecretStr | None:
    return _checked_password(value, f"run {NODE_PASSWORD_COMMAND}")


def _previous_password(value: SecretStr | None) -> SecretStr | None:
    # Not the new-password command: that would overwrite the current login instead of restoring the old one.
    return _checked_password(
        value, "it must be the password the nodes' files carry now (nodes.pullUser.password before this rotation)"
    )


NodePassword = Annotated[SecretStr, AfterValidator(_node_password)]
PreviousPassword = Annotated[SecretStr, AfterValidator(_previous_password)]
# zot verifies bcrypt on every request, so every layer a node pulls pays it: cost 10 is ~78 ms on one core,
# cost 5 ~3 ms. The long random password (checked above) is what keeps guessing hard.
NodeBcryptCost = Annotated[int, Field(ge=4, le=14)]


class PreviousLogin(Model):
    """The node login being rotated out: still in zot's htpasswd until removed, so nodes whose files still carry
    it keep pulling through the cache. zot keeps one hash per user name (v2.1.18 `pkg/api/htpasswd.go` L53), so
    the new login needs a name of its own."""

    name: UserName
    password: PreviousPassword | None = None
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

    @model_validator(mode="after")
    def _a_new_password(self) -> PullUser:
        old = self.previous.password if self.previous else None
        if old is not None and self.password is not None and old.get_secret_value() == self.password.get_secret_value():
            raise ValueError(
                f"previous.password is the same as password: a rotation gives the nodes a new one; run "
                f"{NODE_PASSWORD_COMMAND}"
            )
        return self


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
                "install; for a cert-manager CA issuer, from its own Secret: see docs/nodes.md, Trusting the "
                "mirror's certificate"
            )
        # The value goes to every node and into the plain nodes output: a private key pasted with the certificate
        # (a tls.key, a combined PEM) would be published. OpenSSL's cadata skips such blocks, so look for them.
        others = sorted(set(re.findall(r"-----BEGIN ([A-Z0-9 ]+)-----", value)) - {"CERTIFICATE"})
        if others:
            raise ValueError(
                f"holds a PEM block other than a certificate ({', '.join(others)}), which every node and the plain "
                "nodes output would publish; keep only the CA certificate's -----BEGIN CERTIFICATE----- block"
            )
        try:
            # OpenSSL parses every certificate in it, as the node's TLS library would.
            ssl.create_default_context(cadata=value)
        except ssl.SSLError as exc:
            raise ValueError(f"is not a PEM certificate OpenSSL can read ({exc.reason})") from None
        return value.strip() + "\n"
