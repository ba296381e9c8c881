"""The stack file as the CLI reads it, and the clear-text secret check that needs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components.stack_config import load_settings
from components.stack_file import DuplicateKeyError, StackFileError, load_stack_file, project_config
from tests import harness
from tools import bcrypt_benchmark
from tools.offline import run_program as run_offline

SALT_KEY = harness.standin_salt_key("stack-file-salt-key")
SECURE = {"secure": "v1:AAAA"}
ACCESS = {"repositories": {"**": {"policies": [{"users": ["admin", "ci"], "actions": ["read"]}]}}}
REGISTRY = {"name": "private", "urls": ["https://registry.example.org"], "onDemand": True}


def refusal(runtime: dict[str, Any], file_config: dict[str, Any], secret_keys: set[str]) -> str:
    with pytest.raises(pulumi.RunError) as error:
        load_settings(runtime, secret_keys, file_config)
    return str(error.value)


def base(users: list[dict[str, Any]], registries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"htpasswdSaltKey": SALT_KEY, "users": users, "registries": registries, "accessControl": ACCESS}


def test_a_clear_user_password_beside_a_secure_one_is_refused_by_path() -> None:
    # As the engine passes them: decrypted values, and the whole `users` key marked secret.
    runtime = base(
        [{"name": "admin", "password": "hunter2hunter2"}, {"name": "ci", "password": "ci-password"}], [REGISTRY]
    )
    filed = base([{"name": "admin", "password": "hunter2hunter2"}, {"name": "ci", "password": SECURE}], [REGISTRY])
    filed["htpasswdSaltKey"] = SECURE
    message = refusal(runtime, filed, {"users", "htpasswdSaltKey"})
    assert "zot-cache:users[0].password: is stored in clear text" in message
    assert "users[1].password" not in message
    assert "hunter2hunter2" not in message


def test_a_clear_registry_password_beside_a_secure_one_is_refused_by_path() -> None:
    mirror = {"name": "mirror", "urls": ["https://mirror.example.org"], "onDemand": True}
    runtime_registries = [
        {**REGISTRY, "credentials": {"username": "u", "password": "token-in-clear"}},
        {**mirror, "credentials": {"username": "u", "password": "secure-token"}},
    ]
    filed_registries = [
        {**REGISTRY, "credentials": {"username": "u", "password": SECURE}},
        {**mirror, "credentials": {"username": "u", "password": "token-in-clear"}},
    ]
    users = [{"name": "admin", "password": "admin-password"}, {"name": "ci", "password": "ci-password"}]
    filed = base(users, filed_registries) | {
        "users": [{"name": "admin", "password": SECURE}, {"name": "ci", "password": SECURE}]
    }
    filed["htpasswdSaltKey"] = SECURE
    message = refusal(base(users, runtime_registries), filed, {"users", "registries", "htpasswdSaltKey"})
    assert "zot-cache:registries[1].credentials.password: is stored in clear text" in message
    assert "registries[0].credentials" not in message
    assert "token-in-clear" not in message


def test_secure_leaves_and_whole_secure_keys_pass() -> None:
    users = [{"name": "admin", "password": "admin-password"}, {"name": "ci", "password": "ci-password"}]
    runtime = base(users, [REGISTRY])
    filed = base([{"name": "admin", "password": SECURE}, {"name": "ci", "password": SECURE}], [REGISTRY])
    filed["htpasswdSaltKey"] = SECURE
    load_settings(runtime, {"users", "htpasswdSaltKey"}, filed)
    # `pulumi config set --secret users '<json>'` encrypts the whole key.
    load_settings(runtime, {"users", "htpasswdSaltKey"}, filed | {"users": SECURE})


def test_leaves_the_file_does_not_hold_are_judged_by_the_engines_marking() -> None:
    users = [{"name": "admin", "password": "admin-password"}, {"name": "ci", "password": "ci-password"}]
    filed = base([{"name": "admin"}, {"name": "ci"}], [REGISTRY]) | {"htpasswdSaltKey": SECURE}
    load_settings(base(users, [REGISTRY]), {"users", "htpasswdSaltKey"}, filed)
    assert "zot-cache:users[0].password: is stored in clear text" in refusal(
        base(users, [REGISTRY]), filed, {"htpasswdSaltKey"}
    )


def test_the_program_reads_the_stack_file_in_its_working_directory(
    tmp_path: Path,
) -> None:
    """The whole program, as `pulumi up` runs it: the file beside it shows the clear leaf; nothing is created."""
    users: list[dict[str, Any]] = [{"name": "admin", "password": "hunter2hunter2"}, {"name": "ci", "password": SECURE}]
    filed = base(users, [REGISTRY]) | {"htpasswdSaltKey": SECURE}
    document = {"config": {f"zot-cache:{key}": value for key, value in filed.items()}}
    (tmp_path / "Pulumi.clear.yaml").write_text(yaml.safe_dump(document))
    runtime = base(
        [{"name": "admin", "password": "hunter2hunter2"}, {"name": "ci", "password": "ci-password"}], [REGISTRY]
    )
    mocks = harness.RecordingMocks()
    with pytest.raises(Exception, match=r"users\[0\]\.password: is stored in clear text"):
        run_offline("clear", runtime, {"users", "htpasswdSaltKey"}, mocks=mocks, root=tmp_path)
    assert mocks.resources == []


def test_duplicate_keys_are_refused_with_file_key_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.dup.yaml"
    path.write_text("config:\n  zot-cache:app:\n    name: a\n  zot-cache:app:\n    name: b\n")
    with pytest.raises(
        DuplicateKeyError, match=r"^Pulumi\.dup\.yaml line 4: key 'zot-cache:app' is given twice \(first on line 2\)"
    ):
        load_stack_file(path)


def test_project_config_keeps_only_this_projects_keys(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text("encryptionsalt: v1:abc\nconfig:\n  kubernetes:context: c\n  zot-cache:app: {name: a}\n")
    assert project_config(load_stack_file(path), "zot-cache") == {"app": {"name": "a"}}


# `namespace` is one space short of `name`: YAML reads it as a key of its own that the mapping cannot hold.
MIS_INDENTED = """\
config:
  zot-cache:app:
    name: zot
   namespace: zot
  zot-cache:registries:
    - urls: [https://docker.io]
      onDemand: true
"""
MIS_INDENTED_ERROR = (
    "Pulumi.{stack}.yaml line 4, column 4: not valid YAML (expected <block end>, but found '<block mapping "
    "start>'); a key indented unlike the keys above it starts a mapping of its own; line up the keys of one mapping "
    "in one column"
)
LIST_ITEM_HINT = (
    "this list item is indented differently from the items or keys around it; put the '-' of one list in one "
    "column, under or right of its key"
)
# Real slips, each with the one line it gets: what PyYAML found there, then what to do about it.
MIS_INDENTED_FILES = [
    pytest.param(
        MIS_INDENTED.replace("   namespace", "     namespace"),
        "line 4, column 15: not valid YAML (mapping values are not allowed here); a key indented further than the "
        "key above it reads as that key's value; line up the keys of one mapping in one column (or quote a value "
        "that holds ': ')",
        id="key-one-space-over",
    ),
    # The newcomer's file: a second user at the column of the keys of `config:`, not under the first user.
    pytest.param(
        "config:\n  zot-cache:app:\n    name: zot\n  zot-cache:users:\n    - name: admin\n  - name: reader\n",
        f"line 6, column 3: not valid YAML (expected <block end>, but found '-'); {LIST_ITEM_HINT}",
        id="list-item-at-key-column",
    ),
    pytest.param(
        "config:\n  zot-cache:registries:\n    - urls: [https://docker.io]\n   - urls: [https://quay.io]\n",
        f"line 4, column 4: not valid YAML (expected <block end>, but found '<block sequence start>'); "
        f"{LIST_ITEM_HINT}",
        id="list-item-one-space-short",
    ),
    pytest.param(
        "config:\n  zot-cache:registries:\n    - urls: [https://docker.io]\n     - urls: [https://quay.io]\n",
        f"line 4, column 6: not valid YAML (expected <block end>, but found '<block sequence start>'); "
        f"{LIST_ITEM_HINT}",
        id="list-item-one-space-over",
    ),
    pytest.param(
        "config:\n  zot-cache:app:\n    name: zot\n\tnamespace: zot\n",
        "line 4, column 1: not valid YAML (found character '\\t' that cannot start any token); YAML indents with "
        "spaces only; replace the tab with spaces",
        id="tab",
    ),
]
# As valid YAML, but under a namespace nobody reads: without the check, storage would keep its defaults.
MISSPELT_NAMESPACE = """\
config:
  zot-cache:registries:
    - urls: [https://docker.io]
      onDemand: true
  zot_cache:storage:
    size: 50Gi
"""
MISSPELT_NAMESPACE_ERROR = (
    "  zot_cache:storage: unknown config namespace 'zot_cache', so nothing reads this key; did you mean "
    "zot-cache:storage? (the namespaces read here are zot-cache, pulumi, kubernetes)"
)

# Stack files the program must stop on, as Pulumi.broken.yaml, and the lines it stops with.
BROKEN_FILES = [
    pytest.param(MIS_INDENTED, [MIS_INDENTED_ERROR.format(stack="broken")], id="mis-indented"),
    pytest.param(
        MISSPELT_NAMESPACE,
        ["invalid stack configuration (1 problem); nothing was changed:", MISSPELT_NAMESPACE_ERROR],
        id="misspelt-namespace",
    ),
]


def test_a_yaml_error_is_one_line_with_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(MIS_INDENTED)
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path)
    assert str(caught.value) == MIS_INDENTED_ERROR.format(stack="bad")
    path.write_text('config:\n  zot-cache:app:\n    name: "zot\n')
    with pytest.raises(
        StackFileError,
        match=r"^Pulumi\.bad\.yaml line 4, column 1: not valid YAML \(found unexpected "
        r"end of stream, while scanning a quoted scalar from line 3\)$",
    ):
        load_stack_file(path)


@pytest.mark.parametrize(("document", "expected"), MIS_INDENTED_FILES)
def test_a_mis_indented_file_gets_a_hint_that_fits_the_slip(document: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(document)
    with pytest.raises(StackFileError) as caught:
        load_stack_file(path)
    assert str(caught.value) == f"Pulumi.bad.yaml {expected}"


@pytest.mark.parametrize(("document", "expected"), BROKEN_FILES)
def test_the_program_stops_on_the_stack_file_beside_it(document: str, expected: list[str], tmp_path: Path) -> None:
    """As `pulumi up` runs it, in the folder that holds the file; nothing is registered."""
    (tmp_path / "Pulumi.broken.yaml").write_text(document)
    mocks = harness.RecordingMocks()
    config = {"registries": [{"urls": ["https://docker.io"], "onDemand": True}]}
    with pytest.raises(pulumi.RunError) as caught:
        run_offline("broken", config, set(), mocks=mocks, root=tmp_path)
    assert str(caught.value).splitlines() == expected
    assert mocks.resources == []


@pytest.mark.parametrize(("document", "expected"), BROKEN_FILES)
def test_render_stops_on_the_stack_file(document: str, expected: list[str], tmp_path: Path) -> None:
    """`python -m tools.render` in a copy of the repository: its stack files are the ones beside the program."""
    for folder in ("components", "tools"):
        shutil.copytree(harness.ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("__main__.py", "Pulumi.yaml"):
        shutil.copy(harness.ROOT / name, tmp_path / name)
    (tmp_path / "Pulumi.broken.yaml").write_text(document)
    done = subprocess.run(
        [sys.executable, "-m", "tools.render", "broken", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr.splitlines()) == (1, expected)
    assert not (tmp_path / "out").exists()


def test_the_bcrypt_benchmark_stops_on_a_yaml_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.broken.yaml").write_text(MIS_INDENTED)
    monkeypatch.setattr(bcrypt_benchmark, "ROOT", tmp_path)
    assert bcrypt_benchmark.main(["broken"]) == 1
    assert capsys.readouterr().err.splitlines() == [MIS_INDENTED_ERROR.format(stack="broken")]
