"""The App CR against the CRD's OpenAPI schema, and the names app-operator and the chart derive."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from components.builders.names import in_cluster_url, registry_url, release_name, service_name
from components.platforms.app import API_VERSION, KIND, app_labels, app_spec
from components.settings.target import AppTarget
from components.stack_config import load_settings
from tests.harness import changed_inputs, changed_outputs, run_program, stack_config
from tests.reference import app_crd_schema
from tests.samples import everything_settings, stack_settings


def app_manifest(target: AppTarget) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {"name": target.name, "namespace": target.cr_namespace, "labels": app_labels(target)},
        "spec": app_spec(target, "zot-values-1", "zot-secret-values-1"),
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_app_passes_the_crd_schema(stack: str) -> None:
    jsonschema.Draft7Validator(app_crd_schema()).validate(app_manifest(stack_settings(stack).app))


def test_crd_check_can_fail() -> None:
    manifest = app_manifest(stack_settings("dev").app)
    del manifest["spec"]["kubeConfig"]["inCluster"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(app_crd_schema()).validate(manifest)


def test_in_cluster_app() -> None:
    target = stack_settings("dev").app
    assert app_labels(target) == {"app-operator.giantswarm.io/version": "0.0.0"}
    spec = app_spec(target, "cm", "secret")
    assert spec["kubeConfig"] == {"inCluster": True}
    assert spec["userConfig"] == {
        "configMap": {"name": "cm", "namespace": "zot"},
        "secret": {"name": "secret", "namespace": "zot"},
    }
    assert (spec["catalog"], spec["name"], spec["version"], spec["namespace"]) == ("giantswarm", "zot", "2.9.0", "zot")


def test_workload_cluster_app_lives_in_the_org_namespace() -> None:
    target = stack_settings("prod").app
    assert target.cr_namespace == "org-platform"
    assert app_labels(target) == {"giantswarm.io/cluster": "prod01"}
    spec = app_spec(target, "cm", "secret")
    assert spec["kubeConfig"] == {
        "inCluster": False,
        "secret": {"name": "prod01-kubeconfig", "namespace": "org-platform"},
    }
    assert spec["config"] == {"configMap": {"name": "prod01-cluster-values", "namespace": "org-platform"}}
    assert spec["userConfig"]["secret"]["namespace"] == "org-platform"


@pytest.mark.parametrize(
    ("app", "release", "service"),
    [
        ({"name": "zot"}, "zot", "zot"),
        ({"name": "cache"}, "cache", "cache-zot"),
        ({"name": "prod01-zot", "cluster": {"name": "prod01", "organization": "o"}}, "zot", "zot"),
        ({"name": "cache-prod01", "cluster": {"name": "prod01", "organization": "o"}}, "cache", "cache-zot"),
        # app-operator trims the prefix, then the suffix (giantswarm/app pkg/key/chart.go L25-26).
        ({"name": "prod01-zot-prod01", "cluster": {"name": "prod01", "organization": "o"}}, "zot", "zot"),
        ({"name": "prod01-prod01", "cluster": {"name": "prod01", "organization": "o"}}, "prod01", "prod01-zot"),
        ({"name": "zot-prod01-x", "cluster": {"name": "prod01", "organization": "o"}}, "zot-prod01-x", "zot-prod01-x"),
        ({"name": "prod01-zot", "cluster": None}, "prod01-zot", "prod01-zot"),
        ({"name": "a" * 53}, "a" * 53, "a" * 53 + "-zot"),
    ],
)
def test_release_and_service_names(app: dict[str, Any], release: str, service: str) -> None:
    target = AppTarget.model_validate(app)
    assert release_name(target) == release
    assert service_name(target) == service


def test_urls() -> None:
    assert registry_url(stack_settings("dev")) == "http://zot.zot.svc.cluster.local:5000"
    assert registry_url(stack_settings("prod")) == "https://zot.prod01.example.org"
    assert in_cluster_url(stack_settings("prod")) == "http://zot.zot.svc.cluster.local:5000"
    assert (
        in_cluster_url(everything_settings()) == "http://zot.registry.svc.cluster.local:5000"
    )  # App mc-zot on cluster mc: release zot
    # Plain http only without logins: with users a plain-http ingress is refused.
    plain = {
        "registries": [{"urls": ["https://docker.io"], "onDemand": True}],
        "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        "ingress": {"enabled": True, "tls": False, "hosts": ["h.example.org"]},
    }
    assert registry_url(load_settings(plain)) == "http://h.example.org"


def test_the_cluster_domain_names_the_in_cluster_url_and_nothing_else_with_one_replica() -> None:
    config, secret_keys = stack_config("dev")
    before = run_program("dev", config, secret_keys)
    config["app"] = {**config.get("app", {}), "clusterDomain": "dev01.example.internal"}
    after = run_program("dev", config, secret_keys)
    assert after.outputs["inClusterUrl"] == "http://zot.zot.svc.dev01.example.internal:5000"
    # dev has no ingress: its registryUrl is the in-cluster one.
    assert changed_outputs(before, after) == {"inClusterUrl", "registryUrl"}
    assert changed_inputs(before, after) == set()
