"""Every stack file this repository holds, whatever a team has made of it: the checks that hold for any stack.

The shipped Pulumi.dev.yaml and Pulumi.prod.yaml are examples a team edits (hosts, users, upstreams, platform), so
nothing here expects their content. Each stack file is loaded as the CLI would, with a placeholder for every secret
it holds as a `secure:` value, for each secret its comments tell the user to set (`pulumi config set --secret ...`),
and for each secret the config needs but nobody has set yet (CI has no secrets to set). Then the program runs under
mocks, the chart it installs is rendered for real with the same checks as the examples' renders, the node files map
every upstream to where zot stores it, and no placeholder leaves a Secret. Tests with exact expectations read the
frozen copies in tests/fixtures instead.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest

from components.builders.node_files import containerd_hosts
from components.settings import Settings
from components.stack_config import PROJECT, load_settings
from components.stack_file import load_stack_file, project_config
from tests import chart_checks as checks
from tests.harness import ROOT, SECRET, ProgramRun, set_path, stacks
from tests.helm import Manifest, render
from tests.node_paths import requested_repository, sample_repositories, stored_repository
from tests.test_chart_renders import CHECKS
from tests.test_upstream_renders import helm_platform_render
from tools.offline import path_parts, run_program
from tools.render import PLACEHOLDER, placeholder_config

STACKS = stacks()
NODE_STACKS = [s for s in STACKS if "nodes" in project_config(load_stack_file(ROOT / f"Pulumi.{s}.yaml"), PROJECT)]
COMPONENT = "zot-cache:index:ZotRegistry"
# What each platform installs zot with.
INSTALLERS = {
    "app": {"kubernetes:application.giantswarm.io/v1alpha1:App"},
    "flux": {
        "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease",
        "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository",
    },
    "helm": {"kubernetes:helm.sh/v4:Chart"},
}
OUTPUTS = {"registryUrl", "inClusterUrl", "namespace", "installer", "releaseName", "serviceName", "zotConfig"}
# The commands a stack file's comments give for its secrets (the prod example's header).
DOCUMENTED_SECRET = re.compile(r"pulumi config set --secret (?:--path )?'?(?P<path>[A-Za-z][\w.\[\]]*)'?")


def documented_secret_paths(stack: str) -> list[str]:
    comments = [line for line in (ROOT / f"Pulumi.{stack}.yaml").read_text().splitlines() if line.lstrip()[:1] == "#"]
    return [match["path"] for line in comments for match in DOCUMENTED_SECRET.finditer(line)]


@cache
def stack_config(stack: str) -> tuple[dict[str, Any], frozenset[str]]:
    """The stack file's config with placeholders for its secrets, as `make render` fills them, plus each secret
    its comments document that is not set yet, set where the documented command would set it."""
    config, secret_keys, _ = placeholder_config(stack)
    for path in documented_secret_paths(stack):
        parts = path_parts(path)
        node: Any = config
        for part in parts[:-1]:
            try:
                node = node[part]
            except (IndexError, KeyError, TypeError):
                pytest.fail(f"Pulumi.{stack}.yaml documents a secret at {path}, which is no place in its config")
        last = parts[-1]
        if isinstance(node, dict):
            missing = last not in node
        elif isinstance(node, list) and isinstance(last, int):
            missing = last >= len(node)
        else:
            pytest.fail(f"Pulumi.{stack}.yaml documents a secret at {path}, which is no place in its config")
        if missing:
            set_path(config, path, f"{PLACEHOLDER}{path}")
            secret_keys.add(str(parts[0]))
    return config, frozenset(secret_keys)


@cache
def program_run(stack: str) -> ProgramRun:
    config, secret_keys = stack_config(stack)
    return run_program(stack, config, set(secret_keys))


def settings_of(stack: str) -> Settings:
    config, secret_keys = stack_config(stack)
    return load_settings(config, secret_keys)


@cache
def chart_render(stack: str) -> tuple[Manifest, ...]:
    """What the stack puts on the cluster, with the chart rendered by real helm: Giant Swarm's chart with the values
    as app-operator merges them (App and Flux read the same values), or the upstream chart on platform helm."""
    settings = settings_of(stack)
    if settings.platform == "helm":
        return tuple(helm_platform_render(program_run(stack)))
    return tuple(render(settings))


def placeholders(value: Any) -> set[str]:
    return set(re.findall(re.escape(PLACEHOLDER) + r"[\w.\[\]-]+", json.dumps(value)))


@pytest.mark.parametrize("stack", STACKS)
def test_the_program_runs_and_installs_zot(stack: str) -> None:
    run = program_run(stack)
    platform = settings_of(stack).platform
    types = {resource.type for resource in run.resources}
    assert {COMPONENT, *INSTALLERS[platform]} <= types, sorted(types)
    assert set(run.outputs) >= OUTPUTS


@pytest.mark.parametrize("stack", STACKS)
def test_two_runs_give_identical_inputs(stack: str) -> None:
    config, secret_keys = stack_config(stack)
    again = run_program(stack, config, set(secret_keys))
    assert [
        json.dumps(r.inputs, sort_keys=True) for r in sorted(program_run(stack).resources, key=lambda r: r.name)
    ] == [json.dumps(r.inputs, sort_keys=True) for r in sorted(again.resources, key=lambda r: r.name)]


@pytest.mark.parametrize("stack", STACKS)
def test_secrets_reach_only_secrets_and_secret_outputs(stack: str) -> None:
    run = program_run(stack)
    plain = [r.inputs for r in run.resources if r.type != SECRET and not r.type.startswith("pulumi:")]
    plain_outputs = {key: value for key, value in run.outputs.items() if key not in run.secret_outputs}
    leaked = placeholders([plain, plain_outputs, run.logs])
    assert not leaked, f"Pulumi.{stack}.yaml: these secrets reach plain inputs, outputs or logs: {sorted(leaked)}"


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("stack", STACKS)
def test_the_chart_renders_what_the_stack_means(stack: str, check: str) -> None:
    CHECKS[check](list(chart_render(stack)), settings_of(stack))


@pytest.mark.parametrize("stack", NODE_STACKS)
def test_node_files_send_each_upstream_image_where_zot_stores_it(stack: str) -> None:
    """For every upstream with a hosts.toml, the repository containerd asks the mirror for (tests/node_paths.py) is
    the one zot's generated sync config stores that upstream's image under."""
    settings = settings_of(stack)
    assert settings.nodes is not None
    files = containerd_hosts(settings, None)
    checked = 0
    for entry in checks.zot_config(settings)["extensions"]["sync"]["registries"]:
        for url in entry["urls"]:
            hosts_toml = files.get(f"/etc/containerd/certs.d/{url.split('://', 1)[1]}/hosts.toml", "")
            for repository in sample_repositories(entry) if hosts_toml else []:
                assert requested_repository(hosts_toml, repository) == [stored_repository(entry, repository)], url
                checked += 1
    assert checked, f"Pulumi.{stack}.yaml wires nodes, but no hosts.toml serves any upstream: {sorted(files)}"
