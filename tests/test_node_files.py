"""components/node_files.py: the files nodes pull through, pinned, parsed, and rendered by Giant Swarm's own
cluster-chart templates. tests/test_node_pulls.py shows real containerd and skopeo pulling with them."""

from __future__ import annotations

import base64
import json
import tomllib
from collections.abc import Callable
from typing import Any, get_args

import jsonschema
import pytest
import yaml
from pydantic import BaseModel

from components.builders.advice import warnings
from components.builders.node_files import (
    containerd_hosts,
    crio_auth_file,
    crio_registries_conf,
    giantswarm_values,
    node_outputs,
)
from components.settings import Settings
from components.settings.node_rules import issuer_kind
from components.settings.nodes import Nodes
from components.stack_config import load_settings
from tests.docs import page
from tests.harness import (
    APP,
    CONFIG_MAP,
    STANDIN_SECRETS,
    changed_inputs,
    changed_outputs,
    run_program,
    set_path,
    stack_config,
)
from tests.helm import helm_template
from tests.reference import containerd_values_schema, gs_cluster_containerd
from tests.samples import SALT_KEY
from tests.tls import sample_ca_pem

NODE_PASSWORD = "Zk3v9Qp2Lm7Xc4Rt8Wb1Yh6Nd5Fs0Ga+e"  # 33 random-looking characters, no real secret
NAMESPACES = ("docker.io", "ghcr.io", "my-registry.example.org-5000")
UPSTREAMS: list[dict[str, Any]] = [
    {"name": "docker-hub", "urls": ["https://docker.io"], "onDemand": True},
    {"name": "ghcr", "urls": ["https://ghcr.io"], "onDemand": True},
    {
        "name": "private",
        "urls": ["https://my-registry.example.org:5000"],
        "pollInterval": "5m",
        "content": [{"prefix": "team/**"}],
        "credentials": {"username": "robot", "password": "robot-token"},
    },
]
SECRET_KEYS = {"registries", "nodes", "htpasswdSaltKey"}


def logged_in(**nodes: Any) -> Settings:
    """Docker Hub, ghcr.io and a private registry with a port; nodes log in over the ingress as node-pull."""
    reads = [{"users": ["node-pull"], "actions": ["read"]}]
    config = {
        "registries": UPSTREAMS,
        "accessControl": {"repositories": {f"{ns}/**": {"policies": reads} for ns in NAMESPACES}},
        "ingress": {"enabled": True, "hosts": ["zot.example.org"], "clusterIssuer": "letsencrypt-giantswarm"},
        "nodes": {"mode": "ingress", "pullUser": {"name": "node-pull", "password": NODE_PASSWORD}, **nodes},
        "htpasswdSaltKey": SALT_KEY,
    }
    return load_settings(config, SECRET_KEYS)


def anonymous_at_root() -> Settings:
    """The tutorial: Docker Hub at the root through the NodePort, and ghcr.io beside it in its own namespace."""
    config = {
        "registries": [{**UPSTREAMS[0], "namespace": "/"}, UPSTREAMS[1]],
        "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        "service": {"type": "NodePort", "nodePort": 32767},
        "nodes": {"mode": "nodePort"},
    }
    return load_settings(config, set())


BASIC = "Basic " + base64.b64encode(f"node-pull:{NODE_PASSWORD}".encode()).decode()


def hosts_toml(server: str, mirror: str, header: bool) -> str:
    text = (
        f'server = "{server}"\n\n[host."{mirror}"]\ncapabilities = [\n    "pull",\n    "resolve",\n]\n'
        'override_path = true\nca = "zot-cache-ca.crt"\n'
    )
    if header:
        text += f'\n[host."{mirror}".header]\nAuthorization = [\n    "{BASIC}",\n]\n'
    return text


@pytest.mark.parametrize("header", [True, False], ids=["with-login", "plain"])
def test_containerd_files_for_docker_hub_ghcr_and_a_registry_with_a_port(header: bool) -> None:
    settings = logged_in(trust="ca", ca=sample_ca_pem())
    files = containerd_hosts(settings, NODE_PASSWORD if header else None)
    # Docker Hub falls back to its API host; a port stays in containerd's folder name and joins the namespace
    # with "-" (a repository name has no ":"). The CA lies beside each hosts.toml, which names it relatively.
    for registry in ("docker.io", "ghcr.io", "my-registry.example.org:5000"):
        assert files.pop(f"/etc/containerd/certs.d/{registry}/zot-cache-ca.crt") == sample_ca_pem()
    assert files == {
        "/etc/containerd/certs.d/docker.io/hosts.toml": hosts_toml(
            "https://registry-1.docker.io", "https://zot.example.org/v2/docker.io", header
        ),
        "/etc/containerd/certs.d/ghcr.io/hosts.toml": hosts_toml(
            "https://ghcr.io", "https://zot.example.org/v2/ghcr.io", header
        ),
        "/etc/containerd/certs.d/my-registry.example.org:5000/hosts.toml": hosts_toml(
            "https://my-registry.example.org:5000", "https://zot.example.org/v2/my-registry.example.org-5000", header
        ),
    }
    for text in files.values():
        tomllib.loads(text)


def test_the_root_namespace_is_reached_at_the_mirrors_bare_address() -> None:
    files = containerd_hosts(anonymous_at_root(), None)
    assert tomllib.loads(files["/etc/containerd/certs.d/docker.io/hosts.toml"]) == {
        "server": "https://registry-1.docker.io",
        # No path: zot serves the root namespace at /v2/<repository>, which containerd appends itself.
        "host": {"http://127.0.0.1:32767": {"capabilities": ["pull", "resolve"]}},
    }
    assert tomllib.loads(files["/etc/containerd/certs.d/ghcr.io/hosts.toml"])["host"] == {
        "http://127.0.0.1:32767/v2/ghcr.io": {"capabilities": ["pull", "resolve"], "override_path": True}
    }


def test_crio_drop_in_and_auth_file() -> None:
    settings = logged_in(trust="ca", ca=sample_ca_pem())
    assert tomllib.loads(crio_registries_conf(settings)) == {
        "registry": [
            {
                "prefix": host,
                "location": host,
                "mirror": [{"location": f"zot.example.org/{ns}"}],
            }
            for host, ns in zip(("docker.io", "ghcr.io", "my-registry.example.org:5000"), NAMESPACES, strict=True)
        ]
    }
    auth = json.loads(crio_auth_file(settings, NODE_PASSWORD) or "")
    assert auth == {"auths": {"zot.example.org": {"auth": BASIC.removeprefix("Basic ")}}}
    assert crio_auth_file(settings, None) is None
    # Over the NodePort: plain http, so every mirror is insecure; the root namespace is the bare address.
    assert [entry["mirror"] for entry in tomllib.loads(crio_registries_conf(anonymous_at_root()))["registry"]] == [
        [{"location": "127.0.0.1:32767", "insecure": True}],
        [{"location": "127.0.0.1:32767/ghcr.io", "insecure": True}],
    ]


def test_giant_swarm_values_use_local_registry_cache_for_the_root_over_the_node_port() -> None:
    assert giantswarm_values(anonymous_at_root(), None) == {
        "global": {
            "components": {
                "containerd": {
                    "containerRegistries": {
                        # The chart's own server line would be https://docker.io; the API host is the fallback.
                        "docker.io": [{"endpoint": "registry-1.docker.io"}],
                        "ghcr.io": [{"endpoint": "127.0.0.1:32767/v2/ghcr.io", "insecure": True, "overridePath": True}],
                    },
                    "localRegistryCache": {"enabled": True, "mirroredRegistries": ["docker.io"], "port": 32767},
                }
            }
        }
    }


def test_giant_swarm_values_carry_the_login_only_when_asked() -> None:
    settings = logged_in()
    plain = giantswarm_values(settings, None)["global"]["components"]["containerd"]["containerRegistries"]
    assert plain["ghcr.io"] == [{"endpoint": "zot.example.org/v2/ghcr.io", "overridePath": True}]
    secret = giantswarm_values(settings, NODE_PASSWORD)["global"]["components"]["containerd"]["containerRegistries"]
    assert secret["ghcr.io"][0]["credentials"] == {"username": "node-pull", "password": NODE_PASSWORD}


def stack_settings(stack: str) -> Callable[[], Settings]:
    return lambda: load_settings(*stack_config(stack))


SAMPLES: dict[str, Callable[[], Settings]] = {
    "root-over-node-port": anonymous_at_root,
    "logged-in-over-ingress": logged_in,
    "dev": stack_settings("dev"),
    "prod": stack_settings("prod"),
}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("with_login", [False, True], ids=["plain", "with-login"])
def test_giant_swarm_values_pass_the_cluster_charts_schema(sample: str, with_login: bool) -> None:
    settings = SAMPLES[sample]()
    password = NODE_PASSWORD if with_login and settings.nodes and settings.nodes.pull_user else None
    containerd = giantswarm_values(settings, password)["global"]["components"]["containerd"]
    jsonschema.Draft7Validator(containerd_values_schema()).validate(containerd)


def rendered_by_the_cluster_chart(settings: Settings, password: str | None) -> dict[str, dict[str, Any]]:
    """Node path -> parsed hosts.toml, as the cluster chart's templates write them from our values."""
    manifests = helm_template(giantswarm_values(settings, password), "x", "default", chart=gs_cluster_containerd())
    return {m["metadata"]["annotations"]["node-path"]: tomllib.loads(m["data"]["hosts.toml"]) for m in manifests}


@pytest.mark.parametrize("sample", ["root-over-node-port", "logged-in-over-ingress"])
def test_the_cluster_chart_renders_the_same_mirrors_as_our_files(sample: str) -> None:
    """Real `helm template` of Giant Swarm's templates: each registry's file reaches the same mirror, first."""
    settings = SAMPLES[sample]()
    password = NODE_PASSWORD if settings.nodes and settings.nodes.pull_user else None
    ours = {path: tomllib.loads(text) for path, text in containerd_hosts(settings, password).items()}
    theirs = rendered_by_the_cluster_chart(settings, password)
    # The chart also writes its defaults (gsoci.azurecr.io); every file of ours is there.
    assert set(ours) <= set(theirs)
    for path, file in ours.items():
        (mirror_url, ours_host), *_ = file["host"].items()
        their_first_url, their_host = next(iter(theirs[path]["host"].items()))
        assert their_first_url == mirror_url, path
        assert their_host["capabilities"] == ours_host["capabilities"]
        assert their_host.get("override_path", False) == ours_host.get("override_path", False)
        if password is not None and mirror_url.startswith("https://"):
            # The chart writes the header under https:// only, as ours.
            assert their_host["header"]["Authorization"] == [BASIC]


def test_stack_outputs_show_where_the_login_goes_never_the_login() -> None:
    run = run_program("prod")
    password = STANDIN_SECRETS["prod"]["nodes.pullUser.password"]
    basic = base64.b64encode(f"node-pull:{password}".encode()).decode()
    nodes = run.outputs["nodes"]
    assert nodes["mode"] == "ingress"
    assert nodes["login"] == "node-pull"
    assert "nodeCredentials" in nodes["credentials"]
    assert nodes["upstreams"]["docker-hub"] == {
        "registry": "docker.io",
        "namespace": "docker.io",
        "mirror": "https://zot.prod01.example.org/v2/docker.io",
        "fallback": "https://registry-1.docker.io",
        "containerd": "/etc/containerd/certs.d/docker.io/hosts.toml",
        "login": True,
    }
    assert nodes["trust"] == "ca"
    plain = json.dumps(nodes)
    assert password not in plain
    assert basic not in plain
    assert "nodeCredentials" in run.secret_outputs
    secret = run.outputs["nodeCredentials"]
    assert f"Basic {basic}" in secret["containerd"]["/etc/containerd/certs.d/docker.io/hosts.toml"]
    assert yaml.safe_load(secret["giantswarmValues"])["global"]["components"]["containerd"]


def test_dev_nodes_use_the_node_port_and_local_registry_cache() -> None:
    nodes = run_program("dev").outputs["nodes"]
    assert nodes["mirror"] == "http://127.0.0.1:32767"
    assert nodes["login"] is None
    assert "credentials" not in nodes
    values = yaml.safe_load(nodes["giantswarmValues"])
    assert values["global"]["components"]["containerd"]["localRegistryCache"]["port"] == 32767
    assert node_outputs(load_settings(*stack_config("dev")))[1] is None


def test_changing_how_nodes_reach_the_cache_changes_only_the_outputs() -> None:
    config, secret_keys = stack_config("dev")
    before = run_program("dev", config, secret_keys)
    set_path(config, "nodes", {"mode": "url", "url": "https://zot.dev.example.org", "trust": "system"})
    after = run_program("dev", config, secret_keys)
    assert changed_inputs(before, after) == set()
    assert changed_outputs(before, after) == {"nodes"}


def test_adding_an_upstream_changes_the_values_and_the_outputs_only() -> None:
    config, secret_keys = stack_config("dev")
    before = run_program("dev", config, secret_keys)
    config["registries"].append({"name": "ghcr", "urls": ["https://ghcr.io"], "onDemand": True})
    after = run_program("dev", config, secret_keys)
    # The ConfigMap is replaced under a new name and the App follows it; the Secret stays.
    assert {key.split("::")[0] for key in changed_inputs(before, after)} == {CONFIG_MAP, APP}
    assert changed_outputs(before, after) == {"nodes", "zotConfig", "valuesConfigMap"}


@pytest.mark.parametrize("url", ["http://zot.lan:5000", "http://zot.lan"])
def test_a_root_namespace_behind_another_http_mirror_is_an_endpoint_not_local_registry_cache(url: str) -> None:
    """localRegistryCache always means 127.0.0.1: any other plain-http mirror is an insecure endpoint."""
    config = {
        "registries": [{**UPSTREAMS[0], "namespace": "/"}],
        "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        "nodes": {"mode": "url", "url": url},
    }
    containerd = giantswarm_values(load_settings(config, set()), None)["global"]["components"]["containerd"]
    assert "localRegistryCache" not in containerd
    host = url.removeprefix("http://")
    assert containerd["containerRegistries"]["docker.io"] == [
        {"endpoint": host, "insecure": True},
        {"endpoint": "registry-1.docker.io"},
    ]
    jsonschema.Draft7Validator(containerd_values_schema()).validate(containerd)


def test_a_plain_http_upstream_is_insecure_for_crio_too() -> None:
    config = {
        "registries": [{"name": "lab", "urls": ["http://registry.lab:5000"], "onDemand": True}],
        "accessControl": {"repositories": {"registry.lab-5000/**": {"anonymousPolicy": ["read"]}}},
        "service": {"type": "NodePort"},
        "nodes": {"mode": "nodePort"},
    }
    (entry,) = tomllib.loads(crio_registries_conf(load_settings(config, set())))["registry"]
    assert entry["insecure"] is True
    assert entry["mirror"] == [{"location": "127.0.0.1:32767/registry.lab-5000", "insecure": True}]


def test_a_private_ca_reaches_giant_swarm_nodes_as_a_file_from_a_secret() -> None:
    settings = logged_in(trust="ca", ca=sample_ca_pem())
    values = giantswarm_values(settings, None)
    assert values["internal"]["advancedConfiguration"]["files"] == [
        {
            "path": "/etc/ssl/certs/zot-cache-ca.pem",
            "permissions": "0644",
            "contentFrom": {"secret": {"name": "zot-cache-ca", "key": "ca.crt"}},
        }
    ]
    plain, _ = node_outputs(settings)
    secret = yaml.safe_load(plain["giantswarmCaSecret"])
    assert secret["metadata"]["name"] == "zot-cache-ca"
    assert secret["stringData"] == {"ca.crt": sample_ca_pem()}
    assert "giantswarmCaSecret" not in node_outputs(logged_in())[0]


def test_a_cluster_ip_as_the_node_mirror_is_warned_about() -> None:
    def url_mode(url: str) -> Settings:
        return load_settings(
            {
                "registries": [UPSTREAMS[0]],
                "accessControl": {"repositories": {"docker.io/**": {"anonymousPolicy": ["read"]}}},
                "nodes": {"mode": "url", "url": url},
            },
            set(),
        )

    assert any("looks like a ClusterIP" in w for w in warnings(url_mode("http://10.96.12.7:5000")))
    assert not any("ClusterIP" in w for w in warnings(url_mode("http://192.168.1.20:5000")))
    # An address needs no resolver: no short-name refusal for an IPv6 literal.
    assert not any("ClusterIP" in w for w in warnings(url_mode("http://[fd00::20]:5000")))


def test_readme_has_a_reference_row_for_every_nodes_key() -> None:
    readme = page("docs/reference.md")

    def keys(model: type[BaseModel], prefix: str) -> list[str]:
        found = []
        for name, field in model.model_fields.items():
            key = f"{prefix}.{field.alias or name}"
            nested = [t for t in get_args(field.annotation) or (field.annotation,) if isinstance(t, type)]
            models = [t for t in nested if issubclass(t, BaseModel)]
            found += keys(models[0], key) if models else [key]
        return found

    documented = keys(Nodes, "nodes")
    assert "nodes.pullUser.previous.password" in documented
    missing = [key for key in documented if f"| `{key}` |" not in readme]
    assert missing == [], f"README's nodes reference has no row for {missing}"


def test_node_port_wiring_of_an_app_on_the_management_cluster_is_explained() -> None:
    def warned(**changes: Any) -> bool:
        config = {
            "registries": [{**UPSTREAMS[0], "namespace": "/"}],
            "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
            "service": {"type": "NodePort", "nodePort": 32767},
            "nodes": {"mode": "nodePort"},
            **changes,
        }
        return any(
            w.startswith("nodes.mode nodePort: zot runs on the management cluster")
            for w in warnings(load_settings(config, set()))
        )

    assert warned()
    assert not warned(app={"name": "dev01-zot", "namespace": "zot", "cluster": {"name": "dev01", "organization": "o"}})
    assert not warned(platform="flux")  # Flux installs where it runs, whose nodes the files then serve


def test_giant_swarm_values_with_the_login_come_as_a_secret_for_the_cluster_app() -> None:
    _, secret = node_outputs(logged_in())
    assert secret is not None
    manifest = yaml.safe_load(secret["giantswarmValuesSecret"])
    assert manifest["kind"] == "Secret"
    assert manifest["metadata"]["name"] == "zot-cache-node-values"
    # The key app-operator reads a values Secret by; the content is the values with the login.
    assert yaml.safe_load(manifest["stringData"]["values"]) == yaml.safe_load(secret["giantswarmValues"])
    assert NODE_PASSWORD in manifest["stringData"]["values"]


@pytest.mark.parametrize(
    ("issuer", "kind"),
    [
        ("letsencrypt-giantswarm", "public"),
        ("letsencrypt-prod", "public"),
        ("letsencrypt-staging", "private"),
        ("private-giantswarm", "private"),
        ("selfsigned-giantswarm", "private"),
        ("corp-ca", "private"),
        ("acme-stepca", None),
        (None, None),
    ],
)
def test_only_lets_encrypt_names_make_an_issuer_public(issuer: str | None, kind: str | None) -> None:
    assert issuer_kind(issuer) == kind
