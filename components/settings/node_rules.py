"""What node wiring needs from the rest of the config: a mirror nodes can reach, and a login (or none) that can
read every mirrored namespace and nothing more.

containerd and CRI-O run on the node, outside the cluster: they use the node's resolver and send credentials
only over https. Each rule below is one way a node would otherwise fail to pull, or pull with more rights than
it should.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from components.settings import access_rules, namespaces
from components.settings.access import WRITE_ACTIONS

if TYPE_CHECKING:
    from components.settings import Settings
    from components.settings.access import RepositoryAccess
    from components.settings.common import Issue
    from components.settings.nodes import Nodes, PreviousLogin, PullUser
    from components.settings.upstreams import Registry

BASE = ("nodes",)
# The chart's Service nodePort when service.nodePort is not set (values service.nodePort).
CHART_NODE_PORT = 32767
# A node login's password guards a low bcrypt cost: only a long random one keeps a guess as hard as cost 10 would.
NODE_PASSWORD_MIN = 32
NODE_PASSWORD_COMMAND = "pulumi config set --secret --path 'nodes.pullUser.password' \"$(openssl rand -base64 32)\""
# Names only the cluster's DNS resolves (with `.svc.<app.clusterDomain>` too); containerd on the node asks the
# node's resolver.
IN_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")
# Kubernetes' default Service CIDRs (kube-apiserver --service-cluster-ip-range default) and Giant Swarm's
# (cluster-aws values.yaml global.connectivity.network.services.cidrBlocks: 172.31.0.0/16).
SERVICE_RANGES = (ipaddress.ip_network("10.96.0.0/12"), ipaddress.ip_network("172.31.0.0/16"))
# cert-manager ClusterIssuers whose certificates nodes trust, or do not, as they come, told by name. Let's Encrypt's
# production chain is in every system trust store; its staging chain, a CA issuer (Giant Swarm's private-giantswarm
# signs with its own root) and a self-signed issuer are in none. Any other name (an ACME issuer may be a private
# step-ca) says nothing, so nodes.trust must be stated.
PUBLIC_ISSUER = re.compile(r"letsencrypt|lets-encrypt")
PRIVATE_ISSUER = re.compile(r"private|self-?signed|staging|internal|\bca\b")
# The CA issuer's own Secret exists before zot's certificate does (docs/nodes.md); `--` ends the flags, so the
# stack goes before it (pulumi config set takes at most two arguments).
CA_COMMAND = (
    "pulumi config set --path 'nodes.ca' --stack <stack> -- \"$(kubectl get secret -n cert-manager "
    "<the ClusterIssuer's spec.ca.secretName> -o jsonpath='{.data.tls\\.crt}' | base64 -d)\""
)
Trust = Literal["http", "system", "ca", "skipVerify"]


def node_issues(settings: Settings) -> Iterator[Issue]:
    nodes = settings.nodes
    if nodes is None:
        return
    yield from _mirror_issues(settings, nodes)
    yield from _trust_issues(settings, nodes)
    yield from _host_issues(settings)
    yield from _layout_issues(settings)
    for index, name in enumerate(nodes.allow_anonymous_read):
        registry = next((r for r in settings.registries if r.id == name), None)
        if registry is None or registry.credentials is None:
            yield (
                (*BASE, "allowAnonymousRead", index),
                f"{name!r} is not the name of a registry with credentials; list only those whose private images "
                "anonymous node pulls may read, or remove it",
            )
    if nodes.pull_user is None:
        yield from _anonymous_issues(settings, nodes)
    else:
        yield from _pull_user_issues(settings, nodes.pull_user)
        if nodes.pull_user.previous is not None:
            yield from _previous_login_issues(settings, nodes.pull_user, nodes.pull_user.previous)


def _mirror_issues(settings: Settings, nodes: Nodes) -> Iterator[Issue]:
    if nodes.mode != "url" and nodes.url is not None:
        yield ((*BASE, "url"), f"is only used with mode url; remove it, or set mode: url (mode is {nodes.mode})")
    if nodes.mode != "nodePort" and nodes.node_port is not None:
        yield ((*BASE, "nodePort"), f"is only used with mode nodePort; remove it (mode is {nodes.mode})")
    if nodes.mode == "nodePort":
        if settings.service.type != "NodePort":
            yield (
                (*BASE, "mode"),
                "nodePort needs the Service to be a NodePort: set service.type: NodePort (and service.nodePort, "
                "e.g. 32767, the port Giant Swarm's localRegistryCache uses)",
            )
        service_port = settings.service.node_port or CHART_NODE_PORT
        if nodes.node_port is not None and nodes.node_port != service_port:
            yield (
                (*BASE, "nodePort"),
                f"is {nodes.node_port}, but the Service listens on node port {service_port} (service.nodePort); "
                "set both to the same port",
            )
        if nodes.pull_user is not None:
            yield (
                (*BASE, "pullUser"),
                "nodes reach a NodePort over plain http, where containerd would send the password in clear (and "
                "Giant Swarm's cluster chart never sends it): use mode ingress (https) for a node login, or remove "
                "pullUser and allow anonymous read of the mirrored namespaces",
            )
    elif nodes.mode == "ingress":
        # A pull user over a plain-http ingress is refused with every other login (Ingress.clear_text_logins).
        if not settings.ingress.enabled:
            yield ((*BASE, "mode"), "ingress needs ingress.enabled: true with a host nodes can resolve")
    elif nodes.url is None:
        yield ((*BASE, "url"), 'mode url needs the URL nodes pull from, like "https://zot.example.org"')
    else:
        parts = urlsplit(nodes.url)
        yield from _url_host_issues(settings, (parts.hostname or "").rstrip("."))
        if parts.scheme == "http" and nodes.pull_user is not None:
            yield ((*BASE, "pullUser"), "needs an https url; over http the password would travel in clear")


def _url_host_issues(settings: Settings, host: str) -> Iterator[Issue]:
    """containerd resolves the mirror's name with the node's resolver, which has no cluster search domains."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return  # an address needs no resolver (a ClusterIP is warned about in node_warnings)
    labels = host.split(".")
    # `<service>` and `<service>.<namespace>` resolve in pods only, through the cluster's search domains.
    short = (len(labels) == 1 and host != "localhost") or (len(labels) == 2 and labels[1] == settings.app.namespace)
    if host.endswith((*IN_CLUSTER_SUFFIXES, f".svc.{settings.app.cluster_domain}")) or short:
        yield (
            (*BASE, "url"),
            f"{host!r} is an in-cluster DNS name (or a short one), but containerd runs on the node and uses the "
            "node's resolver, which neither knows cluster names nor has the cluster's search domains; use the "
            "ingress host (mode ingress), a NodePort (mode nodePort) or another name the nodes resolve",
        )


def node_warnings(settings: Settings) -> Iterator[str]:
    """Node wiring that reaches zot only from some nodes, or only once a node runs."""
    nodes = settings.nodes
    if nodes is not None and nodes.mode == "nodePort" and settings.platform == "app" and settings.app.cluster is None:
        # app-operator runs on the management cluster: an App without a cluster installs zot there.
        yield (
            "nodes.mode nodePort: zot runs on the management cluster (an App without app.cluster), so only that "
            "cluster's own nodes reach it at 127.0.0.1; a workload cluster given these files (giantswarmValues) "
            "would ask itself, find nothing and pull from the upstreams without a word; to wire workload cluster "
            "nodes, set app.cluster (zot then runs there) or use mode ingress/url with an address they reach"
        )
    if nodes is None or nodes.mode != "url" or nodes.url is None:
        return
    try:
        address = ipaddress.ip_address((urlsplit(nodes.url).hostname or "").strip("[]"))
    except ValueError:
        return
    if any(address in network for network in SERVICE_RANGES):
        yield (
            f"nodes.url {address} looks like a ClusterIP: nodes reach it only through kube-proxy, which is not "
            "running while a node boots (its first pulls bypass the cache) and which some kube-proxy replacements "
            "do not serve to host processes; prefer the ingress host or a NodePort"
        )


def node_trust(settings: Settings) -> Trust:
    """How nodes trust the mirror: no TLS at all, the node's system trust store, the CA the node files install,
    or no verification. Unstated only where the ingress's issuer is a public one (_trust_issues refuses the rest)."""
    nodes = settings.nodes
    if nodes is None or not _https(settings, nodes):
        return "http"
    return nodes.trust or "system"


def _https(settings: Settings, nodes: Nodes) -> bool:
    if nodes.mode == "nodePort":
        return False
    if nodes.mode == "ingress":
        return settings.ingress.tls
    return (nodes.url or "").startswith("https://")


def issuer_kind(issuer: str | None) -> Literal["public", "private"] | None:
    """Whether a cert-manager ClusterIssuer's name says nodes trust its certificates (None: it does not say)."""
    if issuer is None:
        return None
    if PRIVATE_ISSUER.search(issuer):
        return "private"
    return "public" if PUBLIC_ISSUER.search(issuer) else None


def _trust_issues(settings: Settings, nodes: Nodes) -> Iterator[Issue]:
    """No setting may leave nodes silently bypassing the cache: containerd falls back to the upstream on a
    certificate it does not trust, with no error anywhere (issue 15, finding 1)."""
    if not _https(settings, nodes):
        for key, value in (("trust", nodes.trust), ("ca", nodes.ca)):
            if value is not None:
                yield ((*BASE, key), "applies to an https mirror only; this one is plain http, so remove it")
        return
    # A url naming one of the TLS ingress's hosts reaches the same certificate as mode ingress.
    url_host = urlsplit(nodes.url).hostname if nodes.mode == "url" and nodes.url else None
    at_ingress = nodes.mode == "ingress" or (
        settings.ingress.enabled and settings.ingress.tls and url_host in settings.ingress.hosts
    )
    issuer = settings.ingress.issuer if at_ingress else None
    kind = issuer_kind(issuer)
    choices = (
        "system (the nodes already trust its CA, e.g. Let's Encrypt), ca (set nodes.ca to the CA certificate; the "
        "node files install it), or skipVerify (no verification; not with a pullUser)"
    )
    if nodes.trust is None and kind != "public":
        source = (
            f"ingress.clusterIssuer {issuer!r} is a private issuer"
            if kind == "private"
            else f"the program cannot tell whether nodes trust its certificate (issuer: {issuer or 'not set'})"
        )
        yield (
            (*BASE, "trust"),
            f"nodes reach the mirror over https and {source}; a certificate they do not trust makes containerd "
            f"skip the cache without an error. Say how nodes trust it: {choices}",
        )
    if nodes.trust == "system" and kind == "private":
        yield (
            (*BASE, "trust"),
            f"is system, but ingress.clusterIssuer {issuer!r} is a private issuer the nodes' trust store does not "
            f"hold, so containerd would skip the cache without an error; set trust: ca and {CA_COMMAND}",
        )
    if nodes.trust == "ca" and nodes.ca is None:
        yield ((*BASE, "ca"), f"trust: ca needs the CA certificate; {CA_COMMAND}")
    if nodes.ca is not None and nodes.trust != "ca":
        yield ((*BASE, "ca"), "is only installed with trust: ca; set nodes.trust: ca, or remove it")
    if nodes.trust == "skipVerify" and nodes.pull_user is not None:
        yield (
            (*BASE, "trust"),
            "skipVerify with a pullUser sends the node login to any server that answers for the mirror's name; "
            f"give the nodes the CA instead: trust: ca and {CA_COMMAND}",
        )


def _host_issues(settings: Settings) -> Iterator[Issue]:
    """A node has one hosts.toml (and one CRI-O prefix) per registry host, so one mirror per host."""
    seen: dict[str, int] = {}
    for index, registry in enumerate(settings.registries):
        host = node_host(registry)
        if host in seen:
            yield (
                ("registries", index, "urls", 0),
                f"nodes keep one mirror per registry host, and {host} is already registries[{seen[host]}]; give "
                "one upstream per host when nodes are wired (nodes), e.g. with several content entries",
            )
        seen.setdefault(host, index)


def _layout_issues(settings: Settings) -> Iterator[Issue]:
    """Nodes ask the mirror for `<namespace>/<repository as the upstream names it>`; zot must store it there."""
    for index, registry in enumerate(settings.registries):
        for position, content in enumerate(registry.content):
            path = ("registries", index, "content", position)
            if (content.destination or "/").strip("/"):
                yield (
                    (*path, "destination"),
                    "moves the upstream's repositories away from where nodes ask for them (<namespace>/<repository>), "
                    "so every node pull would miss the cache and go upstream; remove destination while nodes are "
                    "wired, and give the upstream its own namespace instead",
                )
            if content.strip_prefix:
                yield (
                    (*path, "stripPrefix"),
                    "stores repositories without their prefix, but nodes ask for the full upstream name; remove "
                    "stripPrefix while nodes are wired",
                )


def node_host(registry: Registry) -> str:
    """The registry name image references use on the node: docker.io for any of Docker Hub's hosts."""
    return "docker.io" if registry.is_docker_hub else registry.hosts[0].lower()


def _anonymous_issues(settings: Settings, nodes: Nodes) -> Iterator[Issue]:
    """Without a login, nodes pull anonymously: every mirrored namespace must say so, and only those."""
    for index, registry in enumerate(settings.registries):
        yield from _unreadable_issues(settings, index, registry, None)
    for index, registry in enumerate(settings.registries):
        if registry.credentials is not None and registry.id not in nodes.allow_anonymous_read:
            yield (
                ("registries", index, "credentials"),
                f"nodes pull anonymously, so anyone who reaches the mirror could read this private upstream's "
                f"images ({registry.id} logs in to its upstream); give the nodes a pullUser, or if that is meant, "
                f"list {registry.id!r} in nodes.allowAnonymousRead",
            )
    every = settings.access_control.repositories.get("**")
    # With an upstream at the root, ** is its namespace; otherwise it reaches what nothing mirrors.
    if every and "read" in every.anonymous_policy and all(r.namespace_path for r in settings.registries):
        yield (
            ("accessControl", "repositories", "**", "anonymousPolicy"),
            "anonymous read on ** also opens what no upstream mirrors (pushed images) to anyone who reaches "
            "the node mirror; scope it to the mirrored namespaces, like "
            + ", ".join(f'"{namespaces.glob(r.namespace_path)}"' for r in settings.registries),
        )


def login_scope(settings: Settings, pull_user: PullUser) -> Literal["private", "all"]:
    """Which mirror entries carry the node login: as set, else only the private upstreams' when every other
    mirrored namespace is anonymously readable (the login then reaches no more than it must)."""
    if pull_user.scope is not None:
        return pull_user.scope
    public = [r for r in settings.registries if r.credentials is None]
    return "all" if any(access_rules.unreadable(settings, r, None) for r in public) else "private"


def logged_in(settings: Settings, registry: Registry) -> bool:
    """Whether the nodes' mirror entry for this upstream carries the node login."""
    nodes = settings.nodes
    if nodes is None or nodes.pull_user is None:
        return False
    return login_scope(settings, nodes.pull_user) == "all" or registry.credentials is not None


def _pull_user_issues(settings: Settings, pull_user: PullUser) -> Iterator[Issue]:
    name = pull_user.name
    path = (*BASE, "pullUser")
    if name in {user.name for user in settings.users}:
        yield ((*path, "name"), f"{name!r} is also in users; give the nodes a login of their own")
    if pull_user.password is None:
        yield ((*path, "password"), f"missing; run {NODE_PASSWORD_COMMAND}")
    yield from _read_only_issues(settings, name, path)
    if login_scope(settings, pull_user) == "private" and all(r.credentials is None for r in settings.registries):
        yield (
            (*path, "scope"),
            "is private (only the private upstreams' mirror entries carry the login), but no upstream has "
            "credentials, so nodes never send it; remove pullUser and let nodes pull anonymously, or set scope: all",
        )
    for index, registry in enumerate(settings.registries):
        yield from _unreadable_issues(settings, index, registry, name if logged_in(settings, registry) else None)


def _previous_login_issues(settings: Settings, pull_user: PullUser, previous: PreviousLogin) -> Iterator[Issue]:
    """The login being rotated out must work exactly as the current one did until every node has new files."""
    path = (*BASE, "pullUser", "previous")
    if previous.name == pull_user.name or previous.name in {user.name for user in settings.users}:
        yield (
            (*path, "name"),
            f"{previous.name!r} is already a login; zot keeps one password per user name, so the new login needs "
            "a name of its own (e.g. node-pull-2 after node-pull)",
        )
    if previous.password is None:
        yield ((*path, "password"), "missing; move the current nodes.pullUser.password here before replacing it")
    yield from _read_only_issues(settings, previous.name, path)
    for index, registry in enumerate(settings.registries):
        if logged_in(settings, registry):
            yield from _unreadable_issues(settings, index, registry, previous.name)


def _read_only_issues(settings: Settings, name: str, path: tuple[str, ...]) -> Iterator[Issue]:
    access = settings.access_control
    mirrored = access_rules.mirrored_by(settings)
    for pattern, repo in access.repositories.items():
        yield from _write_issues(("accessControl", "repositories", pattern), repo, name)
        if pattern not in mirrored:
            yield from _unmirrored_read_issues(("accessControl", "repositories", pattern), repo, name, path)
    if access.admin_policy is not None and name in access.admin_policy.users:
        yield (
            ("accessControl", "adminPolicy", "users", access.admin_policy.users.index(name)),
            f"{name!r} is {'.'.join(path)}, which only reads; remove it from adminPolicy",
        )


def _unreadable_issues(settings: Settings, index: int, registry: Registry, login: str | None) -> Iterator[Issue]:
    """The upstream's namespace must be readable with the login its mirror entry carries (None: without one),
    or nodes quietly fall back to the upstream for it."""
    if not access_rules.unreadable(settings, registry, login):
        return
    glob, namespace = namespaces.glob(registry.namespace_path), namespaces.label(registry.namespace_path)
    if login is None:
        message = (
            f"nodes pull namespace {namespace!r} without a login (no nodes.pullUser, or its scope is private and "
            f"this upstream public), but anonymous clients cannot read all of it; add "
            f'accessControl.repositories["{glob}"].anonymousPolicy: [read], or give the nodes a pullUser with '
            "scope: all (mode ingress or url over https)"
        )
    else:
        message = (
            f"node login {login!r} cannot read all of namespace {namespace!r}, so nodes would fall back to the "
            f'upstream; add {{users: [{login}], actions: [read]}} to accessControl.repositories["{glob}"].policies'
        )
    yield (("registries", index), message)


def _unmirrored_read_issues(
    path: tuple[str, ...], repo: RepositoryAccess, name: str, login: tuple[str, ...]
) -> Iterator[Issue]:
    """The node login's password sits in a world-readable file on every node: it reads where nodes pull (the
    mirrored namespaces, as access_rules.mirrored_by finds zot's longest matching glob) and nowhere else."""
    for i, policy in enumerate(repo.policies):
        if name in policy.users and "read" in policy.actions:
            yield (
                (*path, "policies", i, "users", policy.users.index(name)),
                f"{name!r} is {'.'.join(login)}, whose password any process on a node can read, but {path[-1]!r} "
                "reaches no namespace an upstream mirrors (nodes never pull there), so this grant would only let "
                "that password read pushed or other unmirrored images; remove the node login from this policy",
            )


def _write_issues(path: tuple[str, ...], repo: RepositoryAccess, name: str) -> Iterator[Issue]:
    for i, policy in enumerate(repo.policies):
        if name in policy.users and (writes := [a for a in policy.actions if a in WRITE_ACTIONS]):
            yield (
                (*path, "policies", i, "actions"),
                f"gives node login {name!r} {'/'.join(writes)}; the node login only reads, so give it a "
                "policy of its own with actions: [read]",
            )
    if writes := [a for a in repo.default_policy if a in WRITE_ACTIONS]:
        yield (
            (*path, "defaultPolicy"),
            f"{'/'.join(writes)} for every logged-in user includes node login {name!r}, which only reads; "
            "grant writes with policies for named users instead",
        )
