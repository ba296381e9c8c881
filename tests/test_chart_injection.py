"""No config value can add objects to what the chart renders (security review: storageClassName injection).

The Giant Swarm chart writes some values raw into its templates (`storageClassName: "{{ ... }}"`). Those values are
validated for what they are, so they cannot carry YAML; the values that stay free are emitted by the chart with
`toYaml`, `quote` or `b64enc`, so they come back as they went in. Both halves are checked with real `helm template`.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pulumi
import pytest

from components.builders.chart_values import build_secret_values, build_values
from components.builders.zot_config import render_zot_config
from components.settings import Settings
from components.stack_config import load_settings
from tests.harness import set_path
from tests.helm import kinds_and_names, render, the, user_values
from tests.samples import EVERYTHING_SECRET_KEYS, everything, keys_of

# Closes the quote, starts a new document with an object of its own, and swallows the rest of the template in a
# block scalar (the `#` turns the chart's closing quote into a comment). At most 72 bytes: it is a password too.
INJECTION = 'x"\n---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: injected}\nx: | #'


def hostile_config() -> dict[str, Any]:
    """Every option on, with a StatefulSet (PVC), a storage class and a ServiceMonitor login.

    The scrape user reads /metrics only, so it is a user of its own and no defaultPolicy grants it more.
    """
    config = everything()
    config["storage"] = {"persistence": True, "size": "20Gi", "storageClass": "fast-ssd"}
    config["users"].append({"name": "scraper", "password": "scraper-password"})
    config["metrics"]["scrapeUser"] = "scraper"
    del config["accessControl"]["repositories"]["team/**"]
    return config


def hostile_base() -> Settings:
    return load_settings(hostile_config(), EVERYTHING_SECRET_KEYS)


BASELINE = [
    ("CiliumNetworkPolicy", "zot"),
    ("ConfigMap", "zot-config"),
    ("Ingress", "zot"),
    ("Secret", "zot-secret"),
    ("Secret", "zot-sm-auth"),
    ("Service", "zot"),
    ("Service", "zot-headless"),
    ("ServiceAccount", "zot"),
    ("ServiceMonitor", "zot"),
    ("StatefulSet", "zot"),
]


def test_baseline_objects() -> None:
    assert kinds_and_names(render(hostile_base())) == BASELINE


def test_the_render_sees_an_injection_that_bypasses_validation() -> None:
    """The finding, reproduced: built values patched past validation add an object of the attacker's choosing."""
    settings = hostile_base()
    values = user_values(settings)
    values["pvc"]["storageClassName"] = INJECTION
    objects = kinds_and_names(render(settings, values))
    assert ("ConfigMap", "injected") in objects
    assert len(objects) == len(BASELINE) + 1


# The pieces of YAML and Go templates an injection needs, alone and together.
PAYLOADS = [INJECTION, '"', "\n", "\n---\n", "|", ">-", "{{ .Release.Name }}", "'", "&a *a", "#"]

# Every config string the chart writes raw or that has a fixed form, with a valid value: a payload after it is
# refused.
VALIDATED = {
    "storage.storageClass": "fast-ssd",
    "storage.size": "20Gi",
    "ingress.className": "nginx",
    "ingress.clusterIssuer": "letsencrypt",
    "ingress.tlsSecretName": "zot-tls",
    "ingress.hosts[0]": "zot.example.org",
    "app.name": "mc-zot",
    "app.namespace": "registry",
    "app.chart": "zot",
    "app.version": "2.9.0",
    "app.catalog": "giantswarm",
    "app.appNamespace": "org-acme",
    "app.cluster.name": "mc",
    "app.cluster.organization": "acme",
    "registries[0].name": "hub",
    "registries[0].urls[0]": "https://docker.io",
    "resources.requests.cpu": "250m",
    "resources.limits.memory": "1536Mi",
    "resources.requests.memory": "1536Mi",
    "resources.gomemlimit": "1000MiB",
    "zot.readTimeout": "5m",
    "metrics.scrapeUser": "scraper",
}


def refused_at(config: dict[str, Any], path: str) -> None:
    with pytest.raises(pulumi.RunError) as caught:
        load_settings(config, EVERYTHING_SECRET_KEYS)
    assert f"  zot-cache:{path}: " in str(caught.value), str(caught.value)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("path", sorted(VALIDATED))
def test_validated_fields_refuse_injections(path: str, payload: str) -> None:
    config = hostile_config()
    set_path(config, path, VALIDATED[path])
    load_settings(config, EVERYTHING_SECRET_KEYS)  # valid as it stands
    set_path(config, path, f"{VALIDATED[path]}{payload}")
    refused_at(config, path)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_annotation_keys_refuse_injections(payload: str) -> None:
    config = hostile_config()
    config["ingress"]["annotations"] = {f"example.org/team{payload}": "platform"}
    refused_at(config, f"ingress.annotations[{json.dumps(f'example.org/team{payload}')}]")


def free_strings(payload: str) -> dict[str, Any]:
    """The hostile config with the payload in every string that stays free-form."""
    config = hostile_config()
    # Names that go into htpasswd lines cannot hold ':' or whitespace (refused); the rest of the payload can.
    user = "".join(char for char in f"u{payload}" if char != ":" and not char.isspace())
    config["users"][-1]["name"] = config["metrics"]["scrapeUser"] = user
    config["users"][-1]["password"] = f"p{payload}"
    config["registries"][0]["credentials"] = {"username": f"u{payload}", "password": f"p{payload}"}
    content = config["registries"][1]["content"][0]
    content["destination"] = f"/d{payload}"
    content["prefix"] = f"team/{payload}**"
    content["tags"]["excludeRegex"] = f"-rc{payload}"
    config["accessControl"]["repositories"][f"r{payload.lower()}/**"] = {"anonymousPolicy": ["read"]}
    config["ingress"]["annotations"] = {"example.org/team": f"v{payload}"}
    return config


@pytest.mark.parametrize("payload", PAYLOADS)
def test_free_strings_render_the_same_objects_and_come_back_intact(payload: str) -> None:
    settings = load_settings(free_strings(payload), EVERYTHING_SECRET_KEYS)
    manifests = render(settings)
    assert kinds_and_names(manifests) == BASELINE
    # config.json (ConfigMap, `quote`): destinations, globs, regexes, user names in policies.
    assert the(manifests, "ConfigMap")["data"]["config.json"] == render_zot_config(settings)
    # htpasswd and the sync credentials (Secret, `b64enc`): user names, registry logins and passwords.
    files = build_secret_values(settings, keys_of(settings))["secretFiles"]
    secret = the(manifests, "Secret", "-secret")["data"]
    assert {name: base64.b64decode(text).decode() for name, text in secret.items()} == files
    # The ServiceMonitor login (Secret, `print | b64enc`).
    auth = the(manifests, "Secret", "-sm-auth")["data"]
    assert base64.b64decode(auth["username"]).decode() == settings.users[-1].name
    assert base64.b64decode(auth["password"]).decode() == f"p{payload}"
    # Annotation values (Ingress, `toYaml`).
    built = build_values(settings, render_zot_config(settings))["ingress"]["annotations"]
    assert the(manifests, "Ingress")["metadata"]["annotations"] == built
    assert built["example.org/team"] == f"v{payload}"
