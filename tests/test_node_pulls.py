"""Node wiring end to end: real containerd, the Giant Swarm cluster chart's templates and skopeo (CRI-O's image
library) pull through the program's generated node files from a stand-in for zot.

zot cannot be installed here, so a docker-registry on 127.0.0.1 stands in for it, holding each test image where the
generated zot sync config says zot would store it (`<namespace>/<upstream repository>`). There is no internet, and
the image names exist on no upstream, so only the mirror can serve a pull; the registry's access log shows the
namespaced `/v2/<namespace>/...` requests. Daemons live in temp folders and are stopped after each module or test.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from components.builders.chart_values import build_secret_values
from components.builders.node_files import (
    containerd_hosts,
    crio_auth_file,
    crio_ca_files,
    crio_registries_conf,
    giantswarm_ca_secret,
    giantswarm_values,
)
from components.builders.zot_config import build_zot_config
from components.settings import Settings
from components.settings.node_rules import login_scope
from components.stack_config import load_settings
from tests.containerd import Containerd, run_containerd
from tests.daemons import NODE_PORTS, free_port
from tests.helm import helm_template
from tests.node_paths import hosts_dir, requested_repository, write_node_files
from tests.node_paths import stored_repository as stored_repository_of
from tests.oci_image import Image, build_image
from tests.reference import containerd_values_schema, gs_cluster_containerd
from tests.registry import Registry, serve_registry
from tests.samples import SALT_KEY, keys_of
from tests.skopeo import pull_through, push
from tests.tls import Certificate, self_signed

PULL_USER = "node"
# 40 random-looking characters: the settings require at least 32 for the low bcrypt cost.
PULL_PASSWORD = "Qm9vdHN0cmFwLXRoZS1ub2RlLXB1bGwtdXNlcg4x"
WRONG_PASSWORD = "Qm9vdHN0cmFwLXRoZS1ub2RlLXB1bGwtdXNlcg4y"


@dataclass(frozen=True)
class Upstream:
    """An upstream registry of the stack and the one test image pulled from it."""

    url: str  # as in registries[].urls
    registry: str  # the registry part of image references on the node
    repository: str  # no upstream publishes it, so a pull the mirror did not serve fails
    tag: str

    @property
    def reference(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


UPSTREAMS = [
    Upstream("https://docker.io", "docker.io", "library/zot-cache-e2e", "1.0"),
    Upstream("https://ghcr.io", "ghcr.io", "zot-cache-e2e/app", "2.0"),
]


def node_settings(nodes: dict[str, Any], service: dict[str, Any] | None = None, hub_at_root: bool = False) -> Settings:
    """Docker Hub and ghcr.io on demand in their default namespaces (or Docker Hub at the root), readable by the
    nodes' way of pulling."""
    pull_user = nodes.get("pullUser", {})
    # The pull user, and during a rotation the login it replaces: both read every mirrored namespace.
    logins = [login["name"] for login in (pull_user, pull_user.get("previous", {})) if login]
    pulls = {"policies": [{"users": logins, "actions": ["read"]}]} if logins else {}
    anonymous = {} if "pullUser" in nodes else {"anonymousPolicy": ["read"]}
    registries = [{"name": u.registry.split(".")[0], "urls": [u.url], "onDemand": True} for u in UPSTREAMS]
    namespaces = [f"{u.registry}/**" for u in UPSTREAMS]
    if hub_at_root:
        registries[0]["namespace"] = "/"
        namespaces[0] = "**"
    raw = {
        "registries": registries,
        "accessControl": {"repositories": {glob: {**pulls, **anonymous} for glob in namespaces}},
        "nodes": nodes,
        "htpasswdSaltKey": SALT_KEY,
        **({"service": service} if service else {}),
    }
    return load_settings(raw, {"htpasswdSaltKey", "nodes"})


def stored_repository(settings: Settings, upstream: Upstream) -> str:
    """Where zot stores the upstream image, read from the generated sync config."""
    for entry in build_zot_config(settings)["extensions"]["sync"]["registries"]:
        stored = stored_repository_of(entry, upstream.repository) if upstream.url in entry["urls"] else None
        if stored is not None:
            return stored
    raise AssertionError(f"no sync content of the generated zot config holds {upstream.reference}")


def manifest_request(settings: Settings, upstream: Upstream) -> str:
    """The path containerd resolves the tag with at the mirror (each request carries `?ns=<registry>`)."""
    return f"/v2/{stored_repository(settings, upstream)}/manifests/{upstream.tag}?ns={upstream.registry}"


def assert_containerd_pulls_both(
    daemon: Containerd,
    files: dict[str, str],
    node_root: Path,
    mirror: Registry,
    settings: Settings,
    system_certs: Path | None = None,
) -> None:
    """With only these node files, containerd pulls both images, and the mirror served them from their namespaces."""
    folder = hosts_dir(write_node_files(node_root, files))
    for upstream in UPSTREAMS:
        pulled = daemon.pull(upstream.reference, folder, system_certs)
        assert pulled.returncode == 0, f"{upstream.reference}:\n{pulled.stderr}"
    for upstream in UPSTREAMS:
        assert mirror.answered("HEAD", manifest_request(settings, upstream), 200), mirror.requests()


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Image]:
    folder = tmp_path_factory.mktemp("images")
    return {
        u.reference: build_image(folder / str(i), u.tag, "origin.txt", u.reference.encode())
        for i, u in enumerate(UPSTREAMS)
    }


def node_port_mode(hub_at_root: bool = False) -> Settings:
    """nodePort mode, the Service on a free port of the node-port range."""
    port = free_port(NODE_PORTS)
    return node_settings({"mode": "nodePort", "nodePort": port}, {"type": "NodePort", "nodePort": port}, hub_at_root)


@pytest.fixture(scope="module")
def node_port_settings() -> Settings:
    return node_port_mode()


@pytest.fixture(scope="module")
def hub_at_root_settings() -> Settings:
    """Docker Hub in the root namespace: the layout the cluster chart's localRegistryCache reaches."""
    return node_port_mode(hub_at_root=True)


@contextmanager
def stand_in_zot(
    folder: Path, settings: Settings, images: dict[str, Image], port: int, tls: Certificate | None = None
) -> Iterator[Registry]:
    """A registry holding both images where the settings' zot sync config stores them; with `tls`, over https,
    checking logins against the htpasswd file the program puts in the Secret."""
    htpasswd = creds = ca_dir = None
    pull_user = settings.nodes.pull_user if settings.nodes else None
    if tls:
        ca_dir = tls.cert.parent
    if tls and pull_user and pull_user.password:
        htpasswd = folder / "htpasswd"
        htpasswd.write_text(build_secret_values(settings, keys_of(settings))["secretFiles"]["htpasswd"])
        # docker-registry has no per-user rights, so the pull user can seed it; zot would refuse that push.
        creds = f"{pull_user.name}:{pull_user.password.get_secret_value()}"
    with serve_registry(folder, port=port, htpasswd=htpasswd, tls=tls) as mirror:
        for upstream in UPSTREAMS:
            destination = f"{mirror.host}/{stored_repository(settings, upstream)}:{upstream.tag}"
            push(images[upstream.reference].source, destination, creds=creds, ca_dir=ca_dir)
        yield mirror


def on_node_port(
    factory: pytest.TempPathFactory, settings: Settings, images: dict[str, Image]
) -> AbstractContextManager[Registry]:
    """The stand-in for zot on the Service's node port."""
    assert settings.service.node_port is not None
    return stand_in_zot(factory.mktemp("node-port-mirror"), settings, images, settings.service.node_port)


@pytest.fixture(scope="module")
def node_port_mirror(
    tmp_path_factory: pytest.TempPathFactory, node_port_settings: Settings, images: dict[str, Image]
) -> Iterator[Registry]:
    with on_node_port(tmp_path_factory, node_port_settings, images) as mirror:
        yield mirror


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def login_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def login_settings(certificate: Certificate, login_port: int) -> Settings:
    """url mode over https to 127.0.0.1 with a node pull user; the node files install the test CA."""
    return node_settings(https_nodes(login_port, certificate))


def https_nodes(port: int, certificate: Certificate, trust: str = "ca", **pull_user: Any) -> dict[str, Any]:
    """Nodes reaching the stand-in over https with a login: trusting its CA as the node files install it, or
    (trust: system) as a node that was not given it."""
    nodes: dict[str, Any] = {"mode": "url", "url": f"https://127.0.0.1:{port}", "trust": trust}
    if trust == "ca":
        nodes["ca"] = certificate.cert.read_text()
    return {**nodes, "pullUser": {"name": PULL_USER, "password": PULL_PASSWORD, **pull_user}}


@pytest.fixture(scope="module")
def login_mirror(
    tmp_path_factory: pytest.TempPathFactory,
    login_settings: Settings,
    login_port: int,
    certificate: Certificate,
    images: dict[str, Image],
) -> Iterator[Registry]:
    """The stand-in for zot over https, with the node pull user's login."""
    folder = tmp_path_factory.mktemp("login-mirror")
    with stand_in_zot(folder, login_settings, images, login_port, certificate) as mirror:
        yield mirror


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Containerd]:
    """A fresh containerd per test: nothing pulled before can satisfy a pull from its content store."""
    with run_containerd(tmp_path / "containerd") as running:
        yield running


# ---------------------------------------------------------------------------------------------- mapping


@pytest.mark.parametrize("upstream", UPSTREAMS, ids=lambda u: u.registry)
def test_containerd_asks_the_mirror_for_where_zot_stores_the_upstream_image(
    upstream: Upstream, node_port_settings: Settings, hub_at_root_settings: Settings, login_settings: Settings
) -> None:
    for settings in (node_port_settings, hub_at_root_settings, login_settings):
        files = containerd_hosts(settings, PULL_PASSWORD if settings is login_settings else None)
        hosts_toml = files[f"/etc/containerd/certs.d/{upstream.registry}/hosts.toml"]
        assert requested_repository(hosts_toml, upstream.repository) == [stored_repository(settings, upstream)]


# ------------------------------------------------------------------------------------------- containerd


def test_containerd_pulls_through_the_generated_hosts_toml(
    node_port_mirror: Registry, node_port_settings: Settings, daemon: Containerd, tmp_path: Path
) -> None:
    files = containerd_hosts(node_port_settings, None)
    assert_containerd_pulls_both(daemon, files, tmp_path / "node", node_port_mirror, node_port_settings)


def gs_rendered_files(values: dict[str, Any]) -> dict[str, str]:
    """The hosts.toml files the Giant Swarm cluster chart's own templates write from these values (real helm),
    keyed by their path on the node."""
    maps = helm_template(values, "x", "default", chart=gs_cluster_containerd())
    return {m["metadata"]["annotations"]["node-path"]: m["data"]["hosts.toml"] for m in maps}


def test_giant_swarm_values_validate_against_the_cluster_chart_schema(node_port_settings: Settings) -> None:
    values = giantswarm_values(node_port_settings, None)
    jsonschema.validate(values["global"]["components"]["containerd"], containerd_values_schema())


def test_containerd_pulls_through_what_the_cluster_chart_renders_from_the_giant_swarm_values(
    node_port_mirror: Registry, node_port_settings: Settings, daemon: Containerd, tmp_path: Path
) -> None:
    rendered = gs_rendered_files(giantswarm_values(node_port_settings, None))
    for upstream in UPSTREAMS:
        assert f"/etc/containerd/certs.d/{upstream.registry}/hosts.toml" in rendered
    assert_containerd_pulls_both(daemon, rendered, tmp_path / "node", node_port_mirror, node_port_settings)


def test_containerd_pulls_the_root_namespace_through_local_registry_cache(
    hub_at_root_settings: Settings,
    images: dict[str, Image],
    daemon: Containerd,
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
) -> None:
    """Docker Hub at the root: the cluster chart's localRegistryCache (the mirror's bare address) reaches it."""
    values = giantswarm_values(hub_at_root_settings, None)
    assert values["global"]["components"]["containerd"]["localRegistryCache"]["mirroredRegistries"] == ["docker.io"]
    rendered = gs_rendered_files(values)
    with on_node_port(tmp_path_factory, hub_at_root_settings, images) as mirror:
        assert_containerd_pulls_both(daemon, rendered, tmp_path / "node", mirror, hub_at_root_settings)


# ------------------------------------------------------------------------------------------------ CRI-O


def test_skopeo_pulls_through_the_generated_crio_drop_in(
    node_port_mirror: Registry, node_port_settings: Settings, tmp_path: Path
) -> None:
    conf = tmp_path / "zot-cache.conf"
    conf.write_text(crio_registries_conf(node_port_settings))
    for upstream in UPSTREAMS:
        copied = pull_through(conf, upstream.reference, tmp_path / "pulled" / upstream.registry)
        assert copied.returncode == 0, f"{upstream.reference}:\n{copied.stderr}"
    for upstream in UPSTREAMS:
        # containers/image GETs the manifest, without containerd's ?ns= parameter.
        path = f"/v2/{stored_repository(node_port_settings, upstream)}/manifests/{upstream.tag}"
        assert node_port_mirror.answered("GET", path, 200), node_port_mirror.requests()


# ------------------------------------------------------------------------------------------ node login


def test_containerd_logs_in_with_the_generated_header(
    login_mirror: Registry, login_settings: Settings, daemon: Containerd, tmp_path: Path
) -> None:
    files = containerd_hosts(login_settings, PULL_PASSWORD)
    assert_containerd_pulls_both(daemon, files, tmp_path / "node", login_mirror, login_settings)


def test_containerd_skips_the_mirror_without_the_trust_step(
    login_mirror: Registry, login_port: int, certificate: Certificate, daemon: Containerd, tmp_path: Path
) -> None:
    """The same files without the CA (trust: system on a node that lacks it): containerd does not trust the mirror,
    falls back to the upstream, and the pull fails here (no upstream serves these images) with the mirror never
    asked. This is the silent bypass nodes.trust exists to prevent."""
    settings = node_settings(https_nodes(login_port, certificate, trust="system"))
    node = write_node_files(tmp_path / "node", containerd_hosts(settings, PULL_PASSWORD))
    assert not list(hosts_dir(node).glob("*/*.crt"))
    assert_falls_back_untrusted(daemon, node, login_mirror)


def assert_falls_back_untrusted(daemon: Containerd, node: Path, mirror: Registry, certs: Path | None = None) -> None:
    """Each pull refuses the mirror's certificate, moves on to the upstream (which fails here), and the mirror
    answers nothing: what a node without the trust step does, silently, in a real cluster."""
    before = len(mirror.requests())
    for upstream in UPSTREAMS:
        pulled = daemon.pull(upstream.reference, hosts_dir(node), certs)
        assert pulled.returncode != 0, f"{upstream.reference} was pulled without trusting the mirror"
        assert "x509: certificate signed by unknown authority" in pulled.stderr, pulled.stderr
        assert "trying next host" in pulled.stderr, pulled.stderr
    assert mirror.requests()[before:] == []


def giant_swarm_node_files(values: dict[str, Any], secret: dict[str, Any] | None, tmp_path: Path) -> dict[str, str]:
    """What the cluster chart writes on a node from these values: its hosts.toml files, and each
    `internal.advancedConfiguration.files` entry filled from the Secret it names (as Cluster API does)."""
    files = gs_rendered_files(values)
    chart = tmp_path / "cluster-chart"
    shutil.copytree(gs_cluster_containerd(), chart)
    # Calls the chart's own template for custom files, as its KubeadmConfig templates do on every node.
    (chart / "templates" / "hosts.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: files\ndata:\n  files.yaml: |\n"
        '{{- include "cluster.internal.kubeadm.files.custom" $ | indent 4 }}\n'
    )
    # Every cluster has a name (global.metadata.name), which the chart prefixes to Secrets that ask for it.
    with_name = {**values, "global": {**values["global"], "metadata": {"name": "example"}}}
    (rendered,) = helm_template(with_name, "x", "org-example", chart=chart)
    for entry in yaml.safe_load(rendered["data"]["files.yaml"]) or []:
        source = entry["contentFrom"]["secret"]
        assert secret is not None, entry
        assert secret["metadata"]["name"] == source["name"], entry
        assert entry["permissions"] == "0644"
        files[entry["path"]] = secret["stringData"][source["key"]]
    return files


@pytest.mark.parametrize("trust_step", [True, False], ids=["with-ca-file", "without-ca-file"])
def test_giant_swarm_nodes_trust_the_mirror_through_the_ca_file_from_the_secret(
    trust_step: bool, login_mirror: Registry, login_settings: Settings, daemon: Containerd, tmp_path: Path
) -> None:
    """The cluster chart's hosts.toml has no `ca`: its nodes trust the mirror through the system pool, into which
    Go reads every file of /etc/ssl/certs, where the chart writes the CA from the Secret the outputs give."""
    values = giantswarm_values(login_settings, PULL_PASSWORD)
    jsonschema.validate(values["global"]["components"]["containerd"], containerd_values_schema())
    files = giant_swarm_node_files(values, giantswarm_ca_secret(login_settings), tmp_path)
    assert files["/etc/ssl/certs/zot-cache-ca.pem"] == login_settings.nodes.ca if login_settings.nodes else False
    if not trust_step:
        del files["/etc/ssl/certs/zot-cache-ca.pem"]
    node = write_node_files(tmp_path / "node", files)
    certs = node / "etc/ssl/certs"
    certs.mkdir(parents=True, exist_ok=True)
    if trust_step:
        assert_containerd_pulls_both(daemon, files, tmp_path / "node", login_mirror, login_settings, certs)
        return
    assert_falls_back_untrusted(daemon, node, login_mirror, certs)


# None: the plain output's files, which carry no login.
@pytest.mark.parametrize("password", [WRONG_PASSWORD, None], ids=["wrong-password", "no-login"])
def test_a_pull_without_the_right_login_is_refused(
    password: str | None, login_mirror: Registry, login_settings: Settings, daemon: Containerd, tmp_path: Path
) -> None:
    node = write_node_files(tmp_path / "node", containerd_hosts(login_settings, password))
    for upstream in UPSTREAMS:
        before = len(login_mirror.requests())
        pulled = daemon.pull(upstream.reference, hosts_dir(node))
        assert pulled.returncode != 0, f"{upstream.reference} was pulled without the right login"
        # Refused by the mirror itself (not, say, a TLS error before any request), and nothing was served.
        assert login_mirror.answered("HEAD", manifest_request(login_settings, upstream), 401)
        answered = login_mirror.requests()[before:]
        assert all(status == 401 for _, _, status in answered), answered


def test_skopeo_logs_in_with_the_generated_auth_file(
    login_mirror: Registry, login_settings: Settings, tmp_path: Path
) -> None:
    node = write_node_files(tmp_path / "node", crio_ca_files(login_settings))
    # containers/image reads the mirror host's CAs from /etc/containers/certs.d/<host:port>/ on a node.
    cert_dir = node / "etc/containers/certs.d" / login_mirror.host
    conf = tmp_path / "zot-cache.conf"
    conf.write_text(crio_registries_conf(login_settings))
    auth = crio_auth_file(login_settings, PULL_PASSWORD)
    assert auth is not None
    entry = json.loads(auth)["auths"][login_mirror.host]["auth"]
    assert base64.b64decode(entry).decode() == f"{PULL_USER}:{PULL_PASSWORD}"
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(auth)
    extra = [f"--src-authfile={auth_file}", f"--src-cert-dir={cert_dir}"]
    for upstream in UPSTREAMS:
        copied = pull_through(conf, upstream.reference, tmp_path / "pulled" / upstream.registry, extra)
        assert copied.returncode == 0, f"{upstream.reference}:\n{copied.stderr}"


# ------------------------------------------------------------------------------ each accepted trust


@pytest.fixture(scope="module")
def open_tls_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def open_tls_mirror(
    tmp_path_factory: pytest.TempPathFactory, open_tls_port: int, certificate: Certificate, images: dict[str, Image]
) -> Iterator[Registry]:
    """The stand-in over https without logins: nodes pull anonymously."""
    settings = node_settings({"mode": "url", "url": f"https://127.0.0.1:{open_tls_port}", "trust": "skipVerify"})
    with stand_in_zot(tmp_path_factory.mktemp("open-tls"), settings, images, open_tls_port, certificate) as mirror:
        yield mirror


def system_trusting(node: Path, certificate: Certificate | None) -> Path:
    """The stand-in node's /etc/ssl/certs, holding the test CA when the node trusts it already."""
    certs = node / "etc/ssl/certs"
    certs.mkdir(parents=True, exist_ok=True)
    if certificate is not None:
        shutil.copy(certificate.cert, certs / "corporate-ca.pem")
    return certs


@pytest.mark.parametrize("giant_swarm", [False, True], ids=["hosts-toml", "giant-swarm-values"])
def test_trust_system_pulls_when_the_node_trusts_the_ca_already(
    giant_swarm: bool,
    login_mirror: Registry,
    login_port: int,
    certificate: Certificate,
    daemon: Containerd,
    tmp_path: Path,
) -> None:
    settings = node_settings(https_nodes(login_port, certificate, trust="system"))
    files = (
        gs_rendered_files(giantswarm_values(settings, PULL_PASSWORD))
        if giant_swarm
        else containerd_hosts(settings, PULL_PASSWORD)
    )
    certs = system_trusting(tmp_path / "node", certificate)
    assert_containerd_pulls_both(daemon, files, tmp_path / "node", login_mirror, settings, certs)


@pytest.mark.parametrize("giant_swarm", [False, True], ids=["hosts-toml", "giant-swarm-values"])
def test_trust_skip_verify_pulls_anonymously(
    giant_swarm: bool, open_tls_mirror: Registry, open_tls_port: int, daemon: Containerd, tmp_path: Path
) -> None:
    settings = node_settings({"mode": "url", "url": f"https://127.0.0.1:{open_tls_port}", "trust": "skipVerify"})
    files = gs_rendered_files(giantswarm_values(settings, None)) if giant_swarm else containerd_hosts(settings, None)
    certs = system_trusting(tmp_path / "node", None)
    assert_containerd_pulls_both(daemon, files, tmp_path / "node", open_tls_mirror, settings, certs)


# ------------------------------------------------------------------------------------ rotation

NEW_PASSWORD = "TmV3LW5vZGUtcHVsbC1wYXNzd29yZC1mb3ItMjAyNw"


def test_a_node_login_rotation_keeps_every_node_pulling(
    certificate: Certificate, images: dict[str, Image], tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """README's steps: (1) the current login becomes pullUser.previous and a new login (its own name) is set; old
    and new node files both pull while nodes roll; (2) previous is removed: the old files get 401."""
    port = free_port()
    before = node_settings(https_nodes(port, certificate))
    previous = {"name": PULL_USER, "password": PULL_PASSWORD}
    window = node_settings(https_nodes(port, certificate, name="node-2", password=NEW_PASSWORD, previous=previous))
    after = node_settings(https_nodes(port, certificate, name="node-2", password=NEW_PASSWORD))
    old_files = containerd_hosts(before, PULL_PASSWORD)
    new_files = containerd_hosts(window, NEW_PASSWORD)
    assert new_files == containerd_hosts(after, NEW_PASSWORD)  # the window changes zot's htpasswd, not the nodes
    with stand_in_zot(tmp_path_factory.mktemp("rotation-window"), window, images, port, certificate) as mirror:
        for name, files in (("old", old_files), ("new", new_files)):
            with run_containerd(tmp_path / f"window-{name}") as daemon:
                assert_containerd_pulls_both(daemon, files, tmp_path / f"node-{name}", mirror, window)
    with stand_in_zot(tmp_path_factory.mktemp("rotation-after"), after, images, port, certificate) as mirror:
        with run_containerd(tmp_path / "after-new") as daemon:
            assert_containerd_pulls_both(daemon, new_files, tmp_path / "node-new", mirror, after)
        with run_containerd(tmp_path / "after-old") as daemon:
            node = hosts_dir(write_node_files(tmp_path / "node-old", old_files))
            for upstream in UPSTREAMS:
                assert daemon.pull(upstream.reference, node).returncode != 0
                assert mirror.answered("HEAD", manifest_request(after, upstream), 401)


# ---------------------------------------------------------------------------------------- login scope


def private_ghcr_settings(port: int, certificate: Certificate) -> Settings:
    """ghcr.io as a private upstream (it has credentials), Docker Hub public and anonymously readable: the login's
    scope resolves to private, so only ghcr.io's mirror entry carries it."""
    credentials = {"username": "robot", "password": "robot-token"}
    registries = [
        {"name": "docker", "urls": [UPSTREAMS[0].url], "onDemand": True},
        {"name": "ghcr", "urls": [UPSTREAMS[1].url], "onDemand": True, "credentials": credentials},
    ]
    access = {
        "docker.io/**": {"anonymousPolicy": ["read"]},
        "ghcr.io/**": {"policies": [{"users": [PULL_USER], "actions": ["read"]}]},
    }
    raw = {
        "registries": registries,
        "accessControl": {"repositories": access},
        "nodes": https_nodes(port, certificate),
        "htpasswdSaltKey": SALT_KEY,
    }
    return load_settings(raw, {"htpasswdSaltKey", "nodes", "registries"})


def test_a_private_scope_sends_the_login_only_with_the_private_upstreams_entry(
    login_mirror: Registry, login_port: int, certificate: Certificate, daemon: Containerd, tmp_path: Path
) -> None:
    """The stand-in asks every client for the login (zot would serve docker.io/ anonymously): ghcr.io's pull
    passes with the login its entry carries, Docker Hub's gets 401 because its entry carries none."""
    settings = private_ghcr_settings(login_port, certificate)
    assert settings.nodes is not None
    assert settings.nodes.pull_user is not None
    assert login_scope(settings, settings.nodes.pull_user) == "private"
    hub, ghcr = UPSTREAMS
    node = hosts_dir(write_node_files(tmp_path / "node", containerd_hosts(settings, PULL_PASSWORD)))
    pulled = daemon.pull(ghcr.reference, node)
    assert pulled.returncode == 0, pulled.stderr
    assert login_mirror.answered("HEAD", manifest_request(settings, ghcr), 200)
    assert daemon.pull(hub.reference, node).returncode != 0
    assert login_mirror.answered("HEAD", manifest_request(settings, hub), 401)
    # CRI-O: the auth file's key is the private upstream's mirror namespace, which skopeo matches most specifically.
    crio = write_node_files(tmp_path / "crio", crio_ca_files(settings))
    conf, auth_file = tmp_path / "zot-cache.conf", tmp_path / "auth.json"
    conf.write_text(crio_registries_conf(settings))
    auth_file.write_text(crio_auth_file(settings, PULL_PASSWORD) or "")
    assert list(json.loads(auth_file.read_text())["auths"]) == [f"{login_mirror.host}/ghcr.io"]
    extra = [f"--src-authfile={auth_file}", f"--src-cert-dir={crio / 'etc/containers/certs.d' / login_mirror.host}"]
    assert pull_through(conf, ghcr.reference, tmp_path / "pulled-ghcr", extra).returncode == 0
    assert pull_through(conf, hub.reference, tmp_path / "pulled-hub", extra).returncode != 0
