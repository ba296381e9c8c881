"""Hostile values for the keys issue 16 closed: each is refused by key (or, where the value is fine, accepted), and
the engine or tool that reads the value downstream agrees."""

from __future__ import annotations

import base64
import secrets
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.builders.alerts import prometheus_rule_spec
from components.settings.alerts import Alerts
from components.stack_config import load_settings
from tests.programs import require_program
from tests.settings.configs import (
    ADMIN,
    SCRAPED,
    SECRET_KEYS,
    active,
    assert_reports,
    pulled_by_node_user,
    refusal,
    variant,
    with_tags,
    with_users,
)
from tests.test_alerts import promtool, rules_file

# What Go's regexp (RE2 syntax) refuses, so zot v2.1.18 would refuse the config; the reason RE2 gives.
NOT_RE2 = [
    ("^(?=v)", "invalid perl operator: (?="),  # look-ahead
    ("^(?!rc)", "invalid perl operator: (?!"),
    ("(?<=v)1", "invalid perl operator: (?<="),  # look-behind
    ("(?<!v)1", "invalid perl operator: (?<!"),
    (r"(a)\1", r"invalid escape sequence: \1"),  # back-reference
    ("(?P<n>a)(?P=n)", "invalid perl operator: (?P"),  # named back-reference
    ("(?>a)", "invalid perl operator: (?>"),  # atomic group
    ("a++", "bad repetition operator: ++"),  # possessive
    ("a{1001}", "invalid repetition size: {1001}"),
    (r"\Z", r"invalid escape sequence: \Z"),
    (r"v\C", r"invalid escape sequence: \C"),  # RE2 (C++) has it, Go's regexp does not
    ("^(6", "missing ): ^(6"),
]
# Go's RE2 syntax that Python's re reads differently or not at all: all accepted.
RE2 = [r"^v?\d+\.\d+$", r"\pL+", r"[[:alpha:]]+", r"\Qv1.2\E", r"(?U)a+", "(?<major>[0-9]+)", "a{1000}", r"\\C"]


def sync_tags(regex: str, key: str) -> dict[str, Any]:
    return variant(registries=[active(content=with_tags(**{key: regex}))])


def keep_tags(regex: str) -> dict[str, Any]:
    return variant(retention={"policies": [{"repositories": ["**"], "keepTags": [{"patterns": [regex]}]}]})


@pytest.mark.parametrize(("regex", "reason"), NOT_RE2, ids=[r for r, _ in NOT_RE2])
def test_tag_regexes_that_go_refuses_are_refused_by_key(regex: str, reason: str) -> None:
    for key in ("regex", "excludeRegex"):
        assert_reports(refusal(sync_tags(regex, key)), f"registries[0].content[0].tags.{key}", reason)
    assert_reports(refusal(keep_tags(regex)), "retention.policies[0].keepTags[0].patterns[0]", reason)
    assert_reports(refusal(variant(retention={"keepTags": [regex]})), "retention.keepTags[0]", reason)


@pytest.mark.parametrize("regex", RE2)
def test_tag_regexes_in_go_syntax_are_accepted(regex: str) -> None:
    load_settings(sync_tags(regex, "regex"), set())
    load_settings(sync_tags(regex, "excludeRegex"), set())
    load_settings(keep_tags(regex), set())


# (value, what the refusal says): issue 16's template injections, a published token, values that are no http URL.
HOSTILE_RUNBOOKS = [
    ("https://wiki.example.org/{{", "Prometheus expands every annotation as a Go template"),
    ('https://wiki.example.org/?x={{"count(up==0)"|query|first|value}}', "'{{' runs code"),
    ("https://wiki.example.org/}}", "percent-encode them"),
    ("https://wiki.example.org/{{- /* */ -}}", "percent-encode them"),
    ("https://wiki.example.org/a b", "like spaces"),
    ("https://wiki.example.org/\u00e9", "RFC 3986"),
    ("https://wiki.example.org/README.md\n", "RFC 3986"),
    ("https://robot:s3cr3t-token@wiki.example.org/README.md", "a user or token before '@'"),
    ("https://s3cr3t-token@wiki.example.org/README.md", "a user or token before '@'"),
    ("ssh://git:s3cr3t-token@git.example.org/README.md", "is not an http(s) URL"),
    ("javascript:alert(s3cr3t-token)", "is not an http(s) URL"),
    ("docs/s3cr3t-token/README.md", "is not an http(s) URL"),
    ("https:///README.md", "is not an http(s) URL"),
    ("https://wiki.example.org/README.md#alerts", "must not hold '#'"),
    ("https://wiki_example!/README.md", "no valid host name"),
]
RUNBOOKS = [
    "https://git.example.org/platform/zot-cache/blob/main/README.md",
    "http://10.0.0.7:8080/README.md",
    "https://wiki.example.org/runbooks?page=zot&x=%7B%7B%22count(up%3D%3D0)%22%7D%7D",
    "docs/operations.md",
]


def with_runbooks(value: str) -> dict[str, Any]:
    return variant(metrics=SCRAPED, alerts={"enabled": True, "runbookBaseUrl": value})


@pytest.mark.parametrize(("value", "fragment"), HOSTILE_RUNBOOKS, ids=[v for v, _ in HOSTILE_RUNBOOKS])
def test_runbook_urls_prometheus_would_expand_or_that_publish_a_token_are_refused(value: str, fragment: str) -> None:
    message = refusal(with_runbooks(value))
    assert_reports(message, "alerts.runbookBaseUrl", fragment)
    assert value not in message
    assert "s3cr3t" not in message


@pytest.mark.parametrize("value", RUNBOOKS)
def test_promtool_accepts_the_rules_an_accepted_runbook_url_gives(tmp_path: Path, value: str) -> None:
    spec = prometheus_rule_spec(load_settings(with_runbooks(value), set()))
    urls = {rule["annotations"]["runbook_url"] for group in spec["groups"] for rule in group["rules"]}
    assert urls
    assert all(url.startswith(value + "#zotcache") for url in urls)
    result = promtool("check", "rules", str(rules_file(tmp_path, spec)))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rejects_the_whole_file_for_the_refused_delimiter(tmp_path: Path) -> None:
    """Why the delimiter is refused: past validation, one '{{' loses every alert."""
    settings = load_settings(with_runbooks(RUNBOOKS[0]), set())
    broken = Alerts.model_construct(**{**dict(settings.alerts), "runbook_base_url": "https://wiki.example.org/{{"})
    spec = prometheus_rule_spec(settings.model_copy(update={"alerts": broken}))
    result = promtool("check", "rules", str(rules_file(tmp_path, spec)))
    assert result.returncode != 0
    assert "runbook_url" in result.stdout + result.stderr


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# Keys of the right length that are not random: each fails the entropy floor (settings/salt_key.py).
WEAK_SALT_KEYS = {
    "zero-bytes": (_b64(bytes(32)), "fewer than 16 distinct byte values"),
    "one-letter": (_b64(b"a" * 32), "fewer than 16 distinct byte values"),
    "padded-changeme": (_b64(b"changeme".ljust(32, b".")), "fewer than 16 distinct byte values"),
    "padded-changeme-zeros": (_b64(b"changeme".ljust(48, b"\0")), "fewer than 16 distinct byte values"),
    "counting-text": (_b64(b"0123456789abcdef0123456789abcdef"), "printable text"),
    "passphrase": (_b64(b"correct horse battery staple 1234"), "printable text"),
    "repeated-random": (_b64(bytes(range(200, 215)) * 4), "fewer than 16 distinct byte values"),
}


@pytest.mark.parametrize("name", WEAK_SALT_KEYS)
def test_salt_keys_that_are_not_random_are_refused(name: str) -> None:
    key, fragment = WEAK_SALT_KEYS[name]
    with pytest.raises(pulumi.RunError) as refused:
        load_settings(with_users([ADMIN], htpasswdSaltKey=key), SECRET_KEYS, stack="prod")
    message = str(refused.value)
    assert_reports(message, "htpasswdSaltKey", fragment)
    assert_reports(
        message, "htpasswdSaltKey", 'pulumi config set --stack prod --secret htpasswdSaltKey "$(openssl rand'
    )
    assert key not in message


def test_keys_openssl_makes_pass_the_floor() -> None:
    openssl = require_program("openssl", "openssl")
    for _ in range(20):
        made = subprocess.run([openssl, "rand", "-base64", "32"], capture_output=True, text=True, check=True)
        load_settings(with_users([ADMIN], htpasswdSaltKey=made.stdout.strip()), {"users", "htpasswdSaltKey"})
    load_settings(with_users([ADMIN], htpasswdSaltKey=_b64(secrets.token_bytes(64))), {"users", "htpasswdSaltKey"})


PLAIN_INGRESS: dict[str, Any] = {"enabled": True, "hosts": ["zot.example.org"], "tls": False}


def test_logins_over_a_plain_http_ingress_are_refused() -> None:
    """Humans (admin: push and delete) and the node pull user alike: one rule, at the key that fixes it."""
    humans = refusal(with_users([ADMIN], ingress=PLAIN_INGRESS))
    assert_reports(humans, "ingress.tls", "is false while users log in (admin): over http the password would travel")
    assert_reports(humans, "ingress.tls", "set ingress.tls: true")
    nodes = refusal(pulled_by_node_user(ingress=PLAIN_INGRESS))
    assert_reports(nodes, "ingress.tls", "users log in (node-pull)")


def test_without_logins_or_outside_the_ingress_plain_http_stays() -> None:
    """Anonymous pulls over a plain-http ingress send no password; a NodePort or ClusterIP is the cluster's and the
    nodes' network (README, Security), where anonymous node pulls go."""
    load_settings(variant(ingress=PLAIN_INGRESS), set())
    load_settings(with_users([ADMIN], service={"type": "NodePort"}), {"users", "htpasswdSaltKey"})
    load_settings(with_users([ADMIN], ingress={**PLAIN_INGRESS, "tls": True}), {"users", "htpasswdSaltKey"})
