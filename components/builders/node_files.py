"""The files nodes need to pull through the cache, from the same settings as zot's sync config.

Per upstream: containerd's `hosts.toml`, Giant Swarm's cluster values (which render those same files on every
node), and CRI-O's `registries.conf.d` drop-in. zot ignores containerd's `?ns=` parameter, so each upstream is
reached through its own namespace: the mirror URL carries `/v2/<namespace>` and `override_path = true` (without
it containerd appends a second `/v2`, which zot cannot serve). Only the root namespace is reached at the mirror's
bare address, the one way Giant Swarm's `localRegistryCache` knows.

Credentials go into these files only when `pull_password` is given: callers pass it for the secret output and
leave it out for the plain one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from components.builders.chart_values import to_yaml
from components.builders.names import registry_url
from components.settings import Settings
from components.settings.node_rules import CHART_NODE_PORT, logged_in, node_host, node_trust
from components.settings.nodes import Nodes
from components.settings.upstreams import Registry

CONTAINERD_CERTS_DIR = "/etc/containerd/certs.d"
# Beside each hosts.toml, named relative to it: containerd resolves a relative `ca` against the host directory
# (containerd 1.6 remotes/docker/config/hosts.go, parseHostConfig → makeAbsPath).
CONTAINERD_CA_FILE = "zot-cache-ca.crt"
# containers/image trusts every *.crt in /etc/containers/certs.d/<host[:port]>/ (containers-certs.d(5)).
CRIO_CERTS_DIR = "/etc/containers/certs.d"
# The Giant Swarm cluster chart's hosts.toml has no `ca`, so containerd there uses the system pool, and Go reads
# every file in /etc/ssl/certs into it (crypto/x509 root_unix.go loadSystemRoots, certDirectories).
GS_CA_PATH = "/etc/ssl/certs/zot-cache-ca.pem"
GS_CA_SECRET = "zot-cache-ca"
GS_CA_KEY = "ca.crt"
# The cluster app's values with the node login, as a Secret for the App's extraConfigs (app-operator reads the key
# `values`) or a HelmRelease's valuesFrom (which must then say valuesKey: values; Flux's default is values.yaml).
GS_VALUES_SECRET = "zot-cache-node-values"
CRIO_DROP_IN = "/etc/containers/registries.conf.d/50-zot-cache.conf"
CRIO_AUTH_FILE = "/etc/crio/zot-cache-auth.json"
# What nodes fall back to for Docker Hub: containerd's own default host, which serves /v2 (docker.io does not).
DOCKER_HUB_SERVER = "https://registry-1.docker.io"
PULL_CAPABILITIES = ["pull", "resolve"]


@dataclass(frozen=True)
class Mirror:
    """Where nodes reach zot: `scheme://host[:port]`."""

    url: str

    @property
    def insecure(self) -> bool:
        return self.url.startswith("http://")

    @property
    def host(self) -> str:
        """host[:port], as Giant Swarm endpoints and CRI-O locations are written (no scheme)."""
        return urlsplit(self.url).netloc


def mirror(settings: Settings) -> Mirror:
    nodes = _nodes(settings)
    if nodes.mode == "nodePort":
        return Mirror(f"http://127.0.0.1:{nodes.node_port or settings.service.node_port or CHART_NODE_PORT}")
    if nodes.mode == "ingress":
        return Mirror(registry_url(settings))  # node_rules makes sure the ingress is on
    return Mirror((nodes.url or "").rstrip("/"))


def upstream_server(registry: Registry) -> str:
    """What a node falls back to when the cache is down: the upstream itself."""
    if registry.is_docker_hub:
        return DOCKER_HUB_SERVER
    return registry.urls[0].rstrip("/")


def mirror_path(registry: Registry) -> str:
    """The path after the mirror's address: `/v2/<namespace>`, or nothing for the root namespace."""
    return f"/v2/{registry.namespace_path}" if registry.namespace_path else ""


def containerd_path(registry: Registry) -> str:
    return f"{CONTAINERD_CERTS_DIR}/{node_host(registry)}/hosts.toml"


def containerd_hosts(settings: Settings, pull_password: str | None) -> dict[str, str]:
    """Node path of each upstream's hosts.toml, and its content; with trust: ca, the CA file beside each."""
    nodes, base, trust = _nodes(settings), mirror(settings), node_trust(settings)
    files = {}
    for registry in settings.registries:
        host: dict[str, Any] = {"capabilities": PULL_CAPABILITIES}
        if registry.namespace_path:
            host["override_path"] = True
        if trust == "skipVerify":
            host["skip_verify"] = True
        if trust == "ca" and nodes.ca is not None:
            host["ca"] = CONTAINERD_CA_FILE
            files[f"{CONTAINERD_CERTS_DIR}/{node_host(registry)}/{CONTAINERD_CA_FILE}"] = nodes.ca
        if pull_password is not None and logged_in(settings, registry):
            host["header"] = {"Authorization": [_basic(settings, pull_password)]}
        document = {"server": upstream_server(registry), "host": {base.url + mirror_path(registry): host}}
        files[containerd_path(registry)] = tomli_w.dumps(document)
    return dict(sorted(files.items()))


def giantswarm_values(settings: Settings, pull_password: str | None) -> dict[str, Any]:
    """`global.components.containerd` for a Giant Swarm cluster app's values (cluster chart v8).

    The chart writes `server = "https://<registry>"`, which for Docker Hub is not a registry API, so Docker Hub
    gets registry-1.docker.io as its last endpoint. Credentials are written only for https endpoints: the chart
    puts the header under https:// even for an insecure endpoint, where containerd would never send it.
    """
    base, node_port = mirror(settings), _nodes(settings).mode == "nodePort"
    registries: dict[str, list[dict[str, Any]]] = {}
    cached_at_root: list[str] = []
    for registry in settings.registries:
        endpoints: list[dict[str, Any]] = []
        if node_port and not registry.namespace_path:
            # The root namespace at http://127.0.0.1:<port> is exactly what localRegistryCache renders.
            cached_at_root.append(node_host(registry))
        else:
            endpoints.append(_gs_endpoint(settings, registry, base, pull_password))
        if registry.is_docker_hub:
            endpoints.append({"endpoint": urlsplit(DOCKER_HUB_SERVER).netloc})
        registries[node_host(registry)] = endpoints
    containerd: dict[str, Any] = {"containerRegistries": registries}
    if cached_at_root:
        port = urlsplit(base.url).port
        containerd["localRegistryCache"] = {"enabled": True, "mirroredRegistries": cached_at_root, "port": port}
    values: dict[str, Any] = {"global": {"components": {"containerd": containerd}}}
    if node_trust(settings) == "ca":
        # The chart writes files only from Secrets (schema $defs/fileFromSecret), on every node
        # (templates/clusterapi/_helpers_files.tpl, cluster.internal.kubeadm.files.custom).
        secret = {"name": GS_CA_SECRET, "key": GS_CA_KEY}
        files = [{"path": GS_CA_PATH, "permissions": "0644", "contentFrom": {"secret": secret}}]
        values["internal"] = {"advancedConfiguration": {"files": files}}
    return values


def giantswarm_ca_secret(settings: Settings) -> dict[str, Any] | None:
    """The Secret the cluster chart's `internal.advancedConfiguration.files` entry reads the CA from; it goes
    into the workload cluster's organization namespace on the management cluster. A CA is public: no secret."""
    nodes = _nodes(settings)
    if node_trust(settings) != "ca" or nodes.ca is None:
        return None
    return _secret(GS_CA_SECRET, {GS_CA_KEY: nodes.ca})


def _secret(name: str, data: dict[str, str]) -> dict[str, Any]:
    """A Secret manifest for the management cluster's organization namespace (kubectl apply -n org-<org>)."""
    metadata = {"name": name, "labels": {"app.kubernetes.io/managed-by": "zot-cache"}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": data}


def _gs_endpoint(settings: Settings, registry: Registry, base: Mirror, pull_password: str | None) -> dict[str, Any]:
    nodes = _nodes(settings)
    endpoint: dict[str, Any] = {"endpoint": base.host + mirror_path(registry)}
    if base.insecure:
        endpoint["insecure"] = True
    if registry.namespace_path:
        endpoint["overridePath"] = True
    if node_trust(settings) == "skipVerify":
        endpoint["skipVerify"] = True
    if (
        pull_password is not None
        and nodes.pull_user is not None
        and logged_in(settings, registry)
        and not base.insecure
    ):
        endpoint["credentials"] = {"username": nodes.pull_user.name, "password": pull_password}
    return endpoint


def crio_registries_conf(settings: Settings) -> str:
    """A registries.conf.d drop-in: each upstream's prefix, its mirror location in zot's namespace first."""
    base = mirror(settings)
    entries = []
    for registry in settings.registries:
        location = "/".join(part for part in (base.host, registry.namespace_path) if part)
        mirror_entry: dict[str, Any] = {"location": location}
        # containers/image has one switch for both: plain http, or https without verifying the certificate.
        if node_trust(settings) in ("http", "skipVerify"):
            mirror_entry["insecure"] = True
        # The upstream as written in image names: containers/image itself turns docker.io into its API host.
        entry: dict[str, Any] = {"prefix": node_host(registry), "location": node_host(registry)}
        if upstream_server(registry).startswith("http://"):
            entry["insecure"] = True  # the fallback to a plain-http upstream
        entries.append({**entry, "mirror": [mirror_entry]})
    return tomli_w.dumps({"registry": entries})


def crio_ca_files(settings: Settings) -> dict[str, str]:
    """With trust: ca, the CA where containers/image looks for the mirror host's CAs."""
    nodes = _nodes(settings)
    if node_trust(settings) != "ca" or nodes.ca is None:
        return {}
    return {f"{CRIO_CERTS_DIR}/{mirror(settings).host}/ca.crt": nodes.ca}


def crio_auth_file(settings: Settings, pull_password: str | None) -> str | None:
    """containers-auth.json for the pull user (None without one): keyed by the mirror's host for a login on
    every entry, else by `host/namespace` of each private upstream's mirror (containers-auth.json(5): the most
    specific key matching the repository wins, so the other namespaces are pulled without it)."""
    nodes = _nodes(settings)
    if pull_password is None or nodes.pull_user is None:
        return None
    host, token = mirror(settings).host, _basic_token(nodes.pull_user.name, pull_password)
    private = [registry for registry in settings.registries if logged_in(settings, registry)]
    keys = ["/".join(part for part in (host, r.namespace_path) if part) for r in private]
    if len(private) == len(settings.registries):
        keys = [host]
    auth = {"auths": {key: {"auth": token} for key in keys}}
    return json.dumps(auth, indent=2, sort_keys=True) + "\n"


def node_outputs(settings: Settings) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The plain `nodes` output, and the files with the pull user's credentials (None without a pull user).

    The plain files have no Authorization header; with a pull user, the secret ones are the files to install.
    """
    drop_in = crio_registries_conf(settings)
    crio = {CRIO_DROP_IN: drop_in, **crio_ca_files(settings)}
    plain = {
        **_summary(settings),
        "containerd": containerd_hosts(settings, None),
        "giantswarmValues": to_yaml(giantswarm_values(settings, None)),
        "crio": crio,
    }
    ca_secret = giantswarm_ca_secret(settings)
    if ca_secret is not None:
        plain["giantswarmCaSecret"] = to_yaml(ca_secret)
    nodes = _nodes(settings)
    if nodes.pull_user is None or nodes.pull_user.password is None:
        return plain, None
    password = nodes.pull_user.password.get_secret_value()
    plain["credentials"] = "the secret output nodeCredentials holds these files with the pull user's login"
    auth = crio_auth_file(settings, password)
    gs_values = to_yaml(giantswarm_values(settings, password))
    secret = {
        "containerd": containerd_hosts(settings, password),
        "giantswarmValues": gs_values,
        "giantswarmValuesSecret": to_yaml(_secret(GS_VALUES_SECRET, {"values": gs_values})),
        "crio": {**crio, CRIO_AUTH_FILE: auth},
    }
    return plain, secret


def _summary(settings: Settings) -> dict[str, Any]:
    """Per upstream, where nodes find it: what a person reads at a glance and a tool parses."""
    nodes, base = _nodes(settings), mirror(settings)
    upstreams = {}
    for registry in settings.registries:
        upstreams[registry.id] = {
            "registry": node_host(registry),
            "namespace": registry.namespace_path or "/",
            "mirror": base.url + mirror_path(registry),
            "fallback": upstream_server(registry),
            "containerd": containerd_path(registry),
            "login": logged_in(settings, registry),
        }
    return {
        "mode": nodes.mode,
        "mirror": base.url,
        "trust": node_trust(settings),
        "login": nodes.pull_user.name if nodes.pull_user else None,
        "upstreams": upstreams,
    }


def _basic(settings: Settings, password: str) -> str:
    nodes = _nodes(settings)
    if nodes.pull_user is None:
        raise ValueError("a pull password without nodes.pullUser; node_rules reports this")
    return f"Basic {_basic_token(nodes.pull_user.name, password)}"


def _basic_token(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _nodes(settings: Settings) -> Nodes:
    if settings.nodes is None:
        raise ValueError("node files need settings.nodes; the component builds them only when it is set")
    return settings.nodes
