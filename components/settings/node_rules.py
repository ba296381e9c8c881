"""What node wiring needs from the rest of the config: a mirror nodes can reach, and a login (or none) that can
read every mirrored namespace and nothing more.

containerd and CRI-O run on the node, outside the cluster: they use the node's resolver and send credentials
only over https. Each rule below is one way a node would otherwise fail to pull, or pull with more rights than
it should.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from components.settings import access_rules, namespaces
from components.settings.access import WRITE_ACTIONS

if TYPE_CHECKING:
    from components.settings import Settings
    from components.settings.access import RepositoryAccess
    from components.settings.common import Issue
    from components.settings.nodes import Nodes, PullUser
    from components.settings.upstreams import Registry

BASE = ("nodes",)
# The chart's Service nodePort when service.nodePort is not set (values service.nodePort).
CHART_NODE_PORT = 32767
# A node login's password guards a low bcrypt cost: only a long random one keeps a guess as hard as cost 10 would.
NODE_PASSWORD_MIN = 32
NODE_PASSWORD_COMMAND = "pulumi config set --secret --path 'nodes.pullUser.password' \"$(openssl rand -base64 32)\""
# Names only the cluster's DNS resolves; containerd on the node asks the node's resolver.
IN_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local", ".cluster.local")


def node_issues(settings: Settings) -> Iterator[Issue]:
    nodes = settings.nodes
    if nodes is None:
        return
    yield from _mirror_issues(settings, nodes)
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
        host = (parts.hostname or "").rstrip(".")
        if host.endswith(IN_CLUSTER_SUFFIXES):
            yield (
                (*BASE, "url"),
                f"{host!r} is an in-cluster DNS name, but containerd runs on the node and uses the node's resolver, "
                "which does not know it; use the ingress host (mode ingress), a NodePort (mode nodePort) or "
                "another name the nodes resolve",
            )
        if parts.scheme == "http" and nodes.pull_user is not None:
            yield ((*BASE, "pullUser"), "needs an https url; over http the password would travel in clear")
    if (nodes.skip_verify or nodes.ca) and not _https(settings, nodes):
        key = "skipVerify" if nodes.skip_verify else "ca"
        yield ((*BASE, key), "applies to an https mirror only; this one is plain http, so remove it")


def _https(settings: Settings, nodes: Nodes) -> bool:
    if nodes.mode == "nodePort":
        return False
    if nodes.mode == "ingress":
        return settings.ingress.tls
    return (nodes.url or "").startswith("https://")


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
    yield from _unreadable_issues(settings, None)
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


def _pull_user_issues(settings: Settings, pull_user: PullUser) -> Iterator[Issue]:
    name = pull_user.name
    path = (*BASE, "pullUser")
    if name in {user.name for user in settings.users}:
        yield ((*path, "name"), f"{name!r} is also in users; give the nodes a login of their own")
    if pull_user.password is None:
        yield ((*path, "password"), f"missing; run {NODE_PASSWORD_COMMAND}")
    access = settings.access_control
    for pattern, repo in access.repositories.items():
        yield from _write_issues(("accessControl", "repositories", pattern), repo, name)
    if access.admin_policy is not None and name in access.admin_policy.users:
        yield (
            ("accessControl", "adminPolicy", "users", access.admin_policy.users.index(name)),
            f"{name!r} is nodes.pullUser, which only reads; remove it from adminPolicy",
        )
    yield from _unreadable_issues(settings, name)


def _unreadable_issues(settings: Settings, login: str | None) -> Iterator[Issue]:
    """Every mirrored namespace must be readable with the nodes' login (None: without one), or nodes quietly
    fall back to the upstream for it."""
    for index, registry in enumerate(settings.registries):
        if not access_rules.unreadable(settings, registry, login):
            continue
        glob, namespace = namespaces.glob(registry.namespace_path), namespaces.label(registry.namespace_path)
        if login is None:
            message = (
                "nodes pull without a login (nodes.pullUser is not set), but anonymous clients cannot read all of "
                f'namespace {namespace!r}; add accessControl.repositories["{glob}"].anonymousPolicy: [read], or '
                "give the nodes a pullUser (mode ingress or url over https)"
            )
        else:
            message = (
                f"nodes.pullUser {login!r} cannot read all of namespace {namespace!r}, so nodes would fall back "
                f'to the upstream; add {{users: [{login}], actions: [read]}} to accessControl.repositories["{glob}"]'
                ".policies"
            )
        yield (("registries", index), message)


def _write_issues(path: tuple[str, ...], repo: RepositoryAccess, name: str) -> Iterator[Issue]:
    for i, policy in enumerate(repo.policies):
        if name in policy.users and (writes := [a for a in policy.actions if a in WRITE_ACTIONS]):
            yield (
                (*path, "policies", i, "actions"),
                f"gives nodes.pullUser {name!r} {'/'.join(writes)}; the node login only reads, so give it a "
                "policy of its own with actions: [read]",
            )
    if writes := [a for a in repo.default_policy if a in WRITE_ACTIONS]:
        yield (
            (*path, "defaultPolicy"),
            f"{'/'.join(writes)} for every logged-in user includes nodes.pullUser {name!r}, which only reads; "
            "grant writes with policies for named users instead",
        )
