"""The three platforms under mocks: what each creates, how its objects reference each other, and that switching
platforms changes only the objects that install the chart."""

from __future__ import annotations

import json
from typing import Any, cast

import jsonschema
import pulumi
import pulumi_kubernetes as k8s
import pytest

from components.builders.names import release_name, workload
from components.builders.plan import build_plan
from components.builders.upstream_values import GIANT_SWARM_ONLY, upstream_values
from components.platforms import alerts as platform_alerts
from components.platforms import service_monitor as platform_service_monitor
from components.platforms.flux import HELM_CHART_LAYER
from components.platforms.helm import INGRESS_TYPE, SKIP_AWAIT, skip_ingress_await
from components.settings import Settings
from components.stack_config import load_settings
from tests.harness import (
    APP,
    CONFIG_MAP,
    SECRET,
    STANDIN_SECRETS,
    ProgramRun,
    Resource,
    changed_inputs,
    is_secret_value,
    run_program,
    stack_config,
    unwrap_secret,
    values_config_map,
)
from tests.helm import helm_template, kinds_and_names
from tests.reference import crd_schema, upstream_chart_defaults
from tests.samples import keys_of

OCI_REPOSITORY = "kubernetes:source.toolkit.fluxcd.io/v1:OCIRepository"
HELM_RELEASE = "kubernetes:helm.toolkit.fluxcd.io/v2:HelmRelease"
NAMESPACE = "kubernetes:core/v1:Namespace"
CHART = "kubernetes:helm.sh/v4:Chart"
VPA = "kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler"
CLAIM = "kubernetes:core/v1:PersistentVolumeClaimPatch"
UPSTREAM_CHART = "project-zot-zot-0.1.122"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
# Keys the upstream chart's templates read that its values.yaml does not list (../shared/reference/zot.md §8).
UPSTREAM_TEMPLATE_ONLY = {"resources", "podSecurityContext", "securityContext"}


def on_helm(config: dict[str, Any]) -> dict[str, Any]:
    """A config moved to platform helm, which installs where Pulumi's kubeconfig points: no workload cluster (nor
    a kubeconfig for one), no App namespace."""
    app = {key: value for key, value in config.get("app", {}).items() if key in ("name", "namespace")}
    storage = {key: value for key, value in config.get("storage", {}).items() if key != "kubeconfig"}
    return {**config, "platform": "helm", "app": app, **({"storage": storage} if "storage" in config else {})}


def on(platform: str, stack: str = "prod") -> tuple[dict[str, Any], set[str]]:
    """A stack's config moved to another platform."""
    config, secret_keys = stack_config(stack)
    return (on_helm(config) if platform == "helm" else {**config, "platform": platform}), secret_keys


def run_on(platform: str, stack: str = "prod") -> ProgramRun:
    return run_program(stack, *on(platform, stack))


def kinds(run: ProgramRun) -> list[str]:
    return sorted(resource.type for resource in run.resources if resource.type.startswith("kubernetes:"))


def manifest(resource: Resource) -> dict[str, Any]:
    return {key: resource.state[key] for key in ("apiVersion", "kind", "metadata", "spec")}


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        # prod has metrics on: every platform also gets the dashboard ConfigMap and the alerts' PrometheusRule. On a
        # workload cluster (app, flux) the chart's ServiceMonitor scrapes. And persistence: the cache's volume claim.
        ("app", [APP, CONFIG_MAP, CONFIG_MAP, SECRET, PROMETHEUS_RULE, CLAIM]),
        ("flux", [CONFIG_MAP, CONFIG_MAP, SECRET, HELM_RELEASE, OCI_REPOSITORY, PROMETHEUS_RULE, CLAIM]),
        # The secret files; the program's ServiceMonitor and prod's scrape login it reads.
        ("helm", [CONFIG_MAP, SECRET, SECRET, NAMESPACE, CHART, PROMETHEUS_RULE, SERVICE_MONITOR, CLAIM]),
    ],
)
def test_each_platform_creates_its_objects(platform: str, expected: list[str]) -> None:
    assert kinds(run_on(platform)) == sorted(expected)


def test_flux_reads_the_same_values_objects_as_the_app_would() -> None:
    run = run_on("flux")
    release, source = run.one(HELM_RELEASE), run.one(OCI_REPOSITORY)
    spec = release.state["spec"]
    assert spec["valuesFrom"] == [
        {"kind": "ConfigMap", "name": "prod01-cluster-values", "valuesKey": "values"},
        {"kind": "ConfigMap", "name": values_config_map(run).state["metadata"]["name"], "valuesKey": "values"},
        {"kind": "Secret", "name": run.one(SECRET).state["metadata"]["name"], "valuesKey": "values"},
    ]
    # As app-operator installs it, so a move from the App keeps the release and its volume claim.
    assert (spec["releaseName"], spec["targetNamespace"], spec["storageNamespace"]) == ("zot", "zot", "zot")
    assert spec["kubeConfig"] == {"secretRef": {"name": "prod01-kubeconfig"}}
    assert spec["chartRef"] == {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "OCIRepository",
        "name": source.state["metadata"]["name"],
    }
    # Named and labelled as `kubectl gs deploy chart` does, in the organization namespace.
    for resource in (release, source):
        metadata = resource.state["metadata"]
        assert (metadata["name"], metadata["namespace"]) == ("prod01-zot", "org-platform")
        assert metadata["labels"]["giantswarm.io/cluster"] == "prod01"
    assert source.state["spec"]["url"] == "oci://gsoci.azurecr.io/charts/giantswarm/zot"
    assert source.state["spec"]["ref"] == {"tag": "2.9.0"}
    assert source.state["spec"]["layerSelector"] == HELM_CHART_LAYER


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_flux_objects_pass_the_flux_crd_schemas(stack: str) -> None:
    run = run_on("flux", stack)
    jsonschema.Draft7Validator(crd_schema("crds/helm.toolkit.fluxcd.io_helmreleases.yaml", "v2")).validate(
        manifest(run.one(HELM_RELEASE))
    )
    jsonschema.Draft7Validator(crd_schema("crds/source.toolkit.fluxcd.io_ocirepositories.yaml", "v1")).validate(
        manifest(run.one(OCI_REPOSITORY))
    )


def test_flux_in_the_management_cluster_needs_no_kubeconfig() -> None:
    spec = run_on("flux", "dev").one(HELM_RELEASE).state["spec"]
    assert "kubeConfig" not in spec
    assert [source["kind"] for source in spec["valuesFrom"]] == ["ConfigMap", "Secret"]


def test_an_older_flux_gets_the_oci_repository_version_it_serves() -> None:
    config, secret_keys = on("flux")
    config["flux"] = {"ociRepositoryApiVersion": "source.toolkit.fluxcd.io/v1beta2"}
    run = run_program("prod", config, secret_keys)
    (source,) = [r for r in run.resources if r.type.endswith(":OCIRepository")]
    assert source.type == "kubernetes:source.toolkit.fluxcd.io/v1beta2:OCIRepository"
    assert run.one(HELM_RELEASE).state["spec"]["chartRef"]["apiVersion"] == "source.toolkit.fluxcd.io/v1beta2"


def test_moving_from_app_to_flux_changes_only_the_objects_that_install_the_chart() -> None:
    before, after = run_on("app"), run_on("flux")
    # The values objects keep their Pulumi names and inputs: nothing is replaced, the App gives way to Flux.
    assert {key.split("::")[0] for key in changed_inputs(before, after)} == {APP, OCI_REPOSITORY, HELM_RELEASE}
    for found in (values_config_map, lambda run: run.one(SECRET)):
        assert found(before).inputs == found(after).inputs


def helm_values(settings: Settings) -> dict[str, Any]:
    """What the helm platform hands the upstream chart, with the name of the Secret it creates spelled out."""
    return upstream_values(build_plan(settings, keys_of(settings)), "zot-secret-files")


def settings_on(platform: str, stack: str) -> Settings:
    return load_settings(*on(platform, stack))


def secret_named(run: ProgramRun, suffix: str) -> Resource:
    (found,) = [r for r in run.resources if r.type == SECRET and r.name.endswith(suffix)]
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_helm_values_are_plain_and_the_secret_files_have_a_secret_of_their_own(stack: str) -> None:
    run = run_on("helm", stack)
    chart = run.one(CHART).inputs
    # No secret in the values: the preview shows them key by key.
    assert not is_secret_value(chart["values"])
    settings = settings_on("helm", stack)
    expected = helm_values(settings)
    files = secret_named(run, "-secret-files")
    expected["externalSecrets"][0]["secretName"] = files.state["metadata"]["name"]
    assert chart["values"] == expected
    assert expected["externalSecrets"][0]["mountPath"] == "/secret"
    assert is_secret_value(files.inputs["stringData"])
    plan = build_plan(settings, keys_of(settings, stack))
    assert unwrap_secret(files.inputs["stringData"]) == plan.secret_values["secretFiles"]
    release = release_name(settings.app)
    assert (chart["name"], chart["namespace"], chart["chart"], chart["version"]) == (release, "zot", "zot", "0.1.122")
    assert chart["repositoryOpts"] == {"repo": "https://zotregistry.dev/helm-charts"}
    plain = json.dumps(chart)
    for standin in STANDIN_SECRETS.get(stack, {}).values():
        assert standin not in plain


def test_the_scrape_login_secret_holds_the_password_as_a_secret() -> None:
    string_data = secret_named(run_on("helm"), "-metrics-login").inputs["stringData"]
    assert is_secret_value(string_data)
    assert unwrap_secret(string_data) == {
        "username": "metrics",
        "password": STANDIN_SECRETS["prod"]["users[2].password"],
    }


def upstream_keys(node: dict[str, Any], defaults: dict[str, Any], path: str = "") -> list[str]:
    """Keys of `node` the chart does not know, recursing where its defaults have a map of fixed keys."""
    unknown = []
    for key, value in node.items():
        here = f"{path}.{key}" if path else key
        if key not in defaults:
            if not path and key in UPSTREAM_TEMPLATE_ONLY:
                continue
            unknown.append(here)
        elif isinstance(value, dict) and isinstance(defaults[key], dict) and defaults[key]:
            unknown += upstream_keys(value, defaults[key], here)
    return unknown


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_helm_values_use_only_keys_the_upstream_chart_reads(stack: str) -> None:
    values = helm_values(settings_on("helm", stack))
    assert not set(GIANT_SWARM_ONLY) & set(values)
    # Free-form maps (annotations, files) hold the user's keys, not the chart's: compare one level into them only.
    defaults = upstream_chart_defaults()
    assert upstream_keys(values, defaults) == []


def test_upstream_key_check_can_fail() -> None:
    assert upstream_keys({"giantswarm": {}, "service": {"typo": 1}}, upstream_chart_defaults()) == [
        "giantswarm",
        "service.typo",
    ]


@pytest.mark.parametrize("persistence", [True, False], ids=["statefulset", "deployment"])
def test_the_vpa_targets_the_workload_the_upstream_chart_renders(persistence: bool) -> None:
    config, secret_keys = on("helm", "dev")
    config["storage"] = {"persistence": persistence}
    run = run_program("dev", config, secret_keys)
    target = run.one(VPA).state["spec"]["targetRef"]
    settings = load_settings(config, secret_keys)
    rendered = helm_template(helm_values(settings), "zot", "zot", chart=UPSTREAM_CHART)
    workloads = [(kind, name) for kind, name in kinds_and_names(rendered) if kind in ("StatefulSet", "Deployment")]
    assert workloads == [(target["kind"], target["name"])] == [workload(settings)]
    assert run.one(VPA).state["spec"]["resourcePolicy"]["containerPolicies"][0]["containerName"] == next(
        container["name"]
        for doc in rendered
        if doc["kind"] == target["kind"]
        for container in doc["spec"]["template"]["spec"]["containers"]
    )


def test_no_vpa_with_fixed_memory() -> None:
    assert VPA not in kinds(run_on("helm"))


def test_platform_keys_are_refused_where_they_do_not_apply() -> None:
    config, secret_keys = on("app", "dev")
    config["helm"] = {"version": "0.1.121"}
    config["platform"] = "app"
    with pytest.raises(Exception, match=r"zot-cache:helm: is only read with platform helm \(platform is app\)"):
        load_settings(config, secret_keys)
    config, secret_keys = stack_config("prod")
    config["platform"] = "helm"
    with pytest.raises(Exception, match=r"zot-cache:app\.cluster: is not used with platform helm"):
        load_settings(config, secret_keys)


def test_the_node_port_is_always_written_for_a_node_port_service() -> None:
    """The upstream chart leaves nodePort to Kubernetes unless told; the node files name 32767."""
    config, secret_keys = on("helm", "dev")
    config["service"] = {"type": "NodePort"}
    values = helm_values(load_settings(config, secret_keys))
    assert values["service"] == {"type": "NodePort", "port": 5000, "nodePort": 32767}


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("appNamespace", "org-acme", "it is where the App, ConfigMap and Secret live"),
        ("catalog", "giantswarm", "only app-operator reads a catalog"),
        ("version", "2.9.0", "with platform helm, helm.chart/helm.version name the chart"),
    ],
)
def test_app_keys_the_helm_platform_does_not_read_are_refused(key: str, value: str, why: str) -> None:
    config, secret_keys = on("helm", "dev")
    config["app"][key] = value
    with pytest.raises(Exception, match=rf"zot-cache:app\.{key}: is not used with platform helm \({why}\); remove it"):
        load_settings(config, secret_keys)


def pulumi_type(manifest: dict[str, Any]) -> str:
    """The Pulumi type pulumi-kubernetes gives a rendered object: the core group is spelled "core"."""
    api_version = manifest["apiVersion"] if "/" in manifest["apiVersion"] else f"core/{manifest['apiVersion']}"
    return f"kubernetes:{api_version}:{manifest['kind']}"


def test_pulumi_does_not_wait_for_a_load_balancer_address_on_the_helm_platforms_ingress() -> None:
    """Every object real helm renders, passed through the Chart's transform as Pulumi passes its children: only
    the Ingress changes, and only by the skipAwait annotation (its own annotations kept)."""
    settings = settings_on("helm", "prod")
    rendered = helm_template(helm_values(settings), release_name(settings.app), "zot", chart=UPSTREAM_CHART)
    changed = {}
    for doc in rendered:
        args = pulumi.ResourceTransformArgs(
            True, pulumi_type(doc), doc["metadata"]["name"], doc, pulumi.ResourceOptions()
        )
        result = skip_ingress_await(args)
        if result is not None:
            changed[pulumi_type(doc)] = (doc, result.props)
    assert list(changed) == [INGRESS_TYPE]
    before, after = (cast(dict[str, Any], props) for props in changed[INGRESS_TYPE])
    annotations = after["metadata"].pop("annotations")
    assert annotations == {**before["metadata"]["annotations"], SKIP_AWAIT: "true"}
    assert "cert-manager.io/cluster-issuer" in annotations
    assert {**after, "metadata": {**after["metadata"], "annotations": before["metadata"]["annotations"]}} == before


def test_the_helm_chart_is_installed_with_the_ingress_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    charts: list[pulumi.ResourceOptions] = []
    real = k8s.helm.v4.Chart

    def recording(resource_name: str, **kwargs: Any) -> Any:
        charts.append(kwargs["opts"])
        return real(resource_name, **kwargs)

    monkeypatch.setattr(k8s.helm.v4, "Chart", recording)
    run_on("helm")
    (opts,) = charts
    assert opts.transforms == [skip_ingress_await]


NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch"


def in_cluster(platform: str, installer_namespace: str, metrics: bool = True) -> tuple[dict[str, Any], set[str]]:
    """dev, whose zot runs in namespace zot of the cluster Pulumi talks to, with its App or HelmRelease elsewhere."""
    config, secret_keys = stack_config("dev")
    config["platform"] = platform
    config["app"] = {**config["app"], "appNamespace": installer_namespace}
    if metrics:
        config["metrics"] = {"enabled": True, "serviceMonitor": True}
    return config, secret_keys


@pytest.mark.parametrize(("platform", "installer_namespace"), [("flux", "flux-apps"), ("app", "giantswarm")])
def test_what_goes_beside_the_chart_waits_for_zots_namespace_when_the_installer_lives_elsewhere(
    platform: str, installer_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """helm-controller (install.createNamespace) and chart-operator create zot's namespace only as they install:
    on the first `up`, the program's ServiceMonitor and PrometheusRule in it need it to exist first."""
    waited_for: dict[str, list[Any]] = {}
    for beside in (platform_service_monitor, platform_alerts):
        real = beside.deploy

        def recording(name: str, settings: Settings, opts: pulumi.ResourceOptions, real: Any = real) -> None:
            waited_for[real.__module__] = list(cast(list[Any], opts.depends_on or []))
            real(name, settings, opts)

        monkeypatch.setattr(beside, "deploy", recording)
    run = run_program("dev", *in_cluster(platform, installer_namespace))
    patch = run.one(NAMESPACE_PATCH)
    assert patch.inputs["metadata"] == {"name": "zot"}
    assert {
        r.inputs["metadata"]["namespace"] for r in run.resources if r.type in (SERVICE_MONITOR, PROMETHEUS_RULE)
    } == {"zot"}
    assert set(waited_for) == {"components.platforms.service_monitor", "components.platforms.alerts"}
    for deployer, depends_on in waited_for.items():
        assert [type(r) for r in depends_on] == [k8s.core.v1.NamespacePatch], deployer


@pytest.mark.parametrize(
    ("platform", "installer_namespace", "metrics"),
    [("flux", "zot", True), ("flux", "flux-apps", False), ("app", "zot", True)],
    ids=["installer-beside-zot", "nothing-beside-the-chart", "app-in-zots-namespace"],
)
def test_no_namespace_patch_where_nothing_waits_for_it(platform: str, installer_namespace: str, metrics: bool) -> None:
    run = run_program("dev", *in_cluster(platform, installer_namespace, metrics))
    assert not [r for r in run.resources if r.type == NAMESPACE_PATCH]
