"""`make render`: a stack's manifests from the program itself, with placeholders for every secret.

Renders run on copies in a temporary folder: the harness's stack configs (frozen fixtures) or configs of the tests'
own, never the user's stack files, except where every stack file there is rendered as it stands.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import tools.offline
from components.stack_config import PROJECT, load_settings
from tests.harness import ROOT, run_program, stack_config, stacks, values_config_map
from tests.helm import helm_binary, helm_template, kinds_and_names
from tests.reference import chart_dir
from tools import render

FIXTURE_STACKS = ("dev", "prod")
PLATFORMS = ("app", "flux", "helm")
UPSTREAM_CHART = "project-zot-zot-0.1.122"
# What the harness writes for a `secure:` value it cannot decrypt (tests/harness.py, stack_config).
STANDIN_SECURE = "standin-secure-"


def as_stack_file(config: dict[str, Any]) -> str:
    """A stack file holding `config` under the project's namespace, with the harness's stand-ins for `secure:`
    values turned back into ciphertexts, as the user's file would hold them."""

    def secure(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(STANDIN_SECURE):
            return {"secure": "v1:AAAA"}
        if isinstance(value, dict):
            return {key: secure(item) for key, item in value.items()}
        if isinstance(value, list):
            return [secure(item) for item in value]
        return value

    return yaml.safe_dump({"config": {f"{PROJECT}:{key}": secure(value) for key, value in config.items()}})


def fixture(stack: str, platform: str | None = None) -> str:
    """The harness's config of `stack` as a stack file without its secrets (render fills them), on `platform`."""
    config, _ = stack_config(stack, secrets={})
    if platform is not None:
        config = copy.deepcopy(config)
        config["platform"] = platform
        if platform == "helm":
            config.get("app", {}).pop("cluster", None)  # helm installs into the cluster of its kubeconfig
    return as_stack_file(config)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder for the stack files a test writes, which the program runs beside."""
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def command_root(root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`root`, where the command line looks for stack files."""
    monkeypatch.setattr(render, "ROOT", root)
    return root


def rendered(stack: str, root: Path, out: Path) -> dict[str, Any]:
    """File name to parsed document."""
    return {path.name: yaml.safe_load(path.read_text()) for path in render.render(stack, out, root)[0]}


def rank(manifest: dict[str, Any]) -> int:
    """Where kubectl must meet it: a Namespace or CRD before what lives in or uses it, the core group next."""
    if manifest["kind"] in ("Namespace", "CustomResourceDefinition"):
        return 0
    return 2 if "/" in manifest["apiVersion"] else 1


def manifest_files(files: dict[str, Any]) -> dict[str, Any]:
    return {name: document for name, document in files.items() if re.match(r"[012]-", name)}


@pytest.mark.parametrize("stack", FIXTURE_STACKS)
def test_renders_the_objects_the_program_creates(stack: str, root: Path, tmp_path: Path) -> None:
    (root / f"Pulumi.{stack}.yaml").write_text(fixture(stack))
    files = rendered(stack, root, tmp_path / "out")
    objects = manifest_files(files)
    assert list(files) == [*objects, "outputs.yaml"]
    # Namespaces (0-), the core group (1-), every other group (2-), as kubectl apply -f takes the folder.
    assert list(objects) == [
        f"{rank(manifest)}-{manifest['kind'].lower()}-{manifest['metadata']['name']}.yaml"
        for manifest in objects.values()
    ]
    by_kind = {manifest["kind"]: manifest for manifest in objects.values()}
    app, secret = by_kind["App"], by_kind["Secret"]
    (config_map,) = [
        m for m in objects.values() if m["kind"] == "ConfigMap" and m["metadata"]["name"].endswith("-rendered")
    ]
    assert app["spec"]["userConfig"] == {
        "configMap": {"name": config_map["metadata"]["name"], "namespace": config_map["metadata"]["namespace"]},
        "secret": {"name": secret["metadata"]["name"], "namespace": secret["metadata"]["namespace"]},
    }
    # The values are the program's own, not a re-implementation of them.
    expected = yaml.safe_load(values_config_map(run_program(stack)).inputs["data"]["values"])
    assert yaml.safe_load(config_map["data"]["values"]) == expected
    assert files["outputs.yaml"]["valuesConfigMap"] == config_map["metadata"]["name"]
    assert files["outputs.yaml"]["installer"]["name"] == app["metadata"]["name"]


def test_every_file_names_the_placeholders_and_secret_outputs_show_them(root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.prod.yaml").write_text(fixture("prod"))
    _, _, filled = render.placeholder_config("prod", root)
    assert "nodes.pullUser.password" in filled, "the prod fixture has a node pull user, whose login nodes need"
    paths = render.render("prod", tmp_path / "out", root)[0]
    for path in paths:
        text = path.read_text()
        head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
        assert "PLACEHOLDERS, not secrets" in head
        assert "NOT SET in Pulumi.prod.yaml yet; set each before `pulumi up`" in head
        # The fixture holds no ciphertext: every secret is still to set, each with its command.
        assert set(filled.values()) == {False}
        commands = [line[4:] for line in head.splitlines() if line.startswith("#   ")]
        assert re.findall(r"--path '([^']+)'", "\n".join(commands)) == list(filled)
        assert "pulumi config set --secret --path 'nodes.pullUser.password' <value> --stack prod" in commands
        assert "secretFingerprints" in head, "fingerprints are computed from placeholders: the file says so"
        # Every placeholder in the file is one the header names.
        assert set(re.findall(r"placeholder-for-([\w.\[\]]+)", text)) <= {*filled, "<path>", "htpasswdSaltKey"}
    outputs = yaml.safe_load((tmp_path / "out" / "outputs.yaml").read_text())
    # What prod nodes need, with the placeholder where the pull user's password goes: not `[secret]`.
    credentials = outputs["nodeCredentials"]
    assert "placeholder-for-nodes.pullUser.password" in yaml.safe_dump(credentials)
    assert (
        "Secret outputs (`pulumi stack output --show-secrets`), here from placeholders: nodeCredentials"
        in (tmp_path / "out" / "outputs.yaml").read_text()
    )
    files = {path.name: yaml.safe_load(path.read_text()) for path in paths}
    config_maps = [m for name, m in manifest_files(files).items() if "-configmap-" in name]
    assert config_maps
    assert "placeholder-for-" not in yaml.safe_dump(config_maps)


def test_scaling_out_names_the_secrets_it_needs_before_they_are_set(root: Path, tmp_path: Path) -> None:
    """Members need the salt key (their hash key) and, on a bucket with static keys, both keys: placeholders
    and NOT SET lines for each, as for users' passwords."""
    document = yaml.safe_load(fixture("dev"))
    document["config"]["zot-cache:scale"] = {
        "replicas": 3,
        "storage": "s3",
        "s3": {"bucket": "zot-cache", "endpoint": "https://minio.storage.svc:9000", "credentials": {}},
        "remoteCache": {"redis": {"addr": ["redis.cache.svc:6379"]}},
    }
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    _, _, filled = render.placeholder_config("dev", root)
    assert filled == {
        "scale.s3.credentials.accessKeyId": False,
        "scale.s3.credentials.secretAccessKey": False,
        "htpasswdSaltKey": False,
    }
    (path, *_) = render.render("dev", tmp_path / "out", root)[0]
    assert "scale.s3.credentials.secretAccessKey" in path.read_text()


def test_a_stack_without_secrets_says_so(root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.dev.yaml").write_text(fixture("dev"))
    _, _, filled = render.placeholder_config("dev", root)
    assert filled == {}, "the dev fixture holds no secret"
    for path in render.render("dev", tmp_path / "out", root)[0]:
        assert "# Placeholders: none (this stack's config holds no secret).\n" in path.read_text()


def test_an_added_object_renames_no_other_file_and_warnings_are_kept(root: Path, tmp_path: Path) -> None:
    """Two branches' renders diff file by file: scaling out adds the members' claims and a budget, and every file
    of the single-member render keeps its name. outputs.yaml keeps the warnings a preview would show."""
    document = yaml.safe_load(fixture("prod"))
    (root / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    one = {path.name for path in render.render("prod", tmp_path / "one", root)[0]}
    document["config"]["zot-cache:scale"] = {"replicas": 3}
    (root / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    paths, warnings = render.render("prod", tmp_path / "three", root)
    three = {path.name for path in paths}
    assert one < three
    assert sorted(three - one) == [
        "1-persistentvolumeclaim-zot-pvc-zot-1.yaml",
        "1-persistentvolumeclaim-zot-pvc-zot-2.yaml",
        "2-poddisruptionbudget-zot.yaml",
    ]
    outputs = (tmp_path / "three" / "outputs.yaml").read_text()
    assert warnings
    assert all(f"#   {warning}\n" in outputs for warning in warnings)
    assert "# Warnings a preview would show: none." in (tmp_path / "one" / "outputs.yaml").read_text()


def test_file_names_are_the_objects_own_whatever_order_they_come_in() -> None:
    """Kind and name shared across namespaces (or, with the same namespace, clusters) never take another object's
    file, and the same objects get the same names in any registration order."""

    def config_map(name: str, namespace: str, data: str = "") -> tuple[dict[str, Any], str]:
        meta = {"name": name, "namespace": namespace}
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"k": data}}, ""

    documents = [
        config_map("zot", "y"),
        config_map("zot-y", "x"),
        config_map("zot", "x", "b"),
        config_map("zot", "x", "a"),
        ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, ""),
    ]
    named = render._file_names(documents)
    assert named == render._file_names(list(reversed(documents)))
    assert sorted(named) == [
        "0-namespace-x.yaml",
        "1-configmap-zot-y.yaml",
        "1-configmap-zot_x_1.yaml",
        "1-configmap-zot_x_2.yaml",
        "1-configmap-zot_y.yaml",
    ]
    # Twins in one namespace are told apart by their content, in a fixed order.
    assert [named[f"1-configmap-zot_x_{n}.yaml"][0]["data"]["k"] for n in (1, 2)] == ["a", "b"]
    assert named["1-configmap-zot_y.yaml"][0]["metadata"]["namespace"] == "y"


def test_rendering_twice_gives_the_same_bytes_and_drops_stale_files(root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.prod.yaml").write_text(fixture("prod", "helm"))
    out = tmp_path / "out"
    first = {path.name: path.read_bytes() for path in render.render("prod", out, root)[0]}
    (out / "1-configmap-left-over.yaml").write_text("kind: ConfigMap\n")
    (out / "04-configmap-an-older-render.yaml").write_text("kind: ConfigMap\n")
    (out / "helm-values-left-over.yaml").write_text("{}\n")
    (out / "notes.txt").write_text("not ours")
    second = {path.name: path.read_bytes() for path in render.render("prod", out, root)[0]}
    assert second == first
    assert sorted(path.name for path in out.iterdir()) == sorted([*first, "notes.txt"])


# Renders every stack file in a folder into a folder per stack, in a process of its own; stacks named *-helm with
# the chart's objects from a local chart.
RENDER_ALL = """
import sys
from pathlib import Path
from tools.render import render
root, out, chart, helm = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
for stack_file in sorted(root.glob("Pulumi.*.yaml")):
    stack = stack_file.name.split(".")[1]
    render(stack, out / stack, root, chart if stack.endswith("-helm") else None, helm)
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_renders_are_byte_identical_across_processes(tmp_path: Path) -> None:
    """Each stack file as it stands and the fixtures on every platform, rendered by two processes apart.

    One process cannot show this: protobuf (upb) orders a map's keys by a hash seeded per process, and the
    mocks receive every input through one (tools.offline.as_sent).
    """
    folder = tmp_path / "root"
    folder.mkdir()
    for stack in stacks():
        (folder / f"Pulumi.{stack}.yaml").write_bytes((ROOT / f"Pulumi.{stack}.yaml").read_bytes())
    for stack in FIXTURE_STACKS:
        for platform in PLATFORMS:
            (folder / f"Pulumi.fixture-{stack}-{platform}.yaml").write_text(fixture(stack, platform))
    local_chart = [str(chart_dir(UPSTREAM_CHART)), str(helm_binary())]
    runs = {
        seed: subprocess.Popen(
            [sys.executable, "-c", RENDER_ALL, str(folder), str(tmp_path / f"seed-{seed}"), *local_chart],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    }
    for run in runs.values():
        _, errors = run.communicate(timeout=300)
        assert run.returncode == 0, errors
    first, second = (tree(tmp_path / f"seed-{seed}") for seed in runs)
    assert {Path(name).parent.name for name in first} == {path.name.split(".")[1] for path in folder.glob("Pulumi.*")}
    assert any(b"# Made by chart zot" in text for text in first.values()), "the helm renders hold the chart's objects"
    assert list(first) == list(second)
    assert [name for name in first if first[name] != second[name]] == []


def test_inputs_are_recorded_in_one_order_with_whole_numbers_as_ints() -> None:
    shuffled = {"b": 5000.0, "a": [{"d": 0.5, "c": True}, 3.0, "7"], "e": {"g": None, "f": -2.0}}
    recorded = tools.offline.as_sent(shuffled)
    assert recorded == {"a": [{"c": True, "d": 0.5}, 3, "7"], "b": 5000, "e": {"f": -2, "g": None}}
    assert yaml.safe_dump(recorded, sort_keys=False) == yaml.safe_dump(
        tools.offline.as_sent(dict(reversed(shuffled.items()))), sort_keys=False
    )
    assert [type(value) for value in (recorded["b"], recorded["a"][1], recorded["a"][0]["d"])] == [int, int, float]


def numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a document, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from numbers(item, f"{path}[{index}]")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


# With platform app, values reach the chart as YAML text in a ConfigMap and Secret, written by the program itself.
@pytest.mark.parametrize("platform", ["flux", "helm"])
def test_whole_numbers_render_as_integers(platform: str, root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.prod.yaml").write_text(fixture("prod", platform))
    files = rendered("prod", root, tmp_path / "out")
    found = [(name, path, value) for name, document in files.items() for path, value in numbers(document)]
    assert found, "the renders hold numbers"
    assert [(name, path, value) for name, path, value in found if isinstance(value, float)] == []
    if platform == "helm":
        (values,) = [document for name, document in files.items() if name.startswith("helm-values-")]
        assert (values["service"]["port"], values["securityContext"]["runAsUser"]) == (5000, 1000)
    if platform == "flux":
        (release,) = [document for document in files.values() if document.get("kind") == "HelmRelease"]
        assert release["spec"]["install"]["remediation"]["retries"] == 3


def test_ciphertexts_in_a_stack_file_become_placeholders(root: Path) -> None:
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
    (root / "Pulumi.ciphered.yaml").write_text(yaml.safe_dump({"config": config}))
    config, secret_keys, filled = render.placeholder_config("ciphered", root)
    assert config["users"] == [
        {"name": "admin", "password": "placeholder-for-users[0].password"},
        {"name": "robot", "htpasswd": render.PLACEHOLDER_HASH},
        {"name": "ci", "password": "placeholder-for-users[2].password"},
    ]
    assert config["htpasswdSaltKey"] == render.PLACEHOLDER_SALT_KEY
    assert secret_keys == {"users", "htpasswdSaltKey"}
    # users[2] has no password in the file: it is still to set, the others are ciphertexts.
    assert filled == {
        "htpasswdSaltKey": True,
        "users[0].password": True,
        "users[1].htpasswd": True,
        "users[2].password": False,
    }
    # Placeholders pass the same validation as real secrets.
    load_settings(config, secret_keys)
    head = render.header("ciphered", filled).splitlines()
    unset = head.index("# NOT SET in Pulumi.ciphered.yaml yet; set each before `pulumi up` (its comments say what):")
    assert head[unset + 1 : unset + 3] == [
        "#   pulumi config set --secret --path 'users[2].password' <value> --stack ciphered",
        "# Set: Pulumi.ciphered.yaml holds them as secure: ciphertexts, which only the CLI decrypts:",
    ]
    assert head[unset + 3 : unset + 6] == ["#   htpasswdSaltKey", "#   users[0].password", "#   users[1].htpasswd"]
    # nodes.ca is public: set without --secret, the certificate after `--` (docs/nodes.md).
    ca = "#   pulumi config set --path 'nodes.ca' --stack ciphered -- \"<the CA certificate, PEM>\"\n"
    assert ca in render.header("ciphered", {"nodes.ca": False})


def test_command_line(
    command_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (command_root / "Pulumi.dev.yaml").write_text(fixture("dev"))
    assert render.main(["dev", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == str(tmp_path / "out" / "outputs.yaml")
    assert render.main([]) == 2
    assert capsys.readouterr().err.startswith("usage: python -m tools.render STACK")
    for asked in (["--help"], ["-h"], ["dev", "--help"]):
        assert render.main(asked) == 0
        assert capsys.readouterr().out.startswith("usage: python -m tools.render STACK [OUT_DIR] [--chart CHART]\n")
    assert render.main(["no-such-stack"]) == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in capsys.readouterr().err
    monkeypatch.setattr(render, "placeholder_config", lambda stack, root: ({"registries": []}, set(), {}))
    assert render.main(["dev", str(tmp_path / "refused")]) == 1
    assert "zot-cache:registries: needs at least one upstream" in capsys.readouterr().err


def test_command_line_prints_every_warning_the_program_logs(
    command_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = yaml.safe_load(fixture("dev"))
    document["config"] |= {f"{PROJECT}:storage": {"persistence": False}, f"{PROJECT}:strategy": "Recreate"}
    (command_root / "Pulumi.warned.yaml").write_text(yaml.safe_dump(document))
    _, warnings = render.render("warned", tmp_path / "direct", command_root)
    assert any("storage.persistence is false" in warning for warning in warnings)
    assert render.main(["warned", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.splitlines() == [f"warning: {warning}" for warning in warnings]


def test_a_key_given_twice_in_the_stack_file_stops_render(
    command_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (command_root / "Pulumi.twice.yaml").write_text(
        "config:\n"
        "  zot-cache:registries:\n"
        "    - urls: [https://docker.io]\n"
        "      onDemand: true\n"
        "  zot-cache:zot:\n"
        "    logLevel: info\n"
        "    logLevel: debug\n"
    )
    assert render.main(["twice", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == (
        "Pulumi.twice.yaml line 7: key 'logLevel' is given twice (first on line 6); the Pulumi CLI refuses the "
        "file, keep one"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("platform", ["flux", "helm"])
def test_every_platform_renders(platform: str, root: Path, tmp_path: Path) -> None:
    (root / f"Pulumi.{platform}.yaml").write_text(fixture("dev", platform))
    files = rendered(platform, root, tmp_path / "out")
    kinds = [manifest["kind"] for manifest in manifest_files(files).values()]
    expected = {
        "flux": ["ConfigMap", "PersistentVolumeClaim", "Secret", "HelmRelease", "OCIRepository"],
        "helm": ["Namespace", "PersistentVolumeClaim", "Secret", "VerticalPodAutoscaler"],
    }[platform]
    assert kinds == expected
    assert len([name for name in files if name.startswith("helm-values-")]) == (platform == "helm")


def test_a_helm_chart_is_written_as_its_values_file_which_real_helm_renders(root: Path, tmp_path: Path) -> None:
    """helm.v4.Chart is no object `kubectl apply` takes: its values go to a file of their own, beside the command
    that renders what Pulumi deploys from them; that command, run on the chart, gives the chart's objects."""
    (root / "Pulumi.dev.yaml").write_text(fixture("dev", "helm"))
    files = render.render("dev", tmp_path / "out", root)[0]
    (values_file,) = [path for path in files if path.name.startswith("helm-values-")]
    text = values_file.read_text()
    assert "# Not a Kubernetes object: the values Pulumi's helm.v4.Chart gives the chart." in text
    (command,) = re.findall(r"^#   (helm template .*)$", text, re.MULTILINE)
    release, chart, *options = command.split()[2:]
    assert "--skip-tests" in options
    options.remove("--skip-tests")
    flags = dict(zip(options[::2], options[1::2], strict=True))
    assert (chart, flags["--version"], flags["--values"]) == ("zot", UPSTREAM_CHART.rsplit("-", 1)[1], values_file.name)
    secret_files = next(yaml.safe_load(p.read_text()) for p in files if "-secret-files-" in p.name)
    values = yaml.safe_load(text)
    assert values["externalSecrets"][0]["secretName"] == secret_files["metadata"]["name"]
    objects = helm_template(values, release, flags["--namespace"], chart=UPSTREAM_CHART)
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]
    assert [o["metadata"]["namespace"] for o in workloads] == [flags["--namespace"]]


def test_with_a_local_chart_the_render_holds_the_objects_the_chart_makes(root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.dev.yaml").write_text(fixture("dev", "helm"))
    out = tmp_path / "out"
    files = render.render("dev", out, root, chart_dir(UPSTREAM_CHART), str(helm_binary()))[0]
    # In the order kubectl apply -f walks the folder, the chart's Namespace comes before all that lives in it.
    by_name = {path.name: yaml.safe_load(path.read_text()) for path in files if re.match(r"[012]-", path.name)}
    assert all(name.startswith(f"{rank(manifest)}-") for name, manifest in by_name.items())
    walked = sorted(by_name)
    namespaces = [walked.index(name) for name, manifest in by_name.items() if manifest["kind"] == "Namespace"]
    namespaced = [walked.index(name) for name, manifest in by_name.items() if manifest["metadata"].get("namespace")]
    assert namespaces
    assert max(namespaces) < min(namespaced)
    (values_file,) = [path for path in files if path.name.startswith("helm-values-")]
    origin = f"# Made by chart zot {UPSTREAM_CHART.rsplit('-', 1)[1]} from {values_file.name} (real helm template), "
    made = [yaml.safe_load(path.read_text()) for path in files if origin in path.read_text()]
    outputs = yaml.safe_load((out / "outputs.yaml").read_text())
    values = yaml.safe_load(values_file.read_text())
    # What helm makes of the values file, run by the tests' own helm_template: the same objects.
    expected = helm_template(values, outputs["releaseName"], outputs["namespace"], UPSTREAM_CHART, api_versions=())
    assert kinds_and_names(made) == kinds_and_names(expected)
    assert {"Service", "StatefulSet"} <= {manifest["kind"] for manifest in made}
    program = [
        yaml.safe_load(p.read_text()) for p in files if re.match(r"[012]-", p.name) and origin not in p.read_text()
    ]
    assert [manifest["kind"] for manifest in program] == [
        "Namespace",
        "PersistentVolumeClaim",
        "Secret",
        "VerticalPodAutoscaler",
    ]
    again = render.render("dev", out, root, chart_dir(UPSTREAM_CHART), str(helm_binary()))[0]
    assert {p.name: p.read_bytes() for p in again} == {p.name: p.read_bytes() for p in files}


def test_a_local_chart_must_be_the_one_the_stack_installs(root: Path, tmp_path: Path) -> None:
    (root / "Pulumi.dev.yaml").write_text(fixture("dev", "helm"))
    (root / "Pulumi.app.yaml").write_text(fixture("dev", "app"))
    other = chart_dir("giantswarm-zot-2.9.0")  # also named zot, another version
    with pytest.raises(render.ChartError) as refused:
        render.render("dev", tmp_path / "out", root, other, str(helm_binary()))
    assert str(refused.value) == (
        f"{other} holds chart zot 2.9.0, but the stack installs zot 0.1.122: "
        "helm pull zot --repo https://zotregistry.dev/helm-charts --version 0.1.122"
    )
    with pytest.raises(render.ChartError) as refused:
        render.render("app", tmp_path / "out", root, chart_dir(UPSTREAM_CHART), str(helm_binary()))
    assert str(refused.value) == (
        "--chart renders the objects of the chart Pulumi installs on platform helm; stack app has platform app, "
        "whose chart the cluster installs from the App this render writes: render without --chart, or use a "
        "helm-platform stack such as the kind example (cp examples/Pulumi.kind.yaml Pulumi.kind.yaml)"
    )
    (root / "Pulumi.flux.yaml").write_text(fixture("dev", "flux"))
    with pytest.raises(render.ChartError, match=r"^--chart .* stack flux has platform flux, .* from the HelmRelease "):
        render.render("flux", tmp_path / "out", root, chart_dir(UPSTREAM_CHART), str(helm_binary()))
    with pytest.raises(render.ChartError, match="no helm at '/no/helm'"):
        render.render("dev", tmp_path / "out", root, chart_dir(UPSTREAM_CHART), "/no/helm")
    assert not (tmp_path / "out").exists(), "nothing written when the chart cannot be rendered"


def test_command_line_renders_a_local_chart_with_the_helm_on_path(
    command_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (command_root / "Pulumi.dev.yaml").write_text(fixture("dev", "helm"))
    monkeypatch.setenv("PATH", f"{helm_binary().parent}{os.pathsep}{os.environ['PATH']}")
    assert render.main(["dev", str(tmp_path / "out"), "--chart", str(chart_dir(UPSTREAM_CHART))]) == 0
    assert any("-statefulset-" in line for line in capsys.readouterr().out.splitlines())
    assert render.main(["dev", "--chart"]) == 2
    assert "usage: python -m tools.render STACK [OUT_DIR] [--chart CHART]" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert render.main(["dev", str(tmp_path / "out"), "--chart", str(chart_dir(UPSTREAM_CHART))]) == 1
    assert capsys.readouterr().err.startswith("no helm at 'helm'")


def test_the_helm_command_verifies_the_chart_when_the_stack_does(root: Path, tmp_path: Path) -> None:
    document = yaml.safe_load(fixture("dev", "helm"))
    document["config"][f"{PROJECT}:helm"] = {"verify": True, "keyring": "zot-charts.gpg"}
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump(document))
    (root / "zot-charts.gpg").write_bytes(b"")
    files = rendered("dev", root, tmp_path / "out")
    (values_file,) = [name for name in files if name.startswith("helm-values-")]
    text = (tmp_path / "out" / values_file).read_text()
    assert re.search(r"^#   helm template .* --values helm-values-\S+ --verify --keyring zot-charts.gpg$", text, re.M)
    assert "the keyring's path is relative to the project folder" in text
