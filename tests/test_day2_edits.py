"""Day-2 edits upgrade in place: each edit README describes, rendered before and after with the real chart (and the
volume claim the program applies beside it), changes no field Kubernetes or pulumi-kubernetes cannot change on an
existing object, or is one of the edits Kubernetes refuses, which README gives the safe steps for.

What Kubernetes refuses to change (kubernetes/kubernetes 2dd1588c):
- StatefulSet: all of `spec` but replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy
  and minReadySeconds (pkg/apis/apps/validation/validation.go, ValidateStatefulSetUpdate);
- Deployment: `spec.selector` (apps/v1; pkg/registry/apps/deployment/strategy.go, ValidateUpdate);
- Service: `spec.clusterIP`, `spec.clusterIPs` (pkg/apis/core/validation/validation.go, ValidateServiceUpdate);
- PersistentVolumeClaim, bound: all of `spec` but `resources.requests`, and `requests.storage` only grows
  (pkg/apis/core/validation/validation.go, ValidatePersistentVolumeClaimUpdate);
- Job: `spec.selector`, `spec.template` (pkg/apis/batch/validation/validation.go, ValidateJobSpecUpdate);
- RoleBinding, ClusterRoleBinding: `roleRef` (pkg/apis/rbac/validation/validation.go, ValidateRoleBindingUpdate).
On platform helm every rendered object is a Pulumi resource, and pulumi-kubernetes replaces (deletes first, for a
named object) on more: StatefulSet podManagementPolicy, revisionHistoryLimit, selector, serviceName,
volumeClaimTemplates; Deployment selector; Service clusterIP; PersistentVolumeClaim accessModes, selector,
storageClassName, volumeName; Job completions, parallelism, selector, template; Secret type (provider/pkg/provider/
diff.go L111-118, L155-205). The program's own claim is a Patch resource, never replaced (platforms/volume.py).
A Service's selector may change, but it is how the pod is found: it must stay too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest

from components.builders.names import claim_name
from components.settings import Settings
from components.settings.units import parse_quantity
from components.stack_config import load_settings
from tests.docs import all_docs
from tests.harness import run_program, stack_config
from tests.helm import Manifest, helm_template, render
from tests.test_platforms import CHART, UPSTREAM_CHART, on_helm
from tests.test_upstream_renders import objects_beside_the_chart

Config = dict[str, Any]
Edit = Callable[[Config], None]

STATEFULSET_MUTABLE = {
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
}
# kind -> fields of an existing object that may not change: the union of Kubernetes' and pulumi-kubernetes' lists.
FROZEN: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec.selector",),
    "DaemonSet": ("spec.selector",),
    "Service": ("spec.clusterIP", "spec.clusterIPs", "spec.selector"),
    "Job": ("spec.selector", "spec.template", "spec.completions", "spec.parallelism"),
    "RoleBinding": ("roleRef",),
    "ClusterRoleBinding": ("roleRef",),
    "Secret": ("type",),
}
# What holds the cache or finds its pod: deleting one (a rename is a delete and a create) loses the cache or
# breaks every client for a while.
KEPT_KINDS = ("StatefulSet", "Deployment", "Service", "PersistentVolumeClaim")


def _at(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document.get(part) if isinstance(document, dict) else None
    return document


def frozen_changes(before: list[Manifest], after: list[Manifest]) -> Iterator[str]:
    """Each change to an existing object that Kubernetes refuses or pulumi-kubernetes turns into a replacement."""
    old = {(m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"]): m for m in before}
    new = {(m["kind"], m["metadata"].get("namespace"), m["metadata"]["name"]): m for m in after}
    for key, was in old.items():
        kind, _, name = key
        now = new.get(key)
        if now is None:
            if kind in KEPT_KINDS:
                yield f"{kind} {name} is deleted"
            continue
        for path in FROZEN.get(kind, ()):
            if _at(was, path) != _at(now, path):
                yield f"{kind} {name} {path}"
        if kind == "StatefulSet":
            keys = (was["spec"].keys() | now["spec"].keys()) - STATEFULSET_MUTABLE
            yield from (f"{kind} {name} spec.{k}" for k in sorted(keys) if was["spec"].get(k) != now["spec"].get(k))
        if kind == "PersistentVolumeClaim":
            keys = (was["spec"].keys() | now["spec"].keys()) - {"resources"}
            yield from (f"{kind} {name} spec.{k}" for k in sorted(keys) if was["spec"].get(k) != now["spec"].get(k))
            size = [parse_quantity(m["spec"]["resources"]["requests"]["storage"]) for m in (was, now)]
            if size[1] < size[0]:
                yield f"{kind} {name} spec.resources.requests.storage shrinks"


def _set(path: str, value: Any) -> Edit:
    def edit(config: Config) -> None:
        *parents, last = path.split(".")
        node = config
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    return edit


def _add_upstream(config: Config) -> None:
    # README "Adding an upstream": the entry, and the read the nodes' pull user needs for its namespace.
    config["registries"] = [*config["registries"], {"name": "ghcr", "urls": ["https://ghcr.io"], "onDemand": True}]
    readers = {"users": ["reader", "node-pull"], "actions": ["read"]}
    config["accessControl"]["repositories"]["ghcr.io/**"] = {"policies": [readers]}


def _add_user(config: Config) -> None:
    config["users"] = [*config["users"], {"name": "ci", "password": "standin-ci-password"}]
    config["accessControl"]["repositories"]["internal/**"]["policies"][1]["users"].append("ci")


def _rotate(config: Config) -> None:
    config["users"][0] = {**config["users"][0], "password": "new-admin-password"}


def _memory(config: Config) -> None:
    config["resources"] = {**config["resources"], "requests": {"cpu": "350m", "memory": "2048Mi"}}
    config["resources"]["limits"] = {"cpu": "500m", "memory": "2048Mi"}


# README's day-2 edits (Changing a stack, the runbooks, the configuration reference), each on prod with a 20Gi
# volume: the edit, and None (in place) or the one frozen change Kubernetes refuses (README, Troubleshooting), on
# the claim the alerts watch.
EDITS: dict[str, tuple[Edit, str | None]] = {
    "storage.size 20Gi -> 50Gi (grow the volume)": (_set("storage.size", "50Gi"), None),
    "storage.size 20Gi -> 10Gi (shrink)": (
        _set("storage.size", "10Gi"),
        "PersistentVolumeClaim {claim} spec.resources.requests.storage shrinks",
    ),
    "storage.storageClass": (
        _set("storage.storageClass", "fast-ssd"),
        "PersistentVolumeClaim {claim} spec.storageClassName",
    ),
    "memory": (_memory, None),
    "ingress host": (_set("ingress.hosts", ["cache.prod01.example.org"]), None),
    "a new upstream": (_add_upstream, None),
    "a new user": (_add_user, None),
    "a rotated password": (_rotate, None),
    "zot.logLevel": (_set("zot.logLevel", "debug"), None),
    "retention window": (_set("retention.pulledWithin", "1440h"), None),
    # Only chart 2.9.0 is here to render: this proves the program's part (values unchanged, the App's version
    # updated in place); a new chart's own changes are read in its changelog (a warning says so).
    "chart version": (_set("app.version", "2.9.1"), None),
}


def prod_with(edit: Edit | None) -> tuple[Config, set[str]]:
    config, secret_keys = stack_config("prod")
    config["storage"] = {**config["storage"], "size": "20Gi"}
    if edit is not None:
        edit(config)
    return config, secret_keys


def rendered_app(edit: Edit | None) -> tuple[list[Manifest], Settings]:
    """Giant Swarm's chart as app-operator (or Flux) installs it, and the claim the program applies."""
    settings = load_settings(*prod_with(edit))
    return render(settings), settings


def rendered_helm(edit: Edit | None) -> tuple[list[Manifest], Settings]:
    """Platform helm: the upstream chart from the values the program hands helm.v4.Chart, and its own objects."""
    config, secret_keys = prod_with(edit)
    config = on_helm(config)
    run = run_program("prod", config, secret_keys)
    chart = run.one(CHART).inputs
    manifests = helm_template(chart["values"], chart["name"], chart["namespace"], chart=UPSTREAM_CHART)
    return [*manifests, *objects_beside_the_chart(run)], load_settings(config, secret_keys)


RENDERERS = {"app": rendered_app, "helm": rendered_helm}


@cache
def _base(platform: str) -> tuple[Manifest, ...]:
    return tuple(RENDERERS[platform](None)[0])


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("platform", RENDERERS)
def test_each_day2_edit_upgrades_in_place_or_is_one_kubernetes_refuses(platform: str, edit: str) -> None:
    change, refused = EDITS[edit]
    after, settings = RENDERERS[platform](change)
    expected = [refused.format(claim=claim_name(settings))] if refused else []
    assert list(frozen_changes(list(_base(platform)), after)) == expected


@pytest.mark.parametrize("platform", RENDERERS)
def test_storage_size_reaches_only_the_claim(platform: str) -> None:
    """Growing the volume changes the claim's request and nothing the chart renders: no upgrade, no restart."""
    after, _ = RENDERERS[platform](EDITS["storage.size 20Gi -> 50Gi (grow the volume)"][0])
    before = list(_base(platform))
    changed = [m for m in after if m not in before]
    assert [(m["kind"], m["spec"]["resources"]["requests"]["storage"]) for m in changed] == [
        ("PersistentVolumeClaim", "50Gi")
    ]


def test_the_check_sees_what_the_old_storage_design_broke() -> None:
    """With the size in the chart's volumeClaimTemplates (a workload cluster without storage.kubeconfig), the same
    edit changes the StatefulSet's spec, which Kubernetes refuses: the check is not blind to it."""

    def without_kubeconfig(edit: Edit | None) -> list[Manifest]:
        config, secret_keys = prod_with(edit)
        config["storage"] = {key: value for key, value in config["storage"].items() if key != "kubeconfig"}
        return render(load_settings(config, secret_keys))

    grown = without_kubeconfig(EDITS["storage.size 20Gi -> 50Gi (grow the volume)"][0])
    assert list(frozen_changes(without_kubeconfig(None), grown)) == ["StatefulSet zot spec.volumeClaimTemplates"]


@pytest.mark.parametrize(
    ("kind", "path", "message"),
    [
        ("Deployment", "spec.selector", "Deployment x spec.selector"),
        ("Service", "spec.clusterIP", "Service x spec.clusterIP"),
        ("StatefulSet", "spec.serviceName", "StatefulSet x spec.serviceName"),
        ("Job", "spec.template", "Job x spec.template"),
    ],
)
def test_the_check_catches_each_frozen_field(kind: str, path: str, message: str) -> None:
    before = {"kind": kind, "metadata": {"name": "x"}, "spec": {}}
    after = {"kind": kind, "metadata": {"name": "x"}, "spec": {path.split(".")[1]: "changed"}}
    assert list(frozen_changes([before], [after])) == [message]
    assert list(frozen_changes([before], [])) == ([f"{kind} x is deleted"] if kind in KEPT_KINDS else [])


def test_readme_gives_the_safe_steps_for_each_refused_edit() -> None:
    """What Kubernetes answers to a refused claim change (ValidatePersistentVolumeClaimUpdate), and that README's
    troubleshooting names it with its way out."""
    readme = all_docs()
    for message in ("field can not be less than previous value", "spec is immutable after creation"):
        assert message in readme, f"README does not explain {message!r}"
