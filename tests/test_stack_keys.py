"""Keys derived from htpasswdSaltKey: one per purpose and per stack; the nonce that hides the Secret's checksum."""

from __future__ import annotations

import base64
import json
import os

import pytest
from pydantic import SecretStr

from components.builders.chart_values import NONCE_FILE, build_secret_values
from components.builders.stack_keys import StackKeys, hkdf_sha256
from components.settings import Settings
from components.settings.access import User
from components.settings.salt_key import decode_salt_key
from tests.harness import (
    SECRET,
    STANDIN_SECRETS,
    ProgramRun,
    run_program,
    secret_values,
    stack_config,
    standin_salt_key,
)
from tests.samples import SALT_KEY, everything_settings, keys_of, stack_settings

KEY = SecretStr(SALT_KEY)


def test_hkdf_matches_rfc_5869() -> None:
    """Test cases 1 and 3 of RFC 5869 (the first 32 bytes of their output)."""
    key = bytes([0x0B] * 22)
    case_1 = hkdf_sha256(key, bytes(range(13)), bytes(range(0xF0, 0xFA)))
    assert case_1.hex() == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
    assert hkdf_sha256(key, b"", b"").hex() == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"


def purpose_keys(keys: StackKeys) -> list[bytes]:
    return [keys.bcrypt_salt, keys.fingerprint, keys.nonce]


def test_one_key_per_purpose_none_of_them_the_salt_key() -> None:
    keys = StackKeys.derive(KEY, "zot-cache", "prod")
    assert len(set(purpose_keys(keys))) == 3
    assert decode_salt_key(SALT_KEY) not in purpose_keys(keys)
    assert all(len(key) == 32 for key in purpose_keys(keys))


@pytest.mark.parametrize(("project", "stack"), [("zot-cache", "staging"), ("other-project", "prod")])
def test_the_same_key_in_another_stack_gives_unrelated_keys(project: str, stack: str) -> None:
    prod, other = StackKeys.derive(KEY, "zot-cache", "prod"), StackKeys.derive(KEY, project, stack)
    assert not set(purpose_keys(prod)) & set(purpose_keys(other))


def test_keys_are_stable_and_never_printed() -> None:
    assert StackKeys.derive(KEY, "zot-cache", "prod") == StackKeys.derive(KEY, "zot-cache", "prod")
    keys = StackKeys.derive(KEY, "zot-cache", "prod")
    assert all(key.hex() not in repr(keys) and repr(key) not in repr(keys) for key in purpose_keys(keys))


def test_what_openssl_rand_gives_is_accepted() -> None:
    assert len(decode_salt_key(base64.b64encode(os.urandom(32)).decode())) == 32


@pytest.mark.parametrize(
    ("value", "problem"),
    [("not base64 at all", "is not base64"), (base64.b64encode(b"x" * 31).decode(), "decodes to 31 bytes")],
)
def test_weak_or_malformed_keys_are_refused(value: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        decode_salt_key(value)


# ----------------------------------------------------------------------------------------- the nonce


def nonce_of(run: ProgramRun) -> str:
    nonce: str = secret_values(run)["secretFiles"][NONCE_FILE]
    return nonce


@pytest.fixture(scope="module")
def prod_run() -> ProgramRun:
    return run_program("prod")


def test_a_secret_with_secrets_carries_a_256_bit_nonce(prod_run: ProgramRun) -> None:
    assert len(bytes.fromhex(nonce_of(prod_run))) * 8 >= 256


def test_the_nonce_is_stable_across_runs(prod_run: ProgramRun) -> None:
    assert nonce_of(run_program("prod")) == nonce_of(prod_run)


def test_the_nonce_differs_per_stack_for_the_same_config(prod_run: ProgramRun) -> None:
    assert nonce_of(run_program("staging", *stack_config("prod"))) != nonce_of(prod_run)


def test_the_nonce_comes_from_the_salt_key_not_from_what_anyone_can_read(prod_run: ProgramRun) -> None:
    """Same config, same stack, only the salt key differs: a different nonce, so nothing public derives it."""
    secrets = {**STANDIN_SECRETS["prod"], "htpasswdSaltKey": standin_salt_key("another-salt-key")}
    assert nonce_of(run_program("prod", *stack_config("prod", secrets))) != nonce_of(prod_run)


def test_the_nonce_is_only_in_the_secret(prod_run: ProgramRun) -> None:
    """Only in the Secret's stringData, which nonce_of checked reaches the engine as a Pulumi secret."""
    nonce = nonce_of(prod_run)
    inputs = [
        {key: value for key, value in r.inputs.items() if (r.type, key) != (SECRET, "stringData")}
        for r in prod_run.resources
    ]
    plain_outputs = {key: value for key, value in prod_run.outputs.items() if key not in prod_run.secret_outputs}
    assert nonce[:16] not in json.dumps([inputs, plain_outputs, prod_run.logs])
    assert nonce in json.dumps([r.inputs for r in prod_run.resources]), "the check must see the nonce where it is"


def test_no_nonce_without_secrets() -> None:
    assert build_secret_values(stack_settings("dev"), None)["secretFiles"] == {"htpasswd": ""}


def test_pre_hashed_users_alone_get_a_nonce_too() -> None:
    everything = everything_settings()
    settings = Settings(registries=[everything.registries[0].model_copy(update={"credentials": None})])
    prehashed = settings.model_copy(update={"users": [user for user in everything.users if user.htpasswd]})
    assert [user.name for user in prehashed.users] == ["ci"]
    assert NONCE_FILE in build_secret_values(prehashed, keys_of(everything))["secretFiles"]
    with pytest.raises(ValueError, match=r"Settings\.issues"):
        build_secret_values(prehashed, None)


def test_the_bcrypt_salt_differs_per_stack_for_the_same_key() -> None:
    user = User(name="alice", password=SecretStr("pw"), bcrypt_cost=4)
    settings = Settings(registries=everything_settings().registries[:1], users=[user], htpasswd_salt_key=KEY)
    lines = {build_secret_values(settings, keys_of(settings, stack))["secretFiles"]["htpasswd"] for stack in "ab"}
    assert len(lines) == 2
