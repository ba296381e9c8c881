"""Secret fingerprints: rotating a secret changes the Secret and one plain output, and nothing else."""

from __future__ import annotations

import hashlib
import json

import bcrypt
import pytest
from pydantic import SecretStr

from components.builders.fingerprints import secret_fingerprints
from components.settings import Settings
from components.settings.access import User
from components.settings.upstreams import Credentials, Registry
from tests.harness import (
    APP,
    SECRET,
    STANDIN_SECRETS,
    ProgramRun,
    changed_inputs,
    changed_outputs,
    changed_paths,
    run_program,
    secret_values,
    stack_config,
    standin_salt_key,
)
from tests.samples import everything_settings, keys_of, stack_settings

HUB = Registry(name="hub", urls=["https://docker.io"], on_demand=True)


def with_registry_password(settings: Settings, password: str) -> Settings:
    registry = Registry(
        name="hub",
        urls=["https://docker.io"],
        on_demand=True,
        credentials=Credentials(username="me", password=SecretStr(password)),
    )
    return settings.model_copy(update={"registries": [registry]})


def test_one_fingerprint_per_user_and_per_registry_with_credentials() -> None:
    settings = everything_settings()
    fingerprints = secret_fingerprints(settings, keys_of(settings))
    assert set(fingerprints) == {"users", "registries"}
    assert set(fingerprints["users"]) == {"admin", "ci"}
    assert set(fingerprints["registries"]) == {"hub", "internal"}
    for digest in [*fingerprints["users"].values(), *fingerprints["registries"].values()]:
        assert len(digest) == 16
        int(digest, 16)


def test_no_secrets_no_fingerprints() -> None:
    assert secret_fingerprints(stack_settings("dev"), None) == {"users": {}, "registries": {}}


def test_fingerprints_are_stable() -> None:
    first, second = everything_settings(), everything_settings()
    assert secret_fingerprints(first, keys_of(first)) == secret_fingerprints(second, keys_of(second))


def test_a_pre_hashed_user_is_fingerprinted_by_its_line() -> None:
    prehashed = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()
    other = bcrypt.hashpw(b"pw", bcrypt.gensalt(4)).decode()  # same password, new salt: a new line
    settings = Settings(registries=[HUB], users=[User(name="ci", htpasswd=SecretStr(prehashed))])
    rehashed = settings.model_copy(update={"users": [User(name="ci", htpasswd=SecretStr(other))]})
    assert secret_fingerprints(settings, None)["users"]["ci"] != secret_fingerprints(rehashed, None)["users"]["ci"]


def test_registry_fingerprint_is_keyed_and_follows_the_password() -> None:
    base = with_registry_password(everything_settings(), "token-one")
    digest = secret_fingerprints(base, keys_of(base))["registries"]["hub"]
    changed = with_registry_password(everything_settings(), "token-two")
    assert secret_fingerprints(changed, keys_of(changed))["registries"]["hub"] != digest
    rekeyed = base.model_copy(update={"htpasswd_salt_key": SecretStr(standin_salt_key("another-salt-key"))})
    assert secret_fingerprints(rekeyed, keys_of(rekeyed))["registries"]["hub"] != digest
    # The same key in another stack keys its fingerprints differently.
    assert secret_fingerprints(base, keys_of(base, "other-stack"))["registries"]["hub"] != digest
    # Not a plain hash of the password that a guess could be checked against.
    assert digest not in hashlib.sha256(b"token-one").hexdigest()


def test_registry_credentials_without_a_key_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match=r"Settings\.issues"):
        secret_fingerprints(with_registry_password(everything_settings(), "token"), None)


# ------------------------------------------------------------------------------- whole program, rotated

PROD_SECRET = f"{SECRET}::prod01-zot-secret-values"
PROD_APP = f"{APP}::prod01-zot-app"
ROTATIONS = {
    "users[0].password": {"users": {"admin"}, "registries": set()},
    "users[1].password": {"users": {"reader"}, "registries": set()},
    "users[2].password": {"users": {"metrics"}, "registries": set()},
    "registries[1].credentials.password": {"users": set(), "registries": {"my-registry"}},
    "nodes.pullUser.password": {"users": {"node-pull"}, "registries": set()},
    # A new salt key rehashes every password; the registry digest is keyed with it too.
    "htpasswdSaltKey": {"users": {"admin", "reader", "metrics", "node-pull"}, "registries": {"my-registry"}},
}


@pytest.fixture(scope="module")
def prod_run() -> ProgramRun:
    return run_program("prod")


def rotated(path: str) -> ProgramRun:
    new = standin_salt_key("rotated") if path == "htpasswdSaltKey" else f"rotated-standin-{path}-0123456789"
    secrets = {**STANDIN_SECRETS["prod"], path: new}
    return run_program("prod", *stack_config("prod", secrets))


@pytest.mark.parametrize("path", list(ROTATIONS))
def test_rotation_changes_the_secret_and_its_fingerprint_only(prod_run: ProgramRun, path: str) -> None:
    after = rotated(path)
    # The new Secret replaces the old one under a new name, and the App follows it; nothing else changes.
    assert changed_inputs(prod_run, after) == {PROD_SECRET, PROD_APP}
    # ".value": the values sit inside Pulumi's secret wrapper.
    assert changed_paths(prod_run.one(SECRET).inputs, after.one(SECRET).inputs) == {"stringData.value.values"}
    assert changed_paths(prod_run.one(APP).inputs, after.one(APP).inputs) == {"spec.userConfig.secret.name"}
    # The nodes' files carry the pull user's login, so they follow its password (a secret output, shown as such).
    follows = {"nodeCredentials"} if path == "nodes.pullUser.password" else set()
    assert changed_outputs(prod_run, after) == {"secretFingerprints", *follows}
    before_prints, after_prints = prod_run.outputs["secretFingerprints"], after.outputs["secretFingerprints"]
    for group, names in ROTATIONS[path].items():
        assert {
            name for name in before_prints[group] if before_prints[group][name] != after_prints[group][name]
        } == names
    # Reviewers can read it: a plain output, not `[secret]`.
    assert "secretFingerprints" not in after.secret_outputs


def test_rotated_password_logs_in_and_follows_into_the_scrape_login(prod_run: ProgramRun) -> None:
    after = rotated("users[2].password")
    new_password = "rotated-standin-users[2].password-0123456789"
    files = secret_values(after)["secretFiles"]
    scraper = next(line for line in files["htpasswd"].splitlines() if line.startswith("metrics:"))
    assert bcrypt.checkpw(new_password.encode(), scraper.split(":", 1)[1].encode())
    assert not bcrypt.checkpw(STANDIN_SECRETS["prod"]["users[2].password"].encode(), scraper.split(":", 1)[1].encode())
    # metrics is metrics.scrapeUser: the ServiceMonitor's login must follow, in the same Secret.
    assert secret_values(after)["metrics"] == {
        "serviceMonitor": {"basicAuth": {"username": "metrics", "password": new_password}}
    }


def test_fingerprints_reveal_no_secret(prod_run: ProgramRun) -> None:
    shown = json.dumps(prod_run.outputs["secretFingerprints"])
    for secret in STANDIN_SECRETS["prod"].values():
        assert secret not in shown
        assert hashlib.sha256(secret.encode()).hexdigest()[:16] not in shown
