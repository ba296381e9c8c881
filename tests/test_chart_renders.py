"""The giantswarm/zot 2.9.0 chart, rendered with real `helm template` from the values as app-operator merges them,
runs what the program means (tests/chart_checks.py): for both stacks and every option, as a StatefulSet with its
volume and as a Deployment without one.

Each check is also shown to fail: the same render with one value set wrong (or one rendered field changed) must
trip it, with the message that names the fault.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi
import pytest

from components.builders.advice import warnings
from components.builders.names import in_cluster_url, service_name
from components.builders.service_monitor import (
    SCRAPE_PASSWORD_KEY,
    SCRAPE_USERNAME_KEY,
    monitor_labels,
    monitor_name,
    program_scrapes,
    service_monitor_spec,
)
from components.settings import Settings
from components.stack_config import load_settings
from tests import chart_checks as checks
from tests.harness import set_path, stack_config
from tests.helm import Manifest, render, user_values
from tests.samples import everything_settings, stack_settings

# Every option at once: one render persists (StatefulSet, storage class, VPA), one does not (Deployment, fixed
# memory with GOGC and GOMEMLIMIT); both keep strategy Recreate, which only the Deployment can honour.
PERSISTENT_EVERYTHING = {
    "storage": {"persistence": True, "size": "20Gi", "storageClass": "fast-ssd"},
    "resources": {
        "requests": {"cpu": "250m", "memory": "1536Mi"},
        "limits": {"cpu": "1", "memory": "1536Mi"},
        "vpa": {"enabled": True, "maxAllowed": {"cpu": "2", "memory": "3Gi"}},
        "gogc": 75,
    },
}


def in_cluster_prod() -> Settings:
    """prod as an in-cluster App (Pulumi talks to zot's cluster): the program scrapes with its own ServiceMonitor."""
    config, secret_keys = stack_config("prod")
    return load_settings({**config, "app": {"name": "zot", "namespace": "zot"}}, secret_keys)


CASES: dict[str, Callable[[], Settings]] = {
    "dev": lambda: stack_settings("dev"),
    "prod": lambda: stack_settings("prod"),
    "prod-in-cluster": in_cluster_prod,
    "everything-statefulset": lambda: everything_settings(**PERSISTENT_EVERYTHING),
    "everything-deployment": everything_settings,
}

Check = Callable[[list[Manifest], Settings], None]

CHECKS: dict[str, Check] = {
    "workload": lambda manifests, settings: checks.check_workload(manifests, settings, service_name(settings.app)),
    "storage": checks.check_storage,
    "no removed APIs": checks.check_no_removed_apis,
    "ports": lambda manifests, settings: checks.check_ports(manifests, settings, in_cluster_url(settings)),
    "config.json": checks.check_config_mounted,
    "secret files": checks.check_secret_files,
    "ingress": checks.check_ingress,
    "resources and VPA": checks.check_resources,
    "Go env": checks.check_go_env,
    "metrics": checks.check_metrics,
    "restricted pod": checks.check_restricted,
    "valid for Kubernetes": checks.check_valid_for_kubernetes,
}


LOGIN_SECRET = "zot-metrics-login-1a2b3c"


def beside_the_chart(settings: Settings) -> list[Manifest]:
    """The program's ServiceMonitor and its login Secret as the API server stores them (components/platforms/
    service_monitor.py makes them where the program scrapes), for the checks that read them with the chart's."""
    if not program_scrapes(settings):
        return []
    scraper = settings.scrape_user
    login = LOGIN_SECRET if scraper is not None and scraper.password is not None else None
    metadata = {"name": monitor_name(settings), "namespace": settings.app.namespace, "labels": monitor_labels(settings)}
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": metadata}
    objects = [{**monitor, "spec": service_monitor_spec(settings, login)}]
    if scraper is not None and scraper.password is not None:
        data = {SCRAPE_USERNAME_KEY: scraper.name, SCRAPE_PASSWORD_KEY: scraper.password.get_secret_value()}
        encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
        secret_metadata = {"name": LOGIN_SECRET, "namespace": settings.app.namespace}
        objects.append({"apiVersion": "v1", "kind": "Secret", "metadata": secret_metadata, "data": encoded})
    return objects


@cache
def _rendered(case: str) -> tuple[list[Manifest], Settings]:
    settings = CASES[case]()
    return render(settings) + beside_the_chart(settings), settings


def rendered(case: str) -> tuple[list[Manifest], Settings]:
    """The case's render and settings, as the checks take them, shared by the tests (the render copied, so no test
    changes another's)."""
    manifests, settings = _rendered(case)
    return copy.deepcopy(manifests), settings


def test_the_cases_cover_both_workloads_and_vpa_on_and_off() -> None:
    shapes = {(s.storage.persistence, s.resources.vpa.enabled, s.ingress.enabled) for _, s in map(rendered, CASES)}
    assert {persistence for persistence, _, _ in shapes} == {True, False}
    assert {vpa for _, vpa, _ in shapes} == {True, False}
    assert {ingress for _, _, ingress in shapes} == {True, False}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("case", CASES)
def test_the_render_runs_what_was_meant(case: str, check: str) -> None:
    CHECKS[check](*rendered(case))


def test_strategy_is_ignored_by_the_statefulset_and_the_program_says_so() -> None:
    manifests, settings = rendered("everything-statefulset")
    assert settings.strategy == "Recreate"
    assert "strategy" not in checks.workload(manifests)["spec"]
    assert any(warning.startswith("strategy Recreate has no effect") for warning in warnings(settings))


@pytest.mark.parametrize("case", ["dev", "prod", "everything-statefulset"])
def test_the_statefulset_names_a_rendered_service(case: str) -> None:
    # The chart gives the StatefulSet its serviceName (<fullname>-headless) only with serviceHeadless.enabled.
    checks.check_statefulset_service(*rendered(case))


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda values: set_path(values, path, value)


# Each check fails on a render with one value wrong: (case, change to the values the chart gets, check, message).
WRONG_VALUES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str, str]] = {
    "Deployment for a persistent cache": ("dev", _set("persistence", False), "workload", "Deployment"),
    "another workload name": ("prod", _set("fullnameOverride", "cache"), "workload", "cache"),
    "strategy dropped from the Deployment": (
        "everything-deployment",
        _set("strategy", {"type": "RollingUpdate"}),
        "workload",
        "ignores the strategy",
    ),
    "another claim mounted": ("prod", _set("pvc.name", "other"), "storage", "on claim other, which nothing"),
    "a PodSecurityPolicy": ("prod", _set("global.podSecurityStandards.enforced", False), "no removed APIs", "Policy"),
    "probes on another port": ("dev", _set("httpGet.port", 8080), "ports", "livenessProbe is on 8080"),
    "another Service port": ("prod", _set("service.port", 5001), "ports", "has no port 5000"),
    "no NodePort": ("dev", _set("service.type", "ClusterIP"), "ports", "ClusterIP"),
    "config.json changed": ("prod", _set("configFiles", {"config.json": "{}"}), "config.json", "differs"),
    "config not mounted": ("dev", _set("mountConfig", False), "config.json", "nothing is mounted"),
    "secrets not mounted": ("prod", _set("mountSecret", False), "secret files", "no Secret file"),
    "the chart's sample logins": (
        "prod",
        _set("secretFiles.htpasswd", "admin:$2y$05$x\nuser:$2y$05$y\n"),
        "secret files",
        "has the logins",
    ),
    "credentials of another host": (
        "prod",
        _set("secretFiles.credentials", '{"other.example.org": {}}'),
        "secret files",
        "other hosts",
    ),
    "ingress annotations dropped": ("prod", _set("ingress.annotations", {}), "ingress", "annotations"),
    "no TLS": ("prod", _set("ingress.tls", []), "ingress", "TLS is"),
    "an ingress nobody asked for": ("dev", _set("ingress.enabled", True), "ingress", "did not ask"),
    "VPA maxAllowed changed": (
        "dev",
        _set("giantswarm.verticalPodAutoscaler.maxAllowed.memory", "4Gi"),
        "resources and VPA",
        "4Gi",
    ),
    "VPA off though enabled": (
        "everything-statefulset",
        _set("giantswarm.verticalPodAutoscaler.enabled", False),
        "resources and VPA",
        "1 VerticalPodAutoscaler|0 VerticalPodAutoscaler",
    ),
    "VPA on though disabled": (
        "prod",
        _set("giantswarm.verticalPodAutoscaler.enabled", True),
        "resources and VPA",
        "vpa.enabled is false",
    ),
    "no ServiceMonitor": ("prod", _set("metrics.serviceMonitor.enabled", False), "metrics", "0 ServiceMonitors"),
    "the headless Service scraped too": (
        "prod",
        _set("metrics.serviceMonitor.relabelings", []),
        "valid for Kubernetes",
        "also scrapes the headless Service",
    ),
    "another metrics path": ("prod", _set("metrics.serviceMonitor.path", "/stats"), "metrics", "scrapes /stats"),
    "another scrape login": ("prod", _set("metrics.serviceMonitor.basicAuth.username", "reader"), "metrics", "reader"),
    "no scrape login": ("prod", _set("metrics.serviceMonitor.basicAuth", {}), "metrics", "no login"),
    "escalation allowed": ("prod", _set("securityContext.allowPrivilegeEscalation", True), "restricted pod", "escal"),
    "capabilities kept": (
        "prod",
        _set("securityContext.capabilities.drop", []),
        "restricted pod",
        "keeps capabilities",
    ),
    "root": ("dev", _set("securityContext.runAsUser", 0), "restricted pod", "runs as user 0"),
    "a host path": (
        "dev",
        _set("extraVolumes", [{"name": "h", "hostPath": {"path": "/"}}]),
        "restricted pod",
        "hostPath",
    ),
    "Go env dropped": ("prod", _set("env", []), "Go env", "GOGC"),
    "GOMEMLIMIT with VPA": ("dev", _set("env", [{"name": "GOMEMLIMIT", "value": "800MiB"}]), "Go env", "GOMEMLIMIT"),
    "a mount without a path": (
        "dev",
        _set("extraVolumeMounts", [{"name": "zot-config"}]),
        "valid for Kubernetes",
        "'mountPath' is a required property",
    ),
    "an unknown field": (
        "prod",
        _set("env", [{"name": "GOGC", "value": "50", "valu": "x"}]),
        "valid for Kubernetes",
        "'valu' was unexpected",
    ),
}


@pytest.mark.parametrize("wrong", WRONG_VALUES)
def test_each_check_fails_on_a_render_with_a_wrong_value(wrong: str) -> None:
    case, change, check, message = WRONG_VALUES[wrong]
    settings = CASES[case]()
    values = user_values(settings)
    change(values)
    manifests = render(settings, values)
    with pytest.raises(AssertionError, match=message):
        CHECKS[check](manifests, settings)


# What no values of this chart can make wrong, but another chart (or a later version) could: changed after rendering.
# Each: (case, kind, field, wrong value, check, message).
VPA, MONITOR, CILIUM, VALID = "VerticalPodAutoscaler", "ServiceMonitor", "CiliumNetworkPolicy", "valid for Kubernetes"
POLICY, ENDPOINT, CONTAINER = (
    "spec.resourcePolicy.containerPolicies[0]",
    "spec.endpoints[0]",
    "spec.template.spec.containers[0]",
)
WRONG_FIELDS = {
    "VPA for another workload": ("dev", VPA, "spec.targetRef.name", "other", VALID, "0 StatefulSet named 'other'"),
    "VPA for another container": ("dev", VPA, f"{POLICY}.containerName", "sidecar", VALID, "unknown container"),
    "VPA with a float bound": ("dev", VPA, f"{POLICY}.maxAllowed.cpu", 1.5, VALID, "the float 1.5"),
    "a kind with no schema and no check": ("dev", VPA, "apiVersion", "autoscaling.k8s.io/v1beta2", VALID, "schema"),
    "ServiceMonitor on an unknown port": ("prod", MONITOR, f"{ENDPOINT}.port", "http", VALID, "port http"),
    "ServiceMonitor login key missing": ("prod", MONITOR, f"{ENDPOINT}.basicAuth.password.key", "x", VALID, "no x in"),
    "Cilium lets nothing out to the world": (
        "dev",
        CILIUM,
        "spec.egress[0].toEntities",
        ["cluster"],
        VALID,
        "out only",
    ),
    "Cilium policy for another pod": (
        "dev",
        CILIUM,
        "spec.endpointSelector.matchLabels.app",
        "x",
        VALID,
        "not the zot",
    ),
    "an Ingress of a removed API": (
        "prod",
        "Ingress",
        "apiVersion",
        "networking.k8s.io/v1beta1",
        "no removed APIs",
        "1.37 serves no",
    ),
    "Service targets another port": ("prod", "Service", "spec.ports[0].targetPort", 8080, "ports", "targets 8080"),
    "probe over https": ("dev", "StatefulSet", f"{CONTAINER}.readinessProbe.httpGet.scheme", "HTTPS", "ports", "HTTPS"),
}


@pytest.mark.parametrize("wrong", WRONG_FIELDS)
def test_each_check_fails_on_a_wrong_rendered_field(wrong: str) -> None:
    case, kind, path, value, check, message = WRONG_FIELDS[wrong]
    manifests, settings = rendered(case)
    # The object the program's clients use: the headless Service beside it is not the one changed.
    (found,) = [m for m in checks.of_kind(manifests, kind) if not m["metadata"]["name"].endswith("-headless")]
    set_path(found, path, value)
    with pytest.raises(AssertionError, match=message):
        CHECKS[check](manifests, settings)


def test_decimal_cpu_is_refused_before_it_reaches_the_vpa() -> None:
    """The chart writes the VPA bounds unquoted, so "0.5" would arrive as a float, which the VPA CRD (int-or-string
    quantities) refuses and the install fails: settings ask for millicores instead."""
    resources: dict[str, Any] = {
        **PERSISTENT_EVERYTHING["resources"],
        "requests": {"cpu": "0.5", "memory": "1536Mi"},
        "vpa": {"enabled": True, "maxAllowed": {"cpu": "1.5", "memory": "3Gi"}},
    }
    with pytest.raises(pulumi.RunError) as refused:
        everything_settings(**{**PERSISTENT_EVERYTHING, "resources": resources})
    assert 'zot-cache:resources.requests.cpu: is a decimal number of CPUs; write it in millicores, like "500m"' in str(
        refused.value
    )
    assert 'resources.vpa.maxAllowed.cpu: is a decimal number of CPUs; write it in millicores, like "1500m"' in str(
        refused.value
    )
    # Millicores render as strings, which the VPA accepts.
    resources["requests"]["cpu"], resources["vpa"]["maxAllowed"]["cpu"] = "500m", "1500m"
    settings = everything_settings(**{**PERSISTENT_EVERYTHING, "resources": resources})
    checks.check_valid_for_kubernetes(render(settings), settings)


@pytest.mark.parametrize(
    ("name", "cluster", "workload"),
    [
        ("zot", None, "zot"),
        ("cache", None, "cache-zot"),
        ("prod01-cache", "prod01", "cache-zot"),
        ("my-zot", None, "my-zot"),
    ],
)
def test_the_chart_names_the_workload_and_service_as_the_program_expects(
    name: str, cluster: str | None, workload: str
) -> None:
    """The program's in-cluster URL and VPA target name what the chart renders for any release name."""
    app: dict[str, Any] = {"name": name, "namespace": "registry"}
    if cluster is not None:
        app["cluster"] = {"name": cluster, "organization": "acme"}
    settings = everything_settings(app=app)
    manifests = render(settings)
    assert checks.workload(manifests)["metadata"]["name"] == workload
    for check in ("workload", "ports", "config.json", "secret files", "valid for Kubernetes"):
        CHECKS[check](manifests, settings)


@pytest.mark.parametrize(("path", "value"), [("zot.logLevel", "debug"), ("users[1].password", "another-password")])
def test_a_changed_config_or_secret_rolls_the_pod(path: str, value: str) -> None:
    """A StatefulSet restarts its pod only when the pod template changes: a new config.json or password must change
    it (the chart's checksum annotations), or zot keeps running on the old files until something else restarts it."""
    config, secret_keys = stack_config("prod")
    before = checks.workload(render(load_settings(config, secret_keys)))
    set_path(config, path, value)
    after = checks.workload(render(load_settings(config, secret_keys)))
    assert before["spec"]["template"] != after["spec"]["template"]
