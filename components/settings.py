"""Typed per-stack settings: every config key, its default and the rules zot and the chart impose on it.

Pydantic checks shapes and single values; `Settings.issues()` checks rules that span several keys and
reports each with the path of the key to change, so one run shows every mistake at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic.alias_generators import to_camel

from components import access_rules, globs, namespaces, node_rules
from components.node_rules import NODE_PASSWORD_COMMAND, NODE_PASSWORD_MIN
from components.stack_keys import SALT_KEY_BYTES, decode_salt_key
from components.units import parse_go_duration, parse_go_memory, parse_quantity

Path = tuple[str | int, ...]
Issue = tuple[Path, str]

Action = Literal["read", "create", "update", "delete"]

# zot's periodic sync walks the upstream /v2/_catalog; these registries do not serve it.
NO_CATALOG_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "ghcr.io"}

SALT_KEY_COMMAND = 'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"'

# Port the chart's container listens on (values httpGet.port); zot's http.port must be the same.
CONTAINER_PORT = 5000

# Matched with fullmatch: `$` also matches before a trailing newline, which would let "name\n" through.
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_LABEL = re.compile(_LABEL)
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_NETLOC = re.compile(rf"({_LABEL}(\.{_LABEL})*|\[[0-9a-f:.]+\])(:[0-9]{{1,5}})?")
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?"
)
_HTPASSWD_HASH = re.compile(
    r"^(\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$[56]\$(rounds=\d+\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]+)$"
)
_PYTHON_ONLY_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


def _duration(value: str) -> str:
    parse_go_duration(value)
    return value


def _quantity(value: str) -> str:
    parse_quantity(value)
    return value


def _go_memory(value: str) -> str:
    parse_go_memory(value)
    return value


def _full_match(pattern: re.Pattern[str], limit: int, what: str) -> AfterValidator:
    """Names some chart or API writes as they are: at most `limit` characters, all matched by `pattern`."""

    def check(value: str) -> str:
        if len(value) > limit or not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def _annotation_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (
        len(name) > 63
        or not _QUALIFIED_NAME.fullmatch(name)
        or ("/" in value and (len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)))
    ):
        # Not echoed: the path printed with this message already shows the key.
        raise ValueError(
            "is not an annotation key; use an optional DNS-subdomain prefix and '/', then a name of at most 63 "
            "letters, digits, '-', '_' and '.' starting and ending with a letter or digit, like example.org/team"
        )
    return value


def _go_regex(value: str) -> str:
    """Compile as Python does, and refuse what Go's RE2 (zot) lacks: look-arounds and back-references."""
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression ({exc})") from None
    if _PYTHON_ONLY_REGEX.search(value):
        raise ValueError(
            f"{value!r} uses look-around or a back-reference, which Go's RE2 (used by zot) does not support"
        )
    return value


def _glob(value: str) -> str:
    """Balanced [] and {} are what doublestar needs to compile a pattern."""
    depth = {"[": 0, "{": 0}
    closing = {"]": "[", "}": "{"}
    for char in value:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                break
    if not value or any(depth.values()):
        raise ValueError(f"{value!r} is not a valid glob; check that every '[' and '{{' is closed")
    return value


def _overlap(first: Registry, second: Registry) -> tuple[Registry, str, str] | None:
    """(the upstream asked on demand, outer namespace, inner namespace) when one nests in the other and both
    could fill names there; None when they are apart, or neither syncs on demand."""
    for outer, inner in ((first, second), (second, first)):
        if namespaces.covers(outer.namespace_path, inner.namespace_path) and outer.holds(inner.namespace_path):
            server = outer if outer.on_demand else inner
            return (server, outer.namespace_path, inner.namespace_path) if server.on_demand else None
    return None


def _repeats(items: list[str], path: Path) -> Iterator[Issue]:
    for index, item in enumerate(items):
        if item in items[:index]:
            yield ((*path, index), f"{item!r} is listed before; list each once")


Duration = Annotated[str, AfterValidator(_duration)]
Quantity = Annotated[str, AfterValidator(_quantity)]
GoMemory = Annotated[str, AfterValidator(_go_memory)]
DnsLabel = Annotated[
    str,
    _full_match(
        _DNS_LABEL,
        63,
        "a Kubernetes name; use at most 63 lower-case letters, digits and '-', starting and ending with a letter or "
        "digit",
    ),
]
# Names of storage classes, ingress classes, issuers and Secrets: the chart writes some of them raw.
DnsSubdomain = Annotated[
    str,
    _full_match(
        _DNS_SUBDOMAIN,
        253,
        "a Kubernetes object name; use at most 253 lower-case letters, digits, '-' and '.', starting and ending "
        "with a letter or digit, like fast-ssd",
    ),
]
ChartName = Annotated[
    str, _full_match(_DNS_LABEL, 63, "a chart name; use lower-case letters, digits and '-', like zot")
]
ChartVersion = Annotated[
    str, _full_match(_SEMVER, 128, "a chart version; use the SemVer version the catalog lists, like 2.9.0")
]
AnnotationKey = Annotated[str, AfterValidator(_annotation_key)]
GoRegex = Annotated[str, AfterValidator(_go_regex)]
Glob = Annotated[str, AfterValidator(_glob)]


def _repository_glob(value: str) -> str:
    if value != value.lower():
        # zot's config loader lower-cases map keys, so the glob zot sees would differ from this one.
        raise ValueError("has upper-case letters; repository names are lower case, write the glob so")
    _glob(value)
    globs.check(value)  # what the push checks below compile, zot (doublestar) compiles too
    return value


RepositoryGlob = Annotated[str, AfterValidator(_repository_glob)]


class Model(BaseModel):
    """Config keys are camelCase as users write them; unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True, coerce_numbers_to_str=True
    )


# ---------------------------------------------------------------------------------------------- target


class WorkloadCluster(Model):
    name: DnsLabel
    organization: DnsLabel


class AppTarget(Model):
    name: DnsLabel = "zot"
    chart: ChartName = "zot"
    version: ChartVersion = "2.9.0"
    catalog: DnsSubdomain = "giantswarm"
    namespace: DnsLabel = "zot"
    cluster: WorkloadCluster | None = None
    app_namespace: DnsLabel | None = None
    pod_security_standards_enforced: bool = True

    @property
    def cr_namespace(self) -> str:
        """Where App, ConfigMap and Secret live: the org namespace for a workload cluster."""
        if self.app_namespace:
            return self.app_namespace
        return f"org-{self.cluster.organization}" if self.cluster else self.namespace

    def issues(self) -> Iterator[Issue]:
        if not self.pod_security_standards_enforced:
            yield (
                ("podSecurityStandardsEnforced",),
                "false makes the chart render a PodSecurityPolicy "
                "(policy/v1beta1), an API removed in Kubernetes 1.25; keep it true",
            )


# ------------------------------------------------------------------------------------------- upstreams


class TagFilter(Model):
    regex: GoRegex | None = None
    exclude_regex: GoRegex | None = None
    semver: bool | None = None


class Content(Model):
    prefix: Glob
    destination: str | None = None
    strip_prefix: bool = False
    tags: TagFilter | None = None

    def issues(self) -> Iterator[Issue]:
        if self.destination is not None and not self.destination.startswith("/"):
            yield (("destination",), f"{self.destination!r} must start with '/', like \"/team\"")


class Credentials(Model):
    username: str = Field(min_length=1)
    password: SecretStr | None = None


def public_url(value: str) -> str:
    """scheme://host[:port] only: userinfo, path, query and fragment can hold a token, and messages land in CI logs."""
    parts = urlsplit(value)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        example = public_url("https://" + value.split("://")[-1])
        raise ValueError(f'needs a scheme and a host, like "{example}"')
    if parts.username or parts.password:
        raise ValueError("user:password in a URL would land in the ConfigMap in clear; use credentials instead")
    if any(char.isspace() or not char.isprintable() for char in value) or not _NETLOC.fullmatch(parts.netloc.lower()):
        # urlsplit drops tabs and newlines before it parses, so it alone would let them through. Not echoed:
        # a URL may carry a token.
        raise ValueError(
            'is not a URL with a host name or IP address and an optional :port, like "https://registry.example.org:5000"'
        )
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise ValueError(
            f'has a query or fragment, which zot ignores; write the host only, like "{public_url(value)}", '
            "and give a token as credentials.password"
        )
    if parts.path not in ("", "/"):
        raise ValueError(
            f"has a path, which zot ignores (it uses the host only; https://docker.io/library is plain Docker Hub); "
            f'write the host only, like "{public_url(value)}", and map repositories with content[].prefix/destination'
        )
    return value


def _namespace(value: str) -> str:
    if value != namespaces.ROOT and not namespaces.is_repository_path(value):
        raise ValueError(
            f"{value!r} is not a repository path: lower-case letters and digits, separated by '.', '_' or '-', "
            "components joined by '/', no leading or trailing '/' (like docker.io or mirrors/ghcr); "
            "or / for the root namespace"
        )
    return value


class Registry(Model):
    """One upstream registry: a first-class object that sync, credentials and node wiring all derive from."""

    urls: list[Annotated[str, AfterValidator(_url)]] = Field(min_length=1)
    name: DnsLabel | None = None
    namespace: Annotated[str, AfterValidator(_namespace)] | None = None
    on_demand: bool = False
    poll_interval: Duration | None = None
    content: list[Content] = Field(default_factory=list)
    tls_verify: bool = True
    max_retries: int | None = Field(default=None, ge=0)
    retry_delay: Duration | None = None
    only_signed: bool = False
    sync_timeout: Duration | None = None
    credentials: Credentials | None = None

    @property
    def hosts(self) -> list[str]:
        """host[:port] of each URL: the exact keys zot looks up in the credentials file."""
        return [urlsplit(url).netloc for url in self.urls]

    @property
    def id(self) -> str:
        return self.name or self.hosts[0].replace(":", "-").replace(".", "-")

    @property
    def active(self) -> bool:
        return self.poll_interval is not None and parse_go_duration(self.poll_interval) > 0

    @property
    def namespace_path(self) -> str:
        """The local path this upstream's repositories live under; "" is the root namespace."""
        if self.namespace is None:
            return namespaces.from_host(self.hosts[0])
        return "" if self.namespace == namespaces.ROOT else self.namespace

    @property
    def is_docker_hub(self) -> bool:
        return self.hosts[0].lower() in namespaces.DOCKER_HUB_HOSTS

    def holds(self, repository: str) -> bool:
        """Whether this upstream may fill that local repository, by active sync or on demand."""
        if not namespaces.covers(self.namespace_path, repository):
            return False
        # Docker Hub at the root never answers for ghcr.io/...: no Docker Hub namespace has a "." in it.
        return not (self.is_docker_hub and not self.namespace_path) or namespaces.docker_hub_can_serve(repository)

    def destination(self, content: Content | None) -> str | None:
        """zot's content destination: the content's own destination (default "/"), placed under the namespace."""
        inner = "" if content is None or content.destination is None else content.destination.strip("/")
        if not self.namespace_path and (content is None or content.destination is None):
            return None  # the root namespace as before: zot's default, no destination written
        return "/" + "/".join(part for part in (self.namespace_path, inner) if part)

    def issues(self) -> Iterator[Issue]:
        yield from _repeats(self.urls, ("urls",))
        if self.namespace is None and not namespaces.is_repository_path(self.namespace_path):
            yield (
                ("namespace",),
                f"cannot be derived from the host {self.hosts[0]!r} ({self.namespace_path!r} is not a repository "
                'path); set one, like namespace: "my-registry"',
            )
        if not self.on_demand and not self.active:
            yield (
                ("onDemand",),
                "neither onDemand nor pollInterval is set, so zot would never use this "
                "registry; set onDemand: true, or pollInterval with content filters for active sync",
            )
        if self.active and not self.content:
            yield (
                ("content",),
                "active sync (pollInterval) needs content filters, or zot syncs nothing; "
                'add e.g. [{prefix: "my-org/my-image", tags: {regex: "^6\\\\.", semver: true}}]',
            )
        if self.active and self.hosts[0] in NO_CATALOG_HOSTS:
            yield (
                ("pollInterval",),
                f"{self.hosts[0]} does not serve /v2/_catalog, which active sync walks; "
                "use onDemand: true for it and remove pollInterval",
            )
        if (self.max_retries is None) != (self.retry_delay is None):
            yield (
                ("retryDelay" if self.max_retries is not None else "maxRetries",),
                "maxRetries and retryDelay go together (zot refuses maxRetries without retryDelay); set both",
            )
        if not self.active:
            # Where active sync is impossible, "set pollInterval" would only lead to the next refusal.
            fix = (
                f"remove tags: {self.hosts[0]} cannot be synced actively (no catalog), and zot cannot limit the "
                "tags an on-demand pull fetches"
                if self.hosts[0] in NO_CATALOG_HOSTS
                else "set pollInterval (active sync applies them) or remove tags"
            )
            for index, content in enumerate(self.content):
                if content.tags is not None:
                    yield (
                        ("content", index, "tags"),
                        f"tag filters apply only to active sync and on-demand pulls ignore them; {fix}",
                    )
        for index, content in enumerate(self.content):
            for path, message in content.issues():
                yield (("content", index, *path), message)
            destination = self.destination(content) or namespaces.ROOT
            if content.strip_prefix and destination == namespaces.ROOT and "*" not in content.prefix:
                yield (
                    ("content", index, "stripPrefix"),
                    'stripPrefix into the root namespace (destination "/") needs a glob in prefix '
                    '(zot refuses it); use a prefix like "library/**" or set a destination',
                )


# ------------------------------------------------------------------------------------- users and access


def _user_name(value: str) -> str:
    if not value or ":" in value or any(ch.isspace() for ch in value):
        # Not echoed: a pasted "user:password" line would print the password.
        raise ValueError("cannot be an htpasswd user name: it must be non-empty, without ':' or spaces")
    return value


UserName = Annotated[str, AfterValidator(_user_name)]


class User(Model):
    name: UserName
    password: SecretStr | None = None
    htpasswd: SecretStr | None = None
    # zot checks the hash on every request and we hash on every run: above 14 both get slow (seconds).
    bcrypt_cost: int = Field(default=10, ge=4, le=14)

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("is empty; set a password")
        if value is not None and len(value.get_secret_value().encode()) > 72:
            raise ValueError("is longer than 72 bytes, and bcrypt only uses the first 72; use a shorter password")
        return value

    @field_validator("htpasswd")
    @classmethod
    def _hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _HTPASSWD_HASH.fullmatch(value.get_secret_value()):
            raise ValueError(
                "is not a hash zot reads; give only the hash part of an htpasswd line "
                "(bcrypt $2y$/$2b$/$2a$, or crypt $5$/$6$), e.g. from `htpasswd -nbB user pw`"
            )
        return value


class Policy(Model):
    users: list[UserName] = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)


class RepositoryAccess(Model):
    policies: list[Policy] = Field(default_factory=list)
    default_policy: list[Action] = Field(default_factory=list)
    anonymous_policy: list[Action] = Field(default_factory=list)

    def grants_read(self, authenticated: bool) -> bool:
        if not authenticated:
            return "read" in self.anonymous_policy
        return "read" in self.default_policy or any("read" in p.actions for p in self.policies)


class AccessControl(Model):
    repositories: dict[RepositoryGlob, RepositoryAccess] = Field(default_factory=dict)
    admin_policy: Policy | None = None
    # Our key, not zot's: the globs whose anonymousPolicy may write, named one by one so it is never an accident.
    allow_anonymous_write: list[RepositoryGlob] = Field(default_factory=list)

    @property
    def anonymous_only(self) -> bool:
        return self.admin_policy is None and all(
            not access.policies and not access.default_policy for access in self.repositories.values()
        )

    @property
    def configured(self) -> bool:
        return bool(self.repositories) or self.admin_policy is not None


# ------------------------------------------------------------------------------------------ exposure


class Service(Model):
    type: Literal["ClusterIP", "NodePort"] = "ClusterIP"
    port: int = Field(default=5000, ge=1, le=65535)
    node_port: int | None = Field(default=None, ge=30000, le=32767)

    def issues(self) -> Iterator[Issue]:
        if self.node_port is not None and self.type != "NodePort":
            yield (("nodePort",), "is only used with type NodePort; set type: NodePort or remove nodePort")


class PullUser(Model):
    """The login containerd or CRI-O pulls with: read-only on the mirrored namespaces."""

    name: UserName
    password: SecretStr | None = None
    # zot verifies bcrypt on every request, so every layer a node pulls pays it: cost 10 is ~78 ms on one core,
    # cost 5 ~3 ms. The long random password (checked below) is what keeps guessing hard.
    bcrypt_cost: int = Field(default=5, ge=4, le=14)

    @field_validator("password")
    @classmethod
    def _password(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        length = len(value.get_secret_value())
        if length < NODE_PASSWORD_MIN:
            raise ValueError(
                f"has {length} characters; a node password needs at least {NODE_PASSWORD_MIN} random ones, because "
                f"its bcrypt cost is low (every request pays it); run {NODE_PASSWORD_COMMAND}"
            )
        if len(value.get_secret_value().encode()) > 72:
            raise ValueError("is longer than 72 bytes, and bcrypt only uses the first 72; use a shorter password")
        return value

    def as_user(self) -> User:
        return User(name=self.name, password=self.password, bcrypt_cost=self.bcrypt_cost)


class Nodes(Model):
    """How containerd and CRI-O on the nodes reach the cache; the node files in the outputs follow from it."""

    mode: Literal["nodePort", "ingress", "url"]
    url: Annotated[str, AfterValidator(_url)] | None = None
    node_port: int | None = Field(default=None, ge=30000, le=32767)
    pull_user: PullUser | None = None
    allow_anonymous_read: list[DnsLabel] = Field(default_factory=list)
    skip_verify: bool = False
    ca: str | None = None

    @field_validator("ca")
    @classmethod
    def _ca(cls, value: str | None) -> str | None:
        if value is not None and (not value.startswith("/") or any(ch.isspace() or ch == '"' for ch in value)):
            raise ValueError("must be an absolute path on the node, like /etc/containerd/certs.d/zot-ca.crt")
        return value


NGINX_REGISTRY_ANNOTATIONS = {
    # Layers are large: no body size limit, no request buffering, and long timeouts for pulls that sync.
    "nginx.ingress.kubernetes.io/proxy-body-size": "0",
    "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
    "nginx.ingress.kubernetes.io/proxy-read-timeout": "1800",
    "nginx.ingress.kubernetes.io/proxy-send-timeout": "1800",
}


# Words YAML 1.1 (Helm's reader) takes for null or a boolean when a chart writes them unquoted.
_YAML_WORDS = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}


def _host(value: str) -> str:
    if value.startswith("*."):
        # The chart writes hosts unquoted (`- host: {{ .host }}`): YAML reads a leading * as an alias, and the
        # chart fails to render.
        raise ValueError(
            f"{value!r} is a wildcard, which the chart cannot render (it writes hosts unquoted); list each host"
        )
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a host name; write it without scheme, port or path, like registry.example.org"
        )
    if value in _YAML_WORDS or not value.rsplit(".", 1)[-1][0].isalpha():
        # Written unquoted, these are YAML null (a rule without host serves every host), booleans or numbers.
        raise ValueError(
            f"{value!r} would be read as YAML null, a boolean or a number where the chart writes it unquoted; "
            "use a host name whose last part starts with a letter, like registry.example.org"
        )
    return value


class Ingress(Model):
    enabled: bool = False
    class_name: DnsSubdomain = "nginx"
    hosts: list[Annotated[str, AfterValidator(_host)]] = Field(default_factory=list)
    tls: bool = True
    tls_secret_name: DnsSubdomain | None = None
    cluster_issuer: DnsSubdomain | None = None
    annotations: dict[AnnotationKey, str] = Field(default_factory=dict)

    def issues(self) -> Iterator[Issue]:
        if self.enabled and not self.hosts:
            yield (("hosts",), "an enabled ingress needs at least one host, like [registry.example.org]")
        if self.cluster_issuer and not self.tls:
            yield (("clusterIssuer",), "cert-manager only issues a certificate for a TLS ingress; set tls: true")
        yield from _repeats(self.hosts, ("hosts",))


# ----------------------------------------------------------------------------------------- resources


class Amounts(Model):
    cpu: Quantity
    memory: Quantity


class Vpa(Model):
    enabled: bool = True
    max_allowed: Amounts = Field(default_factory=lambda: Amounts(cpu="750m", memory="2048Mi"))


# Go runtime guidance for fixed memory (Giant Swarm chart README): GOGC 50, GOMEMLIMIT ~80% of the limit.
DEFAULT_GOGC = 50
GOMEMLIMIT_SHARE = Decimal("0.8")


class Resources(Model):
    requests: Amounts = Field(default_factory=lambda: Amounts(cpu="300m", memory="1024Mi"))
    limits: Amounts = Field(default_factory=lambda: Amounts(cpu="500m", memory="1536Mi"))
    vpa: Vpa = Field(default_factory=Vpa)
    gogc: int | None = Field(default=None, ge=10, le=100)
    gomemlimit: GoMemory | None = None

    def issues(self) -> Iterator[Issue]:
        for kind in ("cpu", "memory"):
            if parse_quantity(getattr(self.requests, kind)) > parse_quantity(getattr(self.limits, kind)):
                yield (("requests", kind), f"is above limits.{kind}; a request cannot exceed its limit")
            if self.vpa.enabled and parse_quantity(getattr(self.vpa.max_allowed, kind)) < parse_quantity(
                getattr(self.limits, kind)
            ):
                yield (
                    ("vpa", "maxAllowed", kind),
                    f"is below limits.{kind}; VPA could only shrink the pod. Set it at least to limits.{kind}",
                )
        if self.vpa.enabled and self.gomemlimit is not None:
            yield (
                ("gomemlimit",),
                "cannot be fixed while VPA moves the memory limit (GOMEMLIMIT would stay "
                "put); remove gomemlimit, or set vpa.enabled: false for fixed memory",
            )
        if self.gomemlimit is not None and parse_go_memory(self.gomemlimit) > parse_quantity(self.limits.memory):
            yield (
                ("gomemlimit",),
                f"is above limits.memory ({self.limits.memory}); the pod would be OOM-killed "
                "before Go collects; keep it about 80% of the limit",
            )


class Storage(Model):
    persistence: bool = True
    size: Quantity = "8Gi"
    storage_class: DnsSubdomain | None = None


class Metrics(Model):
    enabled: bool = False
    service_monitor: bool = False
    scrape_user: UserName | None = None

    def issues(self) -> Iterator[Issue]:
        if self.service_monitor and not self.enabled:
            yield (("serviceMonitor",), "needs metrics enabled: set enabled: true")
        if self.scrape_user is not None and not self.service_monitor:
            yield (
                ("scrapeUser",),
                "is the login the ServiceMonitor scrapes with; set serviceMonitor: true or remove it",
            )


# ------------------------------------------------------------------------------------------- zot itself


class Scrub(Model):
    enabled: bool = False
    interval: Duration = "24h"

    def issues(self) -> Iterator[Issue]:
        if self.enabled and parse_go_duration(self.interval) < 7200:
            yield (("interval",), "is below zot's minimum of 2h (zot would raise it); use 2h or more")


LogLevel = Literal["debug", "info", "warn", "error"]


class Zot(Model):
    log_level: LogLevel = "info"
    read_timeout: Duration = "10m"
    write_timeout: Duration = "30m"
    preserve_digests: bool = True
    scrub: Scrub = Field(default_factory=Scrub)
    search: bool = False
    ui: bool = False

    def issues(self) -> Iterator[Issue]:
        write = parse_go_duration(self.write_timeout)
        if 0 < write <= 60:
            yield (
                ("writeTimeout",),
                "cuts every response that takes longer, such as big layers or pulls that "
                "sync on demand; use 30m or more (or 0s for none)",
            )
        if self.ui and not self.search:
            yield (("ui",), "needs search: true (zot refuses ui without search)")
        for path, message in self.scrub.issues():
            yield (("scrub", *path), message)


# -------------------------------------------------------------------------------------------- settings


class Settings(Model):
    app: AppTarget = Field(default_factory=AppTarget)
    registries: list[Registry]
    users: list[User] = Field(default_factory=list)
    access_control: AccessControl = Field(default_factory=AccessControl)
    service: Service = Field(default_factory=Service)
    ingress: Ingress = Field(default_factory=Ingress)
    resources: Resources = Field(default_factory=Resources)
    storage: Storage = Field(default_factory=Storage)
    strategy: Literal["Recreate", "RollingUpdate"] | None = None
    metrics: Metrics = Field(default_factory=Metrics)
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
        """Everyone in the htpasswd file: the users, then the nodes' pull user."""
        pull_user = self.nodes.pull_user if self.nodes else None
        return [*self.users, *([pull_user.as_user()] if pull_user else [])]

    @property
    def user_names(self) -> set[str]:
        return {user.name for user in self.all_users}

    @property
    def scrape_user(self) -> User | None:
        """The user named by metrics.scrapeUser, if it is defined."""
        return next((user for user in self.users if user.name == self.metrics.scrape_user), None)

    def issues(self) -> Iterator[Issue]:
        for key in ("app", "service", "ingress", "resources", "metrics", "zot"):
            for path, message in getattr(self, key).issues():
                yield ((key, *path), message)
        yield from self._registry_issues()
        yield from self._user_issues()
        yield from self._salt_key_issues()
        yield from self._scrape_user_issues()
        yield from self._access_issues()
        yield from access_rules.access_issues(self)
        yield from node_rules.node_issues(self)

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

    def upstream_of(self, repository: str) -> Registry | None:
        """The upstream whose namespace a local repository is in (the innermost), or None for pushed names."""
        holders = [registry for registry in self.registries if registry.holds(repository)]
        return max(holders, key=lambda registry: len(registry.namespace_path), default=None)

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
