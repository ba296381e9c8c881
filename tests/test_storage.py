"""The cache's volume: the claim the program applies (and where), what the chart is told, and storage.kubeconfig's
rules. The renders of it are in test_chart_renders.py and test_day2_edits.py."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from components.builders import advice
from components.builders.chart_values import build_values
from components.builders.names import claim_name
from components.settings.storage import Storage
from components.stack_config import load_settings
from tests import chart_checks as checks
from tests.docs import page
from tests.harness import (
    STANDIN_KUBECONFIG,
    changed_inputs,
    changed_paths,
    is_secret_value,
    run_program,
    stack_config,
    unwrap_secret,
)
from tests.helm import render
from tests.test_platforms import CLAIM, on_helm

PROVIDER = "pulumi:providers:kubernetes"
CLUSTER = {"name": "prod01", "organization": "platform"}
BASE: dict[str, Any] = {
    "registries": [{"name": "docker-hub", "urls": ["https://docker.io"], "onDemand": True}],
    "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
}


def refusal(config: dict[str, Any], secret_keys: set[str] | None = None) -> str:
    with pytest.raises(pulumi.RunError) as error:
        load_settings(config, secret_keys or set())
    return str(error.value)


def test_a_workload_clusters_claim_is_applied_there_with_the_kubeconfig_as_a_secret() -> None:
    run = run_program("prod")
    provider, claim = run.one(PROVIDER), run.one(CLAIM)
    assert is_secret_value(provider.inputs["kubeconfig"])
    assert unwrap_secret(provider.inputs["kubeconfig"]) == STANDIN_KUBECONFIG
    # A provider reference is "<provider URN>::<provider id>".
    assert claim.provider is not None
    assert claim.provider.split("::")[-2:-1] == [provider.name]
    settings = load_settings(*stack_config("prod"))
    assert claim.inputs["metadata"]["name"] == claim_name(settings) == "zot-pvc-zot-0"
    assert claim.inputs["metadata"]["namespace"] == "zot"
    # Takes over the fields the StatefulSet controller set on an existing install's claim.
    assert claim.inputs["metadata"]["annotations"] == {"pulumi.com/patchForce": "true"}
    assert claim.inputs["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "64Gi"}}}


@pytest.mark.parametrize("platform", ["app", "flux", "helm"])
def test_in_pulumis_own_cluster_the_claim_needs_no_provider(platform: str) -> None:
    config, secret_keys = stack_config("dev")
    config = on_helm(config) if platform == "helm" else {**config, "platform": platform}
    config["storage"] = {**config["storage"], "storageClass": "fast-ssd"}
    run = run_program("dev", config, secret_keys)
    assert not [r for r in run.resources if r.type == PROVIDER]
    assert run.one(CLAIM).inputs["spec"]["storageClassName"] == "fast-ssd"


@pytest.mark.parametrize("platform", ["app", "helm"])
def test_a_kubeconfig_without_app_cluster_sends_nothing_to_its_cluster(platform: str) -> None:
    """Moving prod into Pulumi's own cluster (dropping app.cluster) leaves the kubeconfig unread, as the warning
    says: the claim goes where zot runs, not to the workload cluster the kubeconfig names."""
    config, secret_keys = stack_config("prod")
    config = {**config, "app": {key: value for key, value in config["app"].items() if key != "cluster"}}
    if platform == "helm":
        config = {**config, "platform": "helm"}
    run = run_program("prod", config, secret_keys)
    assert not [r for r in run.resources if r.type == PROVIDER]
    assert run.one(CLAIM).provider is None


def test_in_render_mode_the_claim_goes_to_the_renderer_too() -> None:
    """Render mode deploys nothing: the claim (and a scaled-out cache's budget) must not reach the workload cluster
    through a provider of their own."""
    config, secret_keys = stack_config("prod")
    run = run_program("prod", {**config, "renderYamlToDirectory": "rendered/prod"}, secret_keys)
    (renderer,) = [r for r in run.resources if r.type == PROVIDER]
    assert "kubeconfig" not in renderer.inputs
    for resource in run.resources:
        if resource.type.startswith("kubernetes:") and resource.type != PROVIDER:
            assert resource.provider is not None, resource.name
            assert "::render::" in resource.provider, resource.name


def test_growing_the_volume_changes_only_the_claims_request() -> None:
    """A quiet preview: no values change, so the App is not repointed and zot does not restart."""
    config, secret_keys = stack_config("prod")
    grown = {**config, "storage": {**config["storage"], "size": "128Gi"}}
    before, after = run_program("prod", config, secret_keys), run_program("prod", grown, secret_keys)
    assert changed_inputs(before, after) == {f"{CLAIM}::prod01-zot-claim"}
    assert changed_paths(before.one(CLAIM).inputs, after.one(CLAIM).inputs) == {"spec.resources.requests.storage"}


def test_without_persistence_there_is_no_claim() -> None:
    config, secret_keys = stack_config("dev")
    run = run_program("dev", {**config, "storage": {"persistence": False}}, secret_keys)
    assert not [r for r in run.resources if r.type == CLAIM]


def test_the_chart_mounts_the_claim_and_never_sees_size_or_class() -> None:
    settings = load_settings(*stack_config("prod"))
    values = build_values(settings, "{}")
    assert values["pvc"] == {"create": False, "name": "zot-pvc-zot-0"}
    assert advice.warnings(settings) == []


def test_without_a_kubeconfig_the_charts_template_makes_the_claim_and_a_warning_says_what_that_fixes() -> None:
    config = {**BASE, "app": {"name": "zot", "cluster": CLUSTER}, "storage": {"size": "20Gi"}}
    settings = load_settings(config)
    values = build_values(settings, "{}")
    assert values["pvc"] == {
        "create": True,
        "accessModes": ["ReadWriteOnce"],
        "storage": "20Gi",
        "storageClassName": "",
    }
    assert [w for w in advice.warnings(settings) if "storage.kubeconfig" in w] == [
        "without storage.kubeconfig the chart's volumeClaimTemplates make the cache's claim, and Kubernetes cannot "
        "change them: a later storage.size or storageClass change makes every upgrade fail. Set a kubeconfig for "
        "the workload cluster (docs/platforms.md, The cache's volume): pulumi config set --secret --path "
        "'storage.kubeconfig' "
        '"$(cat <kubeconfig file>)"'
    ]
    run = run_program("test", config, set())
    assert not [r for r in run.resources if r.type in (CLAIM, PROVIDER)]


def test_a_bad_kubeconfig_is_refused() -> None:
    config = {**BASE, "app": {"cluster": CLUSTER}, "storage": {"kubeconfig": "server: https://api.example.org"}}
    message = "zot-cache:storage.kubeconfig: is not a kubeconfig (YAML with clusters and users)"
    assert message in refusal(config, {"storage"})


@pytest.mark.parametrize(
    ("changes", "warning"),
    [
        (
            {"storage": {"kubeconfig": STANDIN_KUBECONFIG}},
            "storage.kubeconfig is not read without app.cluster (zot runs in Pulumi's own cluster); remove it",
        ),
        (
            {"app": {"cluster": CLUSTER}, "storage": {"persistence": False, "kubeconfig": STANDIN_KUBECONFIG}},
            "storage.kubeconfig is not read without storage.persistence (there is no claim); remove it",
        ),
    ],
)
def test_an_unused_kubeconfig_is_warned(changes: dict[str, Any], warning: str) -> None:
    """Not refused: moving prod into Pulumi's own cluster (dropping app.cluster) is one edit, not two."""
    assert warning in advice.warnings(load_settings({**BASE, **changes}, {"storage"}))


@pytest.mark.parametrize(
    ("app", "claim"),
    [
        ({"name": "zot"}, "zot-pvc-zot-0"),
        # The StatefulSet controller's name would be 73 characters; the pod's volume is named after the claim.
        ({"name": "registry-cache-for-the-platform"}, "registry-cache-for-the-platform-pvc"),
        # The chart's template makes this one: its name is the controller's, however long.
        (
            {"name": "registry-cache-for-the-platform", "cluster": CLUSTER},
            "registry-cache-for-the-platform-pvc-registry-cache-for-the-platform-zot-0",
        ),
    ],
)
def test_a_claim_too_long_for_a_volume_name_is_named_after_the_template(app: dict[str, Any], claim: str) -> None:
    settings = load_settings({**BASE, "app": app})
    assert claim_name(settings) == claim
    manifests = render(settings)
    checks.check_storage(manifests, settings)
    checks.check_valid_for_kubernetes(manifests, settings)
    assert all(len(volume["name"]) <= 63 for volume in checks.pod_spec(manifests)["volumes"])


def test_a_bad_kubeconfig_is_never_echoed() -> None:
    config = {**BASE, "app": {"cluster": CLUSTER}, "storage": {"kubeconfig": "token: do-not-print-me"}}
    assert "do-not-print-me" not in refusal(config, {"storage"})


def test_a_kubeconfig_in_clear_text_is_refused() -> None:
    config = {**BASE, "app": {"cluster": CLUSTER}, "storage": {"kubeconfig": STANDIN_KUBECONFIG}}
    assert "zot-cache:storage.kubeconfig: is stored in clear text" in refusal(config)


def test_readme_has_a_reference_row_for_every_storage_key() -> None:
    readme = page("docs/reference.md")
    section = readme.split("### `storage`", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| `storage.")]
    keys = [field.alias or name for name, field in Storage.model_fields.items()]
    assert [key for key in keys if not any(re.fullmatch(rf"`storage\.{key}`", row) for row in rows)] == []
