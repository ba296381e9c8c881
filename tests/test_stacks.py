"""`__main__.py` itself under Pulumi mocks, against the frozen example stacks in tests/fixtures, with exact
expectations. The stack files a team edits are checked generically by tests/test_your_stacks.py."""

from __future__ import annotations

import json
from typing import Any

import bcrypt
import pytest
import yaml

from components.settings.storage import program_owns_claim
from components.stack_config import load_settings
from tests.harness import (
    APP,
    CONFIG_MAP,
    SECRET,
    STANDIN_SECRETS,
    ProgramRun,
    changed_inputs,
    changed_paths,
    named,
    resource_inputs,
    run_program,
    secret_values,
    set_path,
    stack_config,
    unwrap_secret,
    values_config_map,
)
from tests.samples import stack_settings

COMPONENT = "zot-cache:index:ZotRegistry"
CLAIM = "kubernetes:core/v1:PersistentVolumeClaimPatch"


def claim(stack: str) -> list[str]:
    """The cache's volume claim, with the provider for the workload cluster it lives in, if that is not Pulumi's."""
    settings = load_settings(*stack_config(stack))
    if not program_owns_claim(settings):
        return []
    return [CLAIM, *(["pulumi:providers:kubernetes"] if settings.storage.kubeconfig else [])]


def alerts(stack: str) -> list[str]:
    """The PrometheusRule, for a stack whose alerts are on (which test_alerts.py checks)."""
    settings = load_settings(*stack_config(stack))
    on = settings.alerts.active(settings.metrics, settings.app.cluster)
    return ["kubernetes:monitoring.coreos.com/v1:PrometheusRule"] if on else []


OUTPUTS = {
    "registryUrl",
    "inClusterUrl",
    "namespace",
    "installer",
    "releaseName",
    "serviceName",
    "valuesConfigMap",
    "zotConfig",
    "secretFingerprints",
}


@pytest.fixture(scope="module", params=sorted(STANDIN_SECRETS))
def stack_run(request: pytest.FixtureRequest) -> tuple[str, ProgramRun]:
    return request.param, run_program(request.param)


def config_map_values(run: ProgramRun) -> dict[str, Any]:
    return yaml.safe_load(values_config_map(run).inputs["data"]["values"])


def dashboards(stack: str) -> list[str]:
    """The dashboard ConfigMap, in stacks with metrics on (dashboard.enabled follows metrics.enabled)."""
    settings = stack_settings(stack)
    return [CONFIG_MAP] if settings.dashboard.shipped(settings.metrics) else []


def test_creates_app_config_map_and_secret(stack_run: tuple[str, ProgramRun]) -> None:
    stack, run = stack_run
    assert sorted(r.type for r in run.resources) == sorted(
        [COMPONENT, CONFIG_MAP, SECRET, APP, *dashboards(stack), *alerts(stack), *claim(stack)]
    )


def test_app_references_the_config_map_and_secret_it_gets(stack_run: tuple[str, ProgramRun]) -> None:
    _, run = stack_run
    config_map, secret, app = values_config_map(run), run.one(SECRET), run.one(APP)
    # Auto-named: a data change creates a new object before the App is repointed and the old one deleted.
    assert "name" not in config_map.inputs["metadata"]
    assert "name" not in secret.inputs["metadata"]
    namespace = app.inputs["metadata"]["namespace"]
    assert config_map.inputs["metadata"]["namespace"] == secret.inputs["metadata"]["namespace"] == namespace
    assert app.inputs["spec"]["userConfig"] == {
        "configMap": {"name": config_map.state["metadata"]["name"], "namespace": namespace},
        "secret": {"name": secret.state["metadata"]["name"], "namespace": namespace},
    }
    assert set(config_map.inputs["data"]) == {"values"}
    assert set(unwrap_secret(secret.inputs["stringData"])) == {"values"}


def test_outputs(stack_run: tuple[str, ProgramRun]) -> None:
    stack, run = stack_run
    settings = load_settings(*stack_config(stack))
    nodes = {"nodes"} if settings.nodes else set()
    credentials = {"nodeCredentials"} if settings.nodes and settings.nodes.pull_user else set()
    assert set(run.outputs) == OUTPUTS | nodes | credentials
    # Only the node files with the pull user's login are secret; everything else is plain.
    assert run.secret_outputs == credentials
    assert json.loads(run.outputs["zotConfig"]) == json.loads(config_map_values(run)["configFiles"]["config.json"])
    assert run.outputs["valuesConfigMap"] == run.one(APP).inputs["spec"]["userConfig"]["configMap"]["name"]
    in_cluster = {
        "inClusterUrl": "http://zot.zot.svc.cluster.local:5000",
        "namespace": "zot",
        "releaseName": "zot",
        "serviceName": "zot",
    }
    expected = {
        "dev": {
            "registryUrl": in_cluster["inClusterUrl"],
            "installer": {"platform": "app", "kind": "App", "name": "zot", "namespace": "zot"},
            **in_cluster,
        },
        "prod": {
            "registryUrl": "https://zot.prod01.example.org",
            "installer": {"platform": "app", "kind": "App", "name": "prod01-zot", "namespace": "org-platform"},
            **in_cluster,
        },
    }[stack]
    assert {key: run.outputs[key] for key in expected} == expected


def test_two_runs_give_identical_inputs(stack_run: tuple[str, ProgramRun]) -> None:
    stack, first = stack_run
    assert resource_inputs(first) == resource_inputs(run_program(stack))


def test_stand_in_secrets_stay_in_the_secret(stack_run: tuple[str, ProgramRun]) -> None:
    stack, run = stack_run
    standins = list(STANDIN_SECRETS.get(stack, {}).values())
    plain_outputs = {key: value for key, value in run.outputs.items() if key not in run.secret_outputs}
    clear = json.dumps([r.inputs for r in run.resources if r.type != SECRET]) + json.dumps(plain_outputs)
    clear += json.dumps(run.logs) + json.dumps(run.one(SECRET).inputs["metadata"])
    for standin in standins:
        assert standin not in clear
    if stack == "prod":
        files = secret_values(run)["secretFiles"]
        assert json.loads(files["credentials"]) == {
            "my-registry.example.org": {"username": "my-user", "password": "standin-registry-token"}
        }
        passwords = {
            "admin": "standin-admin-password",
            "reader": "standin-reader-password",
            "metrics": "standin-metrics-password",
            "node-pull": "standin-node-pull-password-0123456789",
        }
        for line in files["htpasswd"].splitlines():
            user, hashed = line.split(":", 1)
            assert bcrypt.checkpw(passwords[user].encode(), hashed.encode())


def test_dev_secret_values_only_clear_the_sample_htpasswd() -> None:
    assert secret_values(run_program("dev")) == {"secretFiles": {"htpasswd": ""}}


def _changed(stack: str, path: str, value: Any) -> dict[str, set[str]]:
    """For each resource whose inputs differ after one config change: the input paths that differ."""
    config, secret_keys = stack_config(stack)
    before = run_program(stack, config, secret_keys)
    set_path(config, path, value)
    after = run_program(stack, config, secret_keys)
    return {
        key.split("::")[0]: changed_paths(named(before, key).inputs, named(after, key).inputs)
        for key in changed_inputs(before, after)
    }


def test_a_value_change_replaces_the_config_map_and_repoints_the_app() -> None:
    assert _changed("prod", "zot.logLevel", "debug") == {
        CONFIG_MAP: {"data.values"},
        APP: {"spec.userConfig.configMap.name"},
    }


def test_an_app_change_touches_only_the_app() -> None:
    assert _changed("dev", "app.version", "2.9.1") == {APP: {"spec.version"}}


def test_preview_runs_with_unknown_names() -> None:
    run = run_program("prod", preview=True)
    assert sorted(r.type for r in run.resources) == sorted(
        [COMPONENT, CONFIG_MAP, SECRET, APP, *dashboards("prod"), *alerts("prod"), *claim("prod")]
    )


def test_render_mode_uses_a_rendering_provider_and_warns() -> None:
    config, secret_keys = stack_config("dev")
    run = run_program("dev", {**config, "renderYamlToDirectory": "rendered/dev"}, secret_keys)
    provider = run.one("pulumi:providers:kubernetes")
    assert provider.inputs["renderYamlToDirectory"] == "rendered/dev"
    for resource in run.resources:
        if resource.type in (CONFIG_MAP, SECRET, APP):
            assert resource.provider is not None
            assert "pulumi:providers:kubernetes::render" in resource.provider
    assert any("render mode" in message and "clear text" in message for message in run.logs)


def test_normal_mode_uses_the_default_provider() -> None:
    run = run_program("dev")
    assert not [r for r in run.resources if r.type == "pulumi:providers:kubernetes"]
