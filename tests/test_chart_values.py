"""Chart values: valid for giantswarm/zot 2.9.0 once merged as app-operator and Helm merge them."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
import yaml

from components.builders import advice
from components.builders.chart_values import build_secret_values, build_values, go_runtime_env, to_yaml
from components.builders.zot_config import render_zot_config
from components.settings import Settings
from components.settings.exposure import NGINX_REGISTRY_ANNOTATIONS
from components.settings.resources import Resources
from components.settings.units import parse_go_memory, parse_quantity
from components.stack_config import load_settings
from tests.harness import stack_config
from tests.helm import user_values
from tests.reference import chart_defaults, chart_schema, helm_merge
from tests.samples import SAMPLES, everything_settings, keys_of, stack_settings


def values_of(settings: Settings) -> dict[str, Any]:
    return build_values(settings, render_zot_config(settings))


def merged(settings: Settings) -> dict[str, Any]:
    """Chart defaults, then the user ConfigMap, then the user Secret: app-operator's order."""
    return helm_merge(chart_defaults(), user_values(settings))


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_merged_values_pass_the_chart_schema(sample: str) -> None:
    jsonschema.Draft7Validator(chart_schema()).validate(merged(SAMPLES[sample]()))


def test_schema_check_can_fail() -> None:
    values = merged(stack_settings("dev"))
    values["service"]["port"] = "5000"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(chart_schema()).validate(values)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_yaml_round_trips(sample: str) -> None:
    settings = SAMPLES[sample]()
    assert yaml.safe_load(to_yaml(values_of(settings))) == values_of(settings)
    assert "config.json: |" in to_yaml(values_of(settings)), "config.json should be a literal block for review"


def test_pod_security_standards_enforced_and_config_mounted() -> None:
    values = values_of(stack_settings("dev"))
    assert values["global"] == {"podSecurityStandards": {"enforced": True}}
    assert values["mountConfig"] is True
    assert values["mountSecret"] is True
    assert values["httpGet"] == {"scheme": "HTTP", "port": 5000}
    assert values["configFiles"]["config.json"] == render_zot_config(stack_settings("dev"))


def test_config_map_values_hold_no_secret_files() -> None:
    for sample in SAMPLES.values():
        assert "secretFiles" not in values_of(sample())


def test_secret_values_always_override_the_chart_sample_htpasswd() -> None:
    dev = merged(stack_settings("dev"))
    assert dev["secretFiles"]["htpasswd"] == ""
    assert "admin:$2y$05$vmiur" not in to_yaml(dev)
    prod = stack_settings("prod")
    prod_files = build_secret_values(prod, keys_of(prod))["secretFiles"]
    assert [line.split(":")[0] for line in prod_files["htpasswd"].splitlines()] == [
        "admin",
        "reader",
        "metrics",
        "node-pull",
    ]
    assert set(prod_files) == {"htpasswd", "credentials", "nonce"}


def test_vpa_mode() -> None:
    values = values_of(stack_settings("dev"))
    assert values["giantswarm"]["verticalPodAutoscaler"] == {
        "enabled": True,
        "maxAllowed": {"cpu": "750m", "memory": "2048Mi"},
    }
    vpa = values["giantswarm"]["verticalPodAutoscaler"]["maxAllowed"]
    for kind in ("cpu", "memory"):
        assert parse_quantity(vpa[kind]) >= parse_quantity(values["resources"]["limits"][kind])
    assert all(item["name"] != "GOMEMLIMIT" for item in values["env"])


def test_fixed_memory_mode_sets_go_gc_about_80_percent_of_the_limit() -> None:
    values = values_of(stack_settings("prod"))
    assert values["giantswarm"]["verticalPodAutoscaler"] == {"enabled": False}
    env = {item["name"]: item["value"] for item in values["env"]}
    assert env["GOGC"] == "50"
    limit = parse_quantity(values["resources"]["limits"]["memory"])
    assert 0.75 * float(limit) <= parse_go_memory(env["GOMEMLIMIT"]) <= 0.85 * float(limit)


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (
            {"vpa": {"enabled": False}, "limits": {"cpu": "1", "memory": "2Gi"}},
            [("GOGC", "50"), ("GOMEMLIMIT", "1638MiB")],
        ),
        (
            {"vpa": {"enabled": False}, "gogc": 80, "gomemlimit": "1500MiB", "limits": {"cpu": "1", "memory": "2Gi"}},
            [("GOGC", "80"), ("GOMEMLIMIT", "1500MiB")],
        ),
        ({"vpa": {"enabled": True}}, []),
        ({"vpa": {"enabled": True}, "gogc": 40}, [("GOGC", "40")]),
    ],
)
def test_go_runtime_env(resources: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    env = go_runtime_env(Resources.model_validate(resources))
    assert [(item["name"], item["value"]) for item in env] == expected


def test_ingress_with_cert_manager_and_nginx_registry_settings() -> None:
    ingress = values_of(stack_settings("prod"))["ingress"]
    assert ingress["annotations"] == {
        **NGINX_REGISTRY_ANNOTATIONS,
        "cert-manager.io/cluster-issuer": "private-giantswarm",
    }
    assert ingress["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "0"
    assert ingress["hosts"] == [{"host": "zot.prod01.example.org", "paths": [{"path": "/"}]}]
    assert ingress["tls"] == [{"secretName": "zot-prod01-tls", "hosts": ["zot.prod01.example.org"]}]


def test_ingress_defaults_and_other_classes() -> None:
    ingress = values_of(
        everything_settings(
            ingress={"enabled": True, "className": "traefik", "hosts": ["a.example.org"], "annotations": {"x": "y"}}
        )
    )["ingress"]
    assert ingress["annotations"] == {"x": "y"}
    assert ingress["tls"] == [{"secretName": "mc-zot-tls", "hosts": ["a.example.org"]}]
    assert values_of(stack_settings("dev"))["ingress"] == {"enabled": False}


def test_service_storage_strategy_and_metrics() -> None:
    values = values_of(everything_settings())
    assert values["service"] == {"type": "NodePort", "port": 5000, "nodePort": 32767}
    assert values["persistence"] is False
    assert "pvc" not in values
    assert values["strategy"] == {"type": "Recreate"}
    # mc-zot on workload cluster mc: the chart's ServiceMonitor, without the headless Service.
    keep_main = {"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": "zot"}
    assert values["metrics"] == {"enabled": True, "serviceMonitor": {"enabled": True, "relabelings": [keep_main]}}
    prod = values_of(stack_settings("prod"))
    # The program applies the claim; the chart mounts it by name and never sees its size or class.
    assert prod["pvc"] == {"create": False, "name": "zot-pvc-zot-0"}
    assert "strategy" not in prod


def test_strategy_with_persistence_is_called_out() -> None:
    settings = everything_settings(storage={"persistence": True}, strategy="Recreate")
    assert any("StatefulSet" in warning and "Recreate" in warning for warning in advice.warnings(settings))
    assert not any("StatefulSet" in warning for warning in advice.warnings(stack_settings("prod")))


def test_stacks_are_quiet() -> None:
    # The frozen dev is the in-cluster App (zot on the management cluster) that the example dev no longer is:
    # its NodePort wiring serves only that cluster's own nodes, which every preview says.
    assert [w.split(":")[0] for w in advice.warnings(stack_settings("dev"))] == ["nodes.mode nodePort"]
    assert advice.warnings(stack_settings("prod")) == []


def test_anonymous_metrics_behind_an_ingress_are_called_out() -> None:
    settings = everything_settings(metrics={"enabled": True, "serviceMonitor": True})
    assert any("/metrics is readable without credentials" in warning for warning in advice.warnings(settings))


def test_scrape_user_credentials_go_to_the_service_monitor_through_the_secret() -> None:
    settings = stack_settings("prod")
    assert build_secret_values(settings, keys_of(settings))["metrics"] == {
        "serviceMonitor": {"basicAuth": {"username": "metrics", "password": "standin-metrics-password"}}
    }
    assert "basicAuth" not in to_yaml(values_of(settings))
    assert merged(settings)["metrics"]["serviceMonitor"]["enabled"] is True
    assert "metrics" not in build_secret_values(stack_settings("dev"), None)


def test_without_a_workload_cluster_the_chart_neither_scrapes_nor_holds_the_login() -> None:
    """The program's own ServiceMonitor scrapes there (components/platforms/service_monitor.py), with its own Secret."""
    config, secret_keys = stack_config("prod")
    config["app"] = {"name": "zot", "namespace": "zot"}
    settings = load_settings(config, secret_keys)
    assert values_of(settings)["metrics"] == {"enabled": True, "serviceMonitor": {"enabled": False}}
    assert "metrics" not in build_secret_values(settings, keys_of(settings))


def ingress_warnings(**annotations: str) -> list[str]:
    ingress = {"enabled": True, "hosts": ["a.example.org"], "clusterIssuer": "letsencrypt", "annotations": annotations}
    return [
        warning
        for warning in advice.warnings(everything_settings(ingress=ingress))
        if warning.startswith("ingress.annotations")
    ]


def test_snippet_annotations_are_called_out_as_the_ingress_nginx_cve_class() -> None:
    for key in ("configuration-snippet", "server-snippet", "auth-snippet"):
        (warning,) = ingress_warnings(**{f"nginx.ingress.kubernetes.io/{key}": "more_set_headers 'X-Secret: s3cr3t';"})
        assert warning.startswith(f'ingress.annotations["nginx.ingress.kubernetes.io/{key}"] puts raw nginx')
        assert "CVE-2021-25742" in warning
        assert "s3cr3t" not in warning


def test_annotations_that_replace_the_defaults_are_named_with_the_default() -> None:
    body, issuer = ingress_warnings(
        **{"nginx.ingress.kubernetes.io/proxy-body-size": "10m", "cert-manager.io/cluster-issuer": "other"}
    )
    assert body.startswith(
        "ingress.annotations[\"nginx.ingress.kubernetes.io/proxy-body-size\"] replaces the registry default '0'"
    )
    assert "10m" not in body
    assert issuer.startswith(
        "ingress.annotations[\"cert-manager.io/cluster-issuer\"] replaces 'letsencrypt' from ingress.clusterIssuer"
    )
    # The same value as the default replaces nothing; other annotations are the user's own.
    assert ingress_warnings(**{"nginx.ingress.kubernetes.io/proxy-read-timeout": "1800", "example.org/team": "a"}) == []
