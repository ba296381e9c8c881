"""`make render`: a stack's manifests from the program itself, with placeholders for every secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import tools.offline
from components.stack_config import load_settings
from tests.harness import run_program, values_config_map
from tools import render

PROD_SECRETS = [
    "users[0].password",
    "users[1].password",
    "users[2].password",
    "registries[1].credentials.password",
    "nodes.pullUser.password",
    "storage.kubeconfig",
    "htpasswdSaltKey",
]


def rendered(stack: str, out: Path) -> dict[str, Any]:
    """File name to parsed manifest."""
    return {path.name: yaml.safe_load(path.read_text()) for path in render.render(stack, out)[0]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_renders_the_objects_the_program_creates(stack: str, tmp_path: Path) -> None:
    files = rendered(stack, tmp_path)
    app_name = {"dev": "zot", "prod": "prod01-zot"}[stack]
    # prod has metrics on: its dashboard ConfigMap comes first, the alerts' PrometheusRule after the App. Both
    # persist: the cache's volume claim comes after the ConfigMaps.
    dashboard = [f"01-configmap-{app_name}-dashboard.yaml"] if stack == "prod" else []
    first = len(dashboard)
    alerts = [f"{first + 5:02d}-prometheusrule-{app_name}-alerts.yaml"] if stack == "prod" else []
    assert list(files) == [
        *dashboard,
        f"{first + 1:02d}-configmap-{app_name}-values-rendered.yaml",
        f"{first + 2:02d}-persistentvolumeclaim-zot-pvc-zot-0.yaml",
        f"{first + 3:02d}-secret-{app_name}-secret-values-rendered.yaml",
        f"{first + 4:02d}-app-{app_name}.yaml",
        *alerts,
        "outputs.yaml",
    ]
    names = [name for name in list(files)[first : first + 4] if "-persistentvolumeclaim-" not in name]
    config_map, secret, app = (files[name] for name in names)
    outputs = files["outputs.yaml"]
    assert [config_map["kind"], secret["kind"], app["kind"]] == ["ConfigMap", "Secret", "App"]
    assert app["spec"]["userConfig"] == {
        "configMap": {"name": config_map["metadata"]["name"], "namespace": config_map["metadata"]["namespace"]},
        "secret": {"name": secret["metadata"]["name"], "namespace": secret["metadata"]["namespace"]},
    }
    # The values are the program's own, not a re-implementation of them.
    expected = yaml.safe_load(values_config_map(run_program(stack)).inputs["data"]["values"])
    assert yaml.safe_load(config_map["data"]["values"]) == expected
    assert outputs["valuesConfigMap"] == config_map["metadata"]["name"]
    assert outputs["installer"]["name"] == app_name


def test_every_prod_secret_is_a_named_placeholder(tmp_path: Path) -> None:
    files = rendered("prod", tmp_path)
    secret = next(manifest for name, manifest in files.items() if "-secret-" in name)
    values = yaml.safe_load(secret["stringData"]["values"])
    assert "placeholder-for-registries[1].credentials.password" in values["secretFiles"]["credentials"]
    assert values["metrics"]["serviceMonitor"]["basicAuth"]["password"] == "placeholder-for-users[2].password"
    header = (tmp_path / next(iter(files))).read_text().splitlines()[0]
    assert header.endswith("Placeholders: " + ", ".join(PROD_SECRETS))
    config_maps = [manifest for name, manifest in files.items() if "-configmap-" in name]
    assert config_maps
    assert "placeholder-for-" not in yaml.safe_dump(config_maps)


def test_dev_needs_no_placeholders(tmp_path: Path) -> None:
    render.render("dev", tmp_path)
    assert (tmp_path / "outputs.yaml").read_text().splitlines()[0].endswith("Placeholders: none")


def test_rendering_twice_gives_the_same_bytes_and_drops_stale_files(tmp_path: Path) -> None:
    first = {path.name: path.read_bytes() for path in render.render("prod", tmp_path)[0]}
    (tmp_path / "04-configmap-left-over.yaml").write_text("kind: ConfigMap\n")
    (tmp_path / "notes.txt").write_text("not ours")
    second = {path.name: path.read_bytes() for path in render.render("prod", tmp_path)[0]}
    assert second == first
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*first, "notes.txt"])


def test_ciphertexts_in_a_stack_file_become_placeholders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users = [
        {"name": "admin", "password": {"secure": "v1:BBBB"}},
        {"name": "robot", "htpasswd": {"secure": "v1:CCCC"}},
        {"name": "ci"},
    ]
    config = {
        "zot-cache:htpasswdSaltKey": {"secure": "v1:AAAA"},
        "zot-cache:users": users,
        "zot-cache:registries": [{"urls": ["https://docker.io"], "onDemand": True}],
        "zot-cache:accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
    }
    (tmp_path / "Pulumi.ciphered.yaml").write_text(yaml.safe_dump({"config": config}))
    monkeypatch.setattr(tools.offline, "ROOT", tmp_path)
    config, secret_keys, filled = render.placeholder_config("ciphered")
    assert config["users"] == [
        {"name": "admin", "password": "placeholder-for-users[0].password"},
        {"name": "robot", "htpasswd": render.PLACEHOLDER_HASH},
        {"name": "ci", "password": "placeholder-for-users[2].password"},
    ]
    assert config["htpasswdSaltKey"] == render.PLACEHOLDER_SALT_KEY
    assert secret_keys == {"users", "htpasswdSaltKey"}
    assert filled == ["htpasswdSaltKey", "users[0].password", "users[1].htpasswd", "users[2].password"]
    # Placeholders pass the same validation as real secrets.
    load_settings(config, secret_keys)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert render.main(["dev", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(tmp_path / "outputs.yaml")
    assert render.main([]) == 2
    assert render.main(["no-such-stack"]) == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in capsys.readouterr().err
    monkeypatch.setattr(render, "placeholder_config", lambda stack: ({"registries": []}, set(), []))
    assert render.main(["dev", str(tmp_path / "refused")]) == 1
    assert "zot-cache:registries: needs at least one upstream" in capsys.readouterr().err


def test_command_line_prints_every_warning_the_program_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = yaml.safe_load((tools.offline.ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["zot-cache:storage"] = {"persistence": False}
    document["config"]["zot-cache:strategy"] = "Recreate"
    (tmp_path / "Pulumi.warned.yaml").write_text(yaml.safe_dump(document))
    (tmp_path / "__main__.py").symlink_to(tools.offline.ROOT / "__main__.py")
    monkeypatch.setattr(tools.offline, "ROOT", tmp_path)
    monkeypatch.setattr(render, "ROOT", tmp_path)
    _, warnings = render.render("warned", tmp_path / "direct")
    assert any("storage.persistence is false" in warning for warning in warnings)
    assert render.main(["warned", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.splitlines() == [f"warning: {warning}" for warning in warnings]


def test_a_key_given_twice_in_the_stack_file_stops_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Pulumi.twice.yaml").write_text(
        "config:\n"
        "  zot-cache:registries:\n"
        "    - urls: [https://docker.io]\n"
        "      onDemand: true\n"
        "  zot-cache:zot:\n"
        "    logLevel: info\n"
        "    logLevel: debug\n"
    )
    monkeypatch.setattr(tools.offline, "ROOT", tmp_path)
    monkeypatch.setattr(render, "ROOT", tmp_path)
    assert render.main(["twice", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == (
        "Pulumi.twice.yaml line 7: key 'logLevel' is given twice (first on line 6); the Pulumi CLI refuses the "
        "file, keep one"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("platform", ["flux", "helm"])
def test_every_platform_renders(platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    document = yaml.safe_load((tools.offline.ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["zot-cache:platform"] = platform
    (tmp_path / f"Pulumi.{platform}.yaml").write_text(yaml.safe_dump(document))
    (tmp_path / "__main__.py").symlink_to(tools.offline.ROOT / "__main__.py")
    monkeypatch.setattr(tools.offline, "ROOT", tmp_path)
    written, _ = render.render(platform, tmp_path / "out")
    kinds = [yaml.safe_load(path.read_text()).get("kind") for path in written[:-1]]
    expected = {
        "flux": ["ConfigMap", "PersistentVolumeClaim", "Secret", "HelmRelease", "OCIRepository"],
        "helm": ["Namespace", "PersistentVolumeClaim", "Secret", "HelmChart", "VerticalPodAutoscaler"],
    }[platform]
    assert kinds == expected
    if platform == "helm":
        chart = yaml.safe_load(written[3].read_text())
        assert chart["spec"]["chart"] == "zot"
        assert chart["spec"]["values"]["externalSecrets"][0]["secretName"].endswith("-rendered")
