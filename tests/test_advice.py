"""Warnings for settings that work but weaken a secret: said in every preview, never silently accepted."""

from __future__ import annotations

from typing import Any

import pytest

from components.builders import advice
from tests.harness import STANDIN_SECRETS, run_program, set_path, stack_config
from tests.samples import everything, everything_settings

CREDENTIALS = {"username": "me", "password": "token"}


def registry(**fields: Any) -> dict[str, Any]:
    return {"name": "mirror", "urls": ["https://mirror.example.org"], "onDemand": True, **fields}


def warnings_for(**fields: Any) -> list[str]:
    return advice.warnings(everything_settings(registries=[registry(**fields)]))


def about(warnings: list[str], fragment: str) -> list[str]:
    return [warning for warning in warnings if fragment in warning]


@pytest.mark.parametrize(
    ("fields", "warned"),
    [
        ({"urls": ["http://mirror.example.org"], "credentials": CREDENTIALS}, True),
        ({"urls": ["https://mirror.example.org", "http://mirror.example.org:8080"], "credentials": CREDENTIALS}, True),
        ({"credentials": CREDENTIALS}, False),
        ({"urls": ["http://mirror.example.org"]}, False),
    ],
    ids=["http", "one-url-of-two", "https", "http-without-credentials"],
)
def test_credentials_over_http_are_called_out(fields: dict[str, Any], warned: bool) -> None:
    found = about(warnings_for(**fields), "over http://")
    assert bool(found) == warned
    if warned:
        assert len(found) == 1
        assert found[0].startswith("registries[0].credentials go over http://, so the token travels in clear text")
        assert "https://" not in found[0].removesuffix("use https://"), "names the http:// URLs only"


@pytest.mark.parametrize(
    ("fields", "warned"),
    [
        ({"tlsVerify": False, "credentials": CREDENTIALS}, True),
        ({"tlsVerify": True, "credentials": CREDENTIALS}, False),
        ({"tlsVerify": False}, False),
    ],
    ids=["unverified", "verified", "unverified-without-credentials"],
)
def test_credentials_to_an_unverified_host_are_called_out(fields: dict[str, Any], warned: bool) -> None:
    found = about(warnings_for(**fields), "tlsVerify: false")
    assert bool(found) == warned
    if warned:
        assert found[0].startswith("registries[0].credentials go to a host whose certificate zot does not check")


@pytest.mark.parametrize(("cost", "warned"), [(4, True), (9, True), (10, False), (12, False)])
def test_a_low_bcrypt_cost_is_called_out(cost: int, warned: bool) -> None:
    users = [{"name": "admin", "password": "admin-password", "bcryptCost": cost}, everything()["users"][1]]
    found = about(advice.warnings(everything_settings(users=users)), "bcryptCost")
    assert bool(found) == warned
    if warned:
        assert found == [
            f"users[0].bcryptCost is {cost}: a leaked htpasswd line is cheap to guess below 10; a low cost is "
            "acceptable only for machine users with long random passwords, never for people's logins"
        ]


def test_the_warnings_reach_the_preview() -> None:
    config, secret_keys = stack_config("prod", STANDIN_SECRETS["prod"])
    set_path(config, "users[0].bcryptCost", 4)
    set_path(config, "registries[1].tlsVerify", False)
    logs = run_program("prod", config, secret_keys, preview=True).logs
    assert about(logs, "users[0].bcryptCost is 4")
    assert about(logs, "registries[1].credentials go to a host whose certificate")


# ci reads everywhere, admin is the adminPolicy; nothing grants every login something (no defaultPolicy).
CI_AND_ANONYMOUS_READ = {"**": {"policies": [{"users": ["ci"], "actions": ["read"]}], "anonymousPolicy": ["read"]}}
NAMED_ONLY = {"repositories": CI_AND_ANONYMOUS_READ, "adminPolicy": {"users": ["admin"], "actions": ["read", "delete"]}}
IDLE = {"name": "idle", "password": "idle-password"}


def idle_warnings(access: dict[str, Any], **changes: Any) -> list[str]:
    """The warning about a user nothing grants anything, with `access` as accessControl."""
    settings = everything_settings(users=[*everything()["users"], IDLE], accessControl=access, **changes)
    return about(advice.warnings(settings), "is named by no accessControl policy")


def test_a_user_no_policy_names_is_called_out() -> None:
    assert idle_warnings(NAMED_ONLY) == [
        "users[2] (idle) is named by no accessControl policy or adminPolicy, and no glob has a defaultPolicy: it can "
        "log in and zot refuses whatever it asks (a login does not get the anonymousPolicy); name it in the policies "
        'of the globs it should use, like accessControl.repositories["**"].policies, or remove it'
    ]


@pytest.mark.parametrize(
    ("access", "changes"),
    [
        ({**NAMED_ONLY, "repositories": {**CI_AND_ANONYMOUS_READ, "team/**": {"defaultPolicy": ["read"]}}}, {}),
        (NAMED_ONLY, {"metrics": {"enabled": True, "serviceMonitor": True, "scrapeUser": "idle"}}),
        ({**NAMED_ONLY, "adminPolicy": {"users": ["admin", "idle"], "actions": ["read"]}}, {}),
    ],
    ids=["a-default-policy-grants-every-login", "scrape-user", "admin"],
)
def test_a_user_some_rule_covers_is_not(access: dict[str, Any], changes: dict[str, Any]) -> None:
    assert idle_warnings(access, **changes) == []
