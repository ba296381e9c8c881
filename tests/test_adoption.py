"""A team adopts the repository: README's day-1 and day-2 edits, made to a copy, keep the checks green.

The edits are applied to whatever stack files the repository holds, so they work on a team's own stacks too:
First run (every secret a `secure:` value, `encryptionsalt` written), real host and cluster names instead of the
examples', a new upstream with its access rule, a new user with a `secure:` password and a policy, a new stack
(README's "Adding a stack", up.yml included), and the dev stack moved to Flux or to plain Helm.

Only the tests that read the repository's own stack files can see such an edit (tests/test_your_stacks.py, the
workflows' stack matrix, `make render`); every other test reads the frozen copies in tests/fixtures. So the copy runs
those modules, not the whole suite again: a failure elsewhere shows up once, where it happens.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import ROOT, set_path
from tests.reference import REFERENCE
from tests.test_workflows import readme_up_jobs_for_a_new_stack, up_chain, yaml_load
from tools.render import placeholder_config

PREFIX = "zot-cache:"
# What `pulumi config set --secret` writes: a ciphertext only the CLI can decrypt (the program never reads it).
SECURE = {"secure": "v1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
LIVE_MODULES = ["tests/test_your_stacks.py", "tests/test_workflows.py", "tests/test_render.py"]

Document = dict[str, Any]


def copy_repository(target: Path) -> Path:
    """The files git would put in a fresh clone (plus new, unignored ones), copied to `target`."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def stack_names(root: Path) -> list[str]:
    return sorted(path.name.split(".")[1] for path in root.glob("Pulumi.*.yaml"))


def edit(root: Path, stack: str, change: Callable[[Document], None]) -> None:
    path = root / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    document.setdefault("config", {})
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def config_of(document: Document) -> dict[str, Any]:
    """The project's keys without their prefix, as one dict; `put_config` writes it back."""
    return {key[len(PREFIX) :]: value for key, value in document["config"].items() if key.startswith(PREFIX)}


def put_config(document: Document, config: dict[str, Any]) -> None:
    others = {key: value for key, value in document["config"].items() if not key.startswith(PREFIX)}
    document["config"] = others | {f"{PREFIX}{key}": value for key, value in config.items()}


# ------------------------------------------------------------------------------------------------- the edits


def real_names(root: Path, stack: str) -> None:
    """The team's own domain and cluster instead of the examples' (a text edit: comments included)."""
    path = root / f"Pulumi.{stack}.yaml"
    path.write_text(path.read_text().replace("example.org", "acme-corp.net").replace("prod01", "eu-west-1a"))


def first_run(root: Path, stack: str) -> None:
    """README's First run: `pulumi stack init` writes encryptionsalt; every secret the stack needs is then set with
    `pulumi config set --secret`, which writes a `secure:` ciphertext where the documented path says."""
    _, _, needed = placeholder_config(stack, root)

    def change(document: Document) -> None:
        document["encryptionsalt"] = "v1:c2FsdHNhbHQ=:v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        config = config_of(document)
        for path in needed:
            set_path(config, path, dict(SECURE))
        put_config(document, config)

    edit(root, stack, change)


# Upstreams a team may add; the first whose host no stack uses yet is the one added.
CANDIDATE_UPSTREAMS = [
    "https://quay.io",
    "https://registry.k8s.io",
    "https://public.ecr.aws",
    "https://mcr.microsoft.com",
]


def unused(taken: set[str], base: str) -> str:
    """`base`, or `base-2`, `base-3`...: a name the team's files do not use yet, so the edits work on any repo."""
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, 100))) if name not in taken)


def new_upstream(document: Document) -> None:
    """ "Adding an upstream": a public registry on demand in its own namespace (its host), readable by whoever reads
    the first upstream's namespace (the pull user too, where nodes pull with one)."""
    config = config_of(document)
    registries = config["registries"]
    hosts = {url.split("://", 1)[1] for registry in registries for url in registry["urls"]}
    url = next(url for url in CANDIDATE_UPSTREAMS if url.split("://", 1)[1] not in hosts)
    host = url.split("://", 1)[1]
    name = unused({registry.get("name", "") for registry in registries}, host.split(".")[0])
    registries.append({"name": name, "urls": [url], "onDemand": True})
    rules = config.get("accessControl", {}).get("repositories", {})
    first_namespace = f"{registries[0]['urls'][0].split('://', 1)[1]}/**"
    if first_namespace in rules:
        rules[f"{host}/**"] = rules[first_namespace]
    put_config(document, config)


def new_user(document: Document) -> None:
    """A CI login with a `secure:` password that may read every namespace the stack has rules for."""
    config = config_of(document)
    users = config.setdefault("users", [])
    name = unused({user.get("name", "") for user in users}, "ci-robot")
    users.append({"name": name, "password": dict(SECURE)})
    config.setdefault("htpasswdSaltKey", dict(SECURE))
    rules = config.setdefault("accessControl", {}).setdefault("repositories", {"**": {}})
    for rule in rules.values():
        rule.setdefault("policies", []).append({"users": [name], "actions": ["read"]})
    put_config(document, config)


def scaled_out(storage: str) -> Callable[[Document], None]:
    """docs/platforms.md, Scaling out: three members, on volumes of their own or on one S3-compatible bucket with a
    Redis cache (keys and password then set with `pulumi config set --secret`, which first_run does)."""

    def change(document: Document) -> None:
        config = config_of(document)
        config["scale"] = {"replicas": 3, "storage": storage}
        if storage == "s3":
            config["scale"]["s3"] = {"bucket": "zot-cache", "endpoint": "https://minio.storage.svc:9000"}
            config["scale"]["s3"]["credentials"] = {}
            config["scale"]["remoteCache"] = {"redis": {"addr": ["redis.cache.svc:6379"], "password": dict(SECURE)}}
        put_config(document, config)

    return change


def on_platform(platform: str) -> Callable[[Document], None]:
    """Switch the install: Flux reads the same App settings; plain Helm installs where Pulumi's kubeconfig points,
    so only the release name and namespace stay under `app`."""

    def change(document: Document) -> None:
        config = config_of(document)
        config["platform"] = platform
        if platform == "helm":
            app = config.get("app", {})
            config["app"] = {key: value for key, value in app.items() if key in ("name", "namespace")}
        put_config(document, config)

    return change


def new_stack(root: Path) -> str:
    """ "Adding a stack": a copy of the first stack the chain deploys, deployed before it, with the two jobs README
    gives (for its staging example: here under a name the repository does not use yet)."""
    up = root / ".github" / "workflows" / "up.yml"
    first = up_chain(yaml_load(up))[0]
    name = unused(set(stack_names(root)), "staging")
    shutil.copy(root / f"Pulumi.{first}.yaml", root / f"Pulumi.{name}.yaml")
    jobs = readme_up_jobs_for_a_new_stack().replace("staging", name)
    jobs = re.sub(r"needs: [\w-]+", "needs: checks", jobs, count=1)  # the plan job's: it now deploys first
    head = f"\n  {first}-plan:\n    if: github.ref == 'refs/heads/main'\n    needs: "
    text = up.read_text()
    assert f"{head}checks\n" in text, f"up.yml: {first}-plan does not follow checks as README's recipe expects"
    up.write_text(text.replace(f"{head}checks\n", f"\n{jobs}{head}{name}\n"))
    chain = up_chain(yaml_load(up))
    assert chain[:2] == [name, first], chain
    return name


def run_checks(root: Path) -> subprocess.CompletedProcess[str]:
    """The modules that read the repository's own stack files, and the workflow schema, in the copy."""
    env = {**os.environ, "ZOT_CACHE_REFERENCE": str(REFERENCE)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short", "-rf", *LIVE_MODULES]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("platform", ["flux", "helm"])
def test_readme_edits_to_every_stack_keep_the_checks_green(platform: str, tmp_path: Path) -> None:
    root = copy_repository(tmp_path)
    added = new_stack(root) if platform == "flux" else None  # once is enough; the copy then gets every edit below
    before = {stack: (root / f"Pulumi.{stack}.yaml").read_text() for stack in stack_names(root)}
    # The last stack the chain deploys (prod, in the examples) scales out: perMember in one copy, s3 in the other.
    last = up_chain(yaml_load(root / ".github" / "workflows" / "up.yml"))[-1]
    for stack in stack_names(root):
        real_names(root, stack)
        edit(root, stack, new_upstream)
        edit(root, stack, new_user)
        if stack == last:
            edit(root, stack, scaled_out("perMember" if platform == "flux" else "s3"))
        first_run(root, stack)
    stacks = stack_names(root)
    edit(root, "dev" if "dev" in stacks else stacks[0], on_platform(platform))
    for stack in stacks:
        edited = (root / f"Pulumi.{stack}.yaml").read_text()
        assert edited != before[stack]
        assert "example.org" not in edited
        assert "encryptionsalt" in edited
        assert not re.search(r"password: [^{\n]", edited), "every password is a secure: value"

    checks = run_checks(root)
    summary = checks.stdout.strip().splitlines()[-1] if checks.stdout.strip() else checks.stderr[-2000:]
    failures = [line for line in checks.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    assert checks.returncode == 0, f"dev on {platform}, every stack edited: {summary}\n" + "\n".join(failures)
    if platform == "flux":
        collected = subprocess.run(
            [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider", "tests/test_your_stacks.py"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
        assert f"[{added}]" in collected.stdout, "the new stack is checked like the others"
        schema = subprocess.run(
            [
                str(Path(sys.executable).parent / "check-jsonschema"),
                "--builtin-schema",
                "vendor.github-workflows",
                str(root / ".github" / "workflows" / "up.yml"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert schema.returncode == 0, schema.stdout + schema.stderr


# ------------------------------------------------------------------------------------- who reads the stack files


def reads_of_the_stack_files(source: str) -> list[int]:
    """Lines where `source` reads the repository's own stack files: ROOT / "Pulumi.<stack>.yaml" (an f-string
    too), ROOT.glob("Pulumi.*"), or tools.stacks.stacks() without a folder."""

    def stack_file(node: ast.expr) -> bool:
        first = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
        text = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
        return text.startswith("Pulumi.") and text != "Pulumi.yaml"

    def root(node: ast.expr) -> bool:
        return (isinstance(node, ast.Name) and node.id == "ROOT") or (
            isinstance(node, ast.Attribute) and node.attr == "ROOT"
        )

    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and root(node.left) and stack_file(node.right):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            function = node.func
            glob = isinstance(function, ast.Attribute) and function.attr == "glob" and root(function.value)
            globbed = glob and bool(node.args) and stack_file(node.args[0])
            listed = isinstance(function, ast.Name) and function.id == "stacks" and not (node.args or node.keywords)
            if globbed or listed:
                lines.append(node.lineno)
    return sorted(lines)


def test_the_reading_check_finds_each_way_of_reading_a_stack_file() -> None:
    source = """
from tools.stacks import stacks
a = (ROOT / "Pulumi.prod.yaml").read_text()
b = ROOT / f"Pulumi.{stack}.yaml"
c = sorted(ROOT.glob("Pulumi.*.yaml"))
d = stacks()
e = ROOT / "Pulumi.yaml", FIXTURES / "Pulumi.prod.yaml", stacks(FIXTURES)
f = harness.ROOT / "Pulumi.dev.yaml"
"""
    assert reads_of_the_stack_files(source) == [3, 4, 5, 6, 8]


def test_only_the_live_modules_read_the_repositorys_stack_files() -> None:
    """The adoption copies run only LIVE_MODULES: any other test that read the team's stack files would break on
    their edits, and the adoption run would not show it."""
    found = {
        f"tests/{path.name}": lines
        for path in sorted((ROOT / "tests").glob("*.py"))
        if f"tests/{path.name}" not in [*LIVE_MODULES, "tests/test_adoption.py"]
        and (lines := reads_of_the_stack_files(path.read_text()))
    }
    assert found == {}, f"these read the repository's stack files; read tests/fixtures instead: {found}"
