"""Upstream registries: first-class objects that sync, credentials, namespaces and node wiring derive from."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, SecretStr

from components.settings import namespaces
from components.settings.common import NETLOC, DnsLabel, Duration, Glob, GoRegex, Issue, Model, repeats
from components.settings.units import parse_go_duration

# zot's periodic sync walks the upstream /v2/_catalog; these registries do not serve it.
NO_CATALOG_HOSTS = {"docker.io", "index.docker.io", "registry-1.docker.io", "ghcr.io"}

# zot v2.1.18 hands maxRetries and retryDelay to its sync client, regclient v0.11.5, as WithRetryLimit and
# WithDelay(retryDelay, retryDelay) (zot pkg/extensions/sync/service.go L888-894). After one 429, 5xx or connection
# error, regclient releases every later request to that host retryDelay after the previous one, and a request is
# tried up to maxRetries times (regclient internal/reghttp/http.go L649-700); WithRetryLimit ignores 0 and keeps
# regclient's 5 (http.go L47, L200-206). v2.1.18 asks the upstream about every tag a node pulls, cached or not
# (pkg/api/routes.go L2700-2724), and containerd >= 1.7 cancels a pull after 5 minutes without progress. So an
# on-demand upstream may hold a node's request for at most this long in retry delays: a cached image is then served
# seconds late, and since requests to a failing host queue retryDelay apart, a burst of at least 60 distinct tag
# requests fits in containerd's 5 minutes (300 with the safe value below).
ON_DEMAND_RETRY_BUDGET = Decimal(5)
REGCLIENT_DEFAULT_RETRIES = 5
SAFE_RETRIES = "maxRetries: 2, retryDelay: 1s"


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


def host_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        example = public_url("https://" + value.split("://")[-1])
        raise ValueError(f'needs a scheme and a host, like "{example}"')
    if parts.username or parts.password:
        raise ValueError("user:password in a URL would land in the ConfigMap in clear; use credentials instead")
    if any(char.isspace() or not char.isprintable() for char in value) or not NETLOC.fullmatch(parts.netloc.lower()):
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

    urls: list[Annotated[str, AfterValidator(host_url)]] = Field(min_length=1)
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

    @property
    def retries(self) -> int:
        """The retries regclient makes: maxRetries, or its own 5 when unset or 0."""
        return self.max_retries or REGCLIENT_DEFAULT_RETRIES

    def _retry_issues(self) -> Iterator[Issue]:
        if not self.on_demand or self.max_retries is None or self.retry_delay is None:
            return
        delay = parse_go_duration(self.retry_delay)
        wait = self.retries * delay
        if wait <= ON_DEMAND_RETRY_BUDGET:
            return
        retries = f"{self.max_retries}" if self.max_retries else f"0 (regclient then retries {self.retries} times)"
        yield (
            ("retryDelay" if delay > ON_DEMAND_RETRY_BUDGET or self.retries == 1 else "maxRetries",),
            f"maxRetries {retries} x retryDelay {self.retry_delay} can hold a node's pull for {wait:f}s; an on-demand "
            f"upstream may hold it at most {ON_DEMAND_RETRY_BUDGET}s: after one upstream error zot's sync client "
            "sends this host's requests retryDelay apart, zot v2.1.18 asks the upstream about every tag a node pulls "
            "(cached or not), and containerd cancels a pull after 5 minutes without progress; use "
            f"{SAFE_RETRIES} (only an upstream with onDemand: false, synced actively, may retry longer)",
        )

    def issues(self) -> Iterator[Issue]:
        yield from repeats(self.urls, ("urls",))
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
        yield from self._retry_issues()
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
