"""What zot v2.1.18 and the giantswarm/zot 2.9.0 chart accept, read from the research notes in ../shared/reference.

These are other projects' files, so they are read in place rather than copied into this repository.
Set ZOT_CACHE_REFERENCE to another folder holding them. Missing files skip these checks, or fail them when
ZOT_CACHE_REQUIRE_REFERENCE=1 (`.ci/run` sets it; GitHub workflows, which have no such folder, do not).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from tests.harness import ROOT


def _reference_dir() -> Path:
    """ZOT_CACHE_REFERENCE, else the nearest shared/reference beside this checkout or one of its parents."""
    if "ZOT_CACHE_REFERENCE" in os.environ:
        return Path(os.environ["ZOT_CACHE_REFERENCE"])
    candidates = [parent / "shared" / "reference" for parent in ROOT.parents]
    return next((path for path in candidates if path.is_dir()), candidates[0])


REFERENCE = _reference_dir()


def unavailable(what: str, fix: str) -> NoReturn:
    """Skip a test that needs something this machine lacks, or fail it where ZOT_CACHE_REQUIRE_REFERENCE=1."""
    if os.environ.get("ZOT_CACHE_REQUIRE_REFERENCE") == "1":
        pytest.fail(f"{what} is missing and ZOT_CACHE_REQUIRE_REFERENCE=1 requires it")
    pytest.skip(f"{what} is missing; {fix}")


def _path(name: str) -> Path:
    path = REFERENCE / name
    if not path.exists():
        unavailable(str(path), "set ZOT_CACHE_REFERENCE to the reference folder")
    return path


def chart_dir(name: str) -> Path:
    """An unpacked chart from the reference folder's charts/, ready for `helm template`."""
    return _path(f"charts/{name}")


@cache
def zot_keys() -> dict[str, Any]:
    return json.loads(_path("zot-config-keys.json").read_text())


@cache
def chart_defaults() -> dict[str, Any]:
    return yaml.safe_load(_path("gs-zot-values.yaml").read_text())


@cache
def chart_schema() -> dict[str, Any]:
    return json.loads(_path("gs-zot-values.schema.json").read_text())


@cache
def crd_schema(name: str, version: str) -> dict[str, Any]:
    """The openAPIV3Schema a CRD in the reference serves for one version."""
    crd = yaml.safe_load(_path(name).read_text())
    (served,) = [v for v in crd["spec"]["versions"] if v["name"] == version and v.get("served", True)]
    schema: dict[str, Any] = served["schema"]["openAPIV3Schema"]
    return schema


def app_crd_schema() -> dict[str, Any]:
    return crd_schema("gs-app-crd.yaml", "v1alpha1")


@cache
def upstream_chart_defaults() -> dict[str, Any]:
    """The project-zot chart's values.yaml (0.1.122)."""
    defaults: dict[str, Any] = yaml.safe_load(_path("upstream-zot-values.yaml").read_text())
    return defaults


def helm_merge(base: Any, override: Any) -> Any:
    """Helm's (and app-operator's) value merge: maps merge key by key; lists and scalars are replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = helm_merge(base.get(key), value) if key in base else value
        return merged
    return override


def unknown_zot_keys(config: dict[str, Any]) -> list[str]:
    """Paths in a config.json that zot v2.1.18's strict loader would reject as unknown keys."""
    inventory = zot_keys()
    allowed: dict[str, list[str]] = inventory["keys"]
    too_new = set(inventory["versionNotes"]["notInV2.1.18"])
    free_form = set(inventory["_meta"]["freeFormMaps"])
    problems: list[str] = []

    def walk(node: Any, level: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, f"{level}[]")
            return
        if not isinstance(node, dict) or level in free_form:
            return
        if f"{level}.*" in allowed:
            for value in node.values():
                walk(value, f"{level}.*")
            return
        names = {name.lower(): name for name in allowed.get(level, [])}
        for key, value in node.items():
            canonical = names.get(key.lower())
            path = f"{level}.{canonical}" if level else str(canonical)
            if canonical is None:
                problems.append(f"{level}.{key}" if level else key)
            elif path in too_new:
                problems.append(f"{path} (newer than v2.1.18)")
            else:
                walk(value, path)

    walk(config, "")
    return problems


def gs_cluster_containerd() -> Path:
    """A chart calling Giant Swarm's cluster chart (v8.0.0) node-file templates: one ConfigMap per hosts.toml."""
    return _path("gs-cluster-containerd")


@cache
def containerd_values_schema() -> dict[str, Any]:
    """The cluster chart's schema for global.components.containerd."""
    return json.loads(_path("gs-cluster-containerd/containerd.schema.json").read_text())
