"""Typed per-stack settings: every config key, its default and the rules zot and the chart impose on it.

Each area has its module here (target, upstreams, access, exposure, resources, storage, scale, zot, nodes,
retention, alerts, dashboard, salt_key); this one composes them. Pydantic checks shapes and single values;
`Settings.issues()` checks rules that span several keys (with access_rules, node_rules, retention's and scale's)
and reports each with the path of the key to change, so one run shows every mistake at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from components.settings import access_rules, namespaces, node_rules
from components.settings.access import AccessControl, Policy, User
from components.settings.alerts import Alerts
from components.settings.common import Issue, Model, Path
from components.settings.dashboard import Dashboard
from components.settings.exposure import Ingress, Service
from components.settings.nodes import Nodes
from components.settings.resources import Resources
from components.settings.retention import Retention, retention_issues
from components.settings.salt_key import SALT_KEY_BYTES, SALT_KEY_COMMAND, decode_salt_key
from components.settings.scale import Scale, scale_issues
from components.settings.storage import Storage
from components.settings.target import AppTarget, Flux, HelmChart, Platform
from components.settings.upstreams import Registry
from components.settings.zot import Metrics, Zot

# app.* keys only some platforms read: (those platforms, why the others do not).
_APP_KEYS_BY_PLATFORM: dict[str, tuple[tuple[str, ...], str]] = {
    "catalog": (("app",), "only app-operator reads a catalog"),
    "chart": (("app", "flux"), "with platform helm, helm.chart/helm.version name the chart"),
    "version": (("app", "flux"), "with platform helm, helm.chart/helm.version name the chart"),
    "cluster": (("app", "flux"), "with platform helm, Pulumi installs into the cluster of its kubeconfig"),
    "app_namespace": (("app", "flux"), "it is where the App, ConfigMap and Secret live"),
}


def _overlap(first: Registry, second: Registry) -> tuple[Registry, str, str] | None:
    """(the upstream asked on demand, outer namespace, inner namespace) when one nests in the other and both
    could fill names there; None when they are apart, or neither syncs on demand."""
    for outer, inner in ((first, second), (second, first)):
        if namespaces.covers(outer.namespace_path, inner.namespace_path) and outer.holds(inner.namespace_path):
            server = outer if outer.on_demand else inner
            return (server, outer.namespace_path, inner.namespace_path) if server.on_demand else None
    return None


class Settings(Model):
    platform: Platform = "app"
    app: AppTarget = Field(default_factory=AppTarget)
    flux: Flux = Field(default_factory=Flux)
    helm: HelmChart = Field(default_factory=HelmChart)
    registries: list[Registry]
    users: list[User] = Field(default_factory=list)
    access_control: AccessControl = Field(default_factory=AccessControl)
    service: Service = Field(default_factory=Service)
    ingress: Ingress = Field(default_factory=Ingress)
    resources: Resources = Field(default_factory=Resources)
    storage: Storage = Field(default_factory=Storage)
    scale: Scale = Field(default_factory=Scale)
    retention: Retention = Field(default_factory=Retention)
    strategy: Literal["Recreate", "RollingUpdate"] | None = None
    metrics: Metrics = Field(default_factory=Metrics)
    dashboard: Dashboard = Field(default_factory=Dashboard)
    alerts: Alerts = Field(default_factory=Alerts)
    zot: Zot = Field(default_factory=Zot)
    nodes: Nodes | None = None
    htpasswd_salt_key: SecretStr | None = None
    render_yaml_to_directory: str | None = None

    @field_validator("registries")
    @classmethod
    def _some_registry(cls, value: list[Registry]) -> list[Registry]:
        if not value:
            raise ValueError('needs at least one upstream, like [{urls: ["https://docker.io"], onDemand: true}]')
        return value

    @field_validator("htpasswd_salt_key")
    @classmethod
    def _salt_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        try:
            decode_salt_key(value.get_secret_value())
        except ValueError as exc:
            # As sensitive as the passwords (with it a guess costs an HMAC, not a bcrypt): demand a strong key.
            raise ValueError(
                f"{exc}: it must be base64 of {SALT_KEY_BYTES} or more random bytes, one key per stack; "
                f"run {SALT_KEY_COMMAND}"
            ) from None
        return value

    @property
    def all_users(self) -> list[User]:
        """Everyone in the htpasswd file: the users, then the nodes' pull user and the node login it replaces."""
        pull_user = self.nodes.pull_user if self.nodes else None
        if pull_user is None:
            return list(self.users)
        previous = [pull_user.previous.as_user()] if pull_user.previous else []
        return [*self.users, pull_user.as_user(), *previous]

    @property
    def user_names(self) -> set[str]:
        return {user.name for user in self.all_users}

    @property
    def scrape_user(self) -> User | None:
        """The user named by metrics.scrapeUser, if it is defined."""
        return next((user for user in self.users if user.name == self.metrics.scrape_user), None)

    def issues(self) -> Iterator[Issue]:
        for key in ("app", "flux", "helm", "service", "ingress", "resources", "metrics", "zot"):
            for path, message in getattr(self, key).issues():
                yield ((key, *path), message)
        yield from ((("metrics", *path), message) for path, message in self.metrics.cluster_issues(self.app.cluster))
        logins = [user.name for user in self.all_users]
        yield from ((("ingress", *path), message) for path, message in self.ingress.clear_text_logins(logins))
        yield from ((("dashboard", *path), message) for path, message in self.dashboard.issues(self.metrics))
        alerts = self.alerts.issues(self.metrics, self.app.cluster)
        yield from ((("alerts", *path), message) for path, message in alerts)
        yield from self._platform_issues()
        yield from self._registry_issues()
        yield from self._user_issues()
        yield from self._salt_key_issues()
        yield from self._scrape_user_issues()
        yield from self._access_issues()
        yield from access_rules.access_issues(self)
        yield from node_rules.node_issues(self)
        yield from retention_issues(self)
        yield from scale_issues(self)

    def _platform_issues(self) -> Iterator[Issue]:
        """Keys that only one platform reads are refused on the others, so nothing is set for show."""
        for key, platform in (("flux", "flux"), ("helm", "helm")):
            if key in self.model_fields_set and self.platform != platform:
                yield ((key,), f"is only read with platform {platform} (platform is {self.platform}); remove it")
        for field, (platforms, why) in _APP_KEYS_BY_PLATFORM.items():
            if field in self.app.model_fields_set and self.platform not in platforms:
                key = AppTarget.model_fields[field].alias or field
                yield (("app", key), f"is not used with platform {self.platform} ({why}); remove it")
        if self.platform == "app":
            yield from ((("app", *path), message) for path, message in self.app.app_cr_issues())

    def _registry_issues(self) -> Iterator[Issue]:
        names: dict[str, int] = {}
        logins: dict[str, tuple[int, str]] = {}
        for index, registry in enumerate(self.registries):
            for path, message in registry.issues():
                yield (("registries", index, *path), message)
            if registry.id in names:
                yield (
                    ("registries", index, "name"),
                    f"{registry.id!r} is already used by registries"
                    f"[{names[registry.id]}]; give each registry its own name",
                )
            names.setdefault(registry.id, index)
            if registry.credentials is not None and registry.credentials.password is None:
                yield (
                    ("registries", index, "credentials", "password"),
                    "missing; run pulumi config set "
                    f"--secret --path 'registries[{index}].credentials.password' <password-or-token>",
                )
            if registry.credentials is not None:
                for host in registry.hosts:
                    other = logins.get(host)
                    if other is not None and other[1] != registry.credentials.username:
                        yield (
                            ("registries", index, "credentials"),
                            f"{host} already has credentials from "
                            f"registries[{other[0]}]; zot keys credentials by host, so one host has one login",
                        )
                    logins.setdefault(host, (index, registry.credentials.username))
        yield from self._namespace_issues()

    def _namespace_issues(self) -> Iterator[Issue]:
        """One namespace per upstream, and no on-demand upstream answering for names another one fills."""
        for index, registry in enumerate(self.registries):
            path = ("registries", index, "namespace")
            for other_index, other in enumerate(self.registries[:index]):
                pair = f"registries[{other_index}] ({other.id}) and registries[{index}] ({registry.id})"
                if registry.namespace_path == other.namespace_path == "":
                    yield (
                        path,
                        f"{pair} are both at the root namespace; only one upstream may be there (the one "
                        "localRegistryCache reaches); remove namespace: / from one, it then gets its host as namespace",
                    )
                elif registry.namespace_path == other.namespace_path:
                    yield (
                        path,
                        f"{pair} both store into namespace {registry.namespace_path!r}, so one would overwrite or "
                        "answer for the other's repositories; give this one a namespace of its own",
                    )
                elif overlap := _overlap(other, registry):
                    server, outer, inner = overlap
                    yield (
                        path,
                        f"{pair} overlap: namespace {namespaces.label(outer)!r} contains {inner!r}, and "
                        f"{server.hosts[0]} is asked on demand for names there that the other upstream fills "
                        f"(whoever owns such a name on {server.hosts[0]} could plant images); give each a "
                        "namespace that does not contain the other's, like the default (its host)",
                    )

    def _user_issues(self) -> Iterator[Issue]:
        seen: set[str] = set()
        for index, user in enumerate(self.users):
            if user.name in seen:
                yield (("users", index, "name"), f"{user.name!r} is defined twice; define each user once")
            seen.add(user.name)
            if user.password is None and user.htpasswd is None:
                yield (
                    ("users", index, "password"),
                    f"missing; run pulumi config set --secret --path "
                    f"'users[{index}].password' <password> (or give a pre-hashed users[{index}].htpasswd)",
                )
            if user.password is not None and user.htpasswd is not None:
                yield (("users", index, "htpasswd"), "give either password or htpasswd, not both")

    def _salt_key_issues(self) -> Iterator[Issue]:
        if self.htpasswd_salt_key is not None:
            return
        if any(user.htpasswd is None for user in self.all_users):
            why = "it keeps bcrypt salts stable between runs"
        elif any(registry.credentials is not None for registry in self.registries):
            why = "it keys the fingerprint that shows a changed registry password in previews"
        elif self.users:
            why = "it seeds the nonce that keeps the Secret's checksum in the pod annotations unguessable"
        else:
            return
        yield (("htpasswdSaltKey",), f"missing: {why}; run {SALT_KEY_COMMAND}")

    def _scrape_user_issues(self) -> Iterator[Issue]:
        name = self.metrics.scrape_user
        if name is None:
            return
        user = self.scrape_user
        if user is None:
            yield (("metrics", "scrapeUser"), f"{name!r} is not defined in users; add it there or remove it here")
        elif user.password is None:
            yield (
                ("metrics", "scrapeUser"),
                f"{name!r} needs a password, not a pre-hashed htpasswd: the ServiceMonitor must send it",
            )

    def _access_issues(self) -> Iterator[Issue]:
        access = self.access_control
        base = ("accessControl",)
        policies: list[tuple[Path, Policy]] = [
            (("repositories", glob, "policies", i), policy)
            for glob, repo in access.repositories.items()
            for i, policy in enumerate(repo.policies)
        ]
        if access.admin_policy is not None:
            policies.append((("adminPolicy",), access.admin_policy))
        for path, policy in policies:
            for i, name in enumerate(policy.users):
                if name not in self.user_names:
                    yield (
                        (*base, *path, "users", i),
                        f"{name!r} is not defined in users; add it there or remove it here",
                    )
        if not self.all_users:
            if not access.configured:
                yield (
                    base,
                    "with no users and no accessControl zot lets anyone push and delete; allow "
                    'anonymous pulls with accessControl.repositories: {"**": {anonymousPolicy: [read]}}, '
                    "or define users",
                )
            elif not access.anonymous_only:
                yield (
                    base,
                    "policies, defaultPolicy and adminPolicy need users to log in (zot refuses them "
                    "without authentication); define users or use anonymousPolicy only",
                )
        elif not access.configured:
            yield (
                base,
                "users are defined but nothing says what they may do; add e.g. repositories: "
                '{"**": {policies: [{users: [...], actions: [read]}]}}',
            )
        readers = [
            repo.grants_read(authenticated)
            for repo in access.repositories.values()
            for authenticated in (False, bool(self.all_users))
        ]
        admin_reads = access.admin_policy is not None and "read" in access.admin_policy.actions
        if access.configured and not any(readers) and not admin_reads:
            yield (
                base,
                "grants read to nobody, so nobody could pull from the cache; give someone the "
                "read action (for in-cluster pulls: anonymousPolicy: [read])",
            )
