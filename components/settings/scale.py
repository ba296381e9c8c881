"""Scale-out: several zot members, each owning a share of the repositories, on a volume each (perMember) or on one
S3-compatible bucket with a remote metadata cache (s3).

zot v2.1.18's `cluster` (pkg/api/config/config.go L407-436) hashes a repository's name to one member; a member
proxies requests for repositories it does not own (pkg/api/proxy.go). The rules for s3 follow zot's load-time
checks (pkg/cli/server/root.go, cited at each rule; docs/design/scale-out-research.md sections 3 and 6).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, SecretStr

from components.settings.common import AnnotationKey, Model, full_match
from components.settings.storage import STORAGE_ROOT
from components.settings.units import parse_quantity

if TYPE_CHECKING:
    from components.settings import Settings
    from components.settings.common import Issue
    from components.settings.upstreams import Content, Registry

BASE = ("scale",)
# The size in the members' claim template (builders/storage.py): fixed, so the StatefulSet never changes for it.
MEMBER_TEMPLATE_SIZE = "1Gi"


# An S3 bucket name (AWS's naming rules; S3-compatible stores accept these too).
BucketName = Annotated[
    str,
    full_match(
        re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"),
        63,
        "a bucket name; use 3 to 63 lower-case letters, digits, '.' and '-', like zot-cache",
    ),
]
# host:port, as go-redis takes an address (pkg/api/config/redis/redis.go ParseRedisUniversalOptions `addr`). Not
# echoed: a URL with a password in it is the likely mistake.
RedisAddress = Annotated[
    str,
    full_match(
        re.compile(r"[A-Za-z0-9.-]+:[0-9]{1,5}"),
        261,
        "a Redis address; write host:port, no scheme and no password (that goes in password), like "
        "redis.cache.svc:6379",
        echo=False,
    ),
]
Region = Annotated[
    str,
    full_match(re.compile(r"[a-z0-9-]+"), 64, "a region name; use lower-case letters, digits and '-', like eu-west-1"),
]
# config.json (a ConfigMap unless it holds the Redis password) carries it: no user:password@, query or fragment,
# and the refusal does not echo it, as that is where a key would be.
Endpoint = Annotated[
    str,
    full_match(
        re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#@]*)?"),
        2048,
        "an endpoint URL; write https:// (or http://), the host and an optional port and path, with no "
        "user:password@ or query (keys go in credentials), like https://minio.storage.svc:9000",
        echo=False,
    ),
]
BucketPath = Annotated[
    str,
    full_match(
        re.compile(r"/[A-Za-z0-9._/-]*"),
        1024,
        "a path in the bucket; start with '/' and use letters, digits, '.', '_', '-' and '/', like /zot",
    ),
]
TablePrefix = Annotated[
    str,
    full_match(
        re.compile(r"[A-Za-z0-9_.-]{1,200}"),
        200,
        "a table name prefix; use letters, digits, '_', '.' and '-', like zot",
    ),
]


class S3Keys(Model):
    """Static keys: from secret config into the chart's Secret, and from there into the AWS SDK's environment."""

    access_key_id: SecretStr
    secret_access_key: SecretStr


class WorkloadIdentity(Model):
    """IRSA (eks.amazonaws.com/role-arn) or, with none, EKS Pod Identity: the SDK's default chain finds either."""

    service_account_annotations: dict[AnnotationKey, str] = Field(default_factory=dict)


class S3(Model):
    bucket: BucketName
    # Required without an endpoint: the driver then checks it is an AWS region (distribution s3-aws s3.go L214-222).
    region: Region | None = None
    # An S3-compatible store's URL (MinIO, Ceph RGW, ...): the driver's regionendpoint.
    endpoint: Endpoint | None = None
    force_path_style: bool | None = None
    # The prefix in the bucket; zot stores repositories under <rootDirectory>/<rootDirectory>/ (storage.go L261-277).
    root_directory: BucketPath = "/zot"
    credentials: S3Keys | None = None
    workload_identity: WorkloadIdentity | None = None


class Redis(Model):
    addr: list[RedisAddress] = Field(min_length=1)
    password: SecretStr | None = None
    db: int = Field(default=0, ge=0, le=15)


class DynamoDb(Model):
    region: Region
    endpoint: Endpoint | None = None
    # Every table zot needs is named <tablePrefix><Purpose>: the blob cache and all six metaDB tables.
    table_prefix: TablePrefix = "zot"


class RemoteCache(Model):
    redis: Redis | None = None
    dynamodb: DynamoDb | None = None


class Scale(Model):
    replicas: int = Field(default=1, ge=1)
    storage: Literal["perMember", "s3"] = "perMember"
    # storage: s3 only: the bucket every member stores in, and the metadata cache they share.
    s3: S3 | None = None
    remote_cache: RemoteCache | None = None

    @property
    def clustered(self) -> bool:
        return self.replicas > 1


def maps_names(registry: Registry) -> bool:
    """Whether a repository's local name differs from its upstream name (a namespace, destination or
    stripPrefix): active sync picks the member by the upstream name, clients reach the member of the local one."""
    contents: list[Content | None] = [*registry.content] or [None]
    return any(
        registry.destination(content) not in (None, "/") or (content is not None and content.strip_prefix)
        for content in contents
    )


def s3_issues(scale: Scale) -> Iterator[Issue]:
    """What storage: s3 needs, and what only it reads."""
    if scale.storage != "s3":
        for key, field in (("s3", scale.s3), ("remoteCache", scale.remote_cache)):
            if field is not None:
                yield ((*BASE, key), "is only read with scale.storage: s3; remove it or set scale.storage: s3")
        return
    if scale.s3 is None:
        yield ((*BASE, "s3"), "is missing with storage: s3; give at least bucket and region (or endpoint)")
    else:
        yield from _bucket_issues(scale.s3)
    cache = scale.remote_cache
    if cache is None or (cache.redis is None) == (cache.dynamodb is None):
        yield (
            (*BASE, "remoteCache"),
            f"{'is missing' if cache is None else 'names both or neither of redis and dynamodb'} with storage: s3: "
            "zot keeps its blob and metadata cache there, shared by every member (with S3 and dedupe it turns "
            "remoteCache on and then needs a cacheDriver, pkg/cli/server/root.go L411-418, L1060-1062); give "
            "exactly one of redis or dynamodb",
        )


def _bucket_issues(s3: S3) -> Iterator[Issue]:
    path = (*BASE, "s3")
    # zot takes a local <rootdirectory>/cache.db (path.Join, so cleaned) as a sign of an old dedupe install and then
    # turns remoteCache off (v2.1.18 pkg/cli/server/root.go L1064-1074): each member would keep its own metadata
    # and apply retention to the others' repositories without their pulls. A perMember install left one at the
    # root of the member's volume.
    if posixpath.normpath(re.sub("/+", "/", s3.root_directory)) == STORAGE_ROOT:
        yield (
            (*path, "rootDirectory"),
            f"is {STORAGE_ROOT}, where each member's volume is mounted: zot would find the cache.db an earlier "
            "install left there and turn remoteCache off, so members stop sharing metadata; keep the default /zot",
        )
    if s3.region is None and s3.endpoint is None:
        yield (
            (*path, "region"),
            "is missing: without an endpoint the S3 driver needs the bucket's AWS region (distribution s3-aws "
            "s3.go L214-222); set region, or endpoint for an S3-compatible store",
        )
    if s3.force_path_style is not None and s3.endpoint is None:
        yield (
            (*path, "forcePathStyle"),
            "is only read with an endpoint (AWS itself takes virtual-hosted names); remove it or set endpoint",
        )
    if (s3.credentials is None) == (s3.workload_identity is None):
        yield (
            (*path, "credentials"),
            f"{'and workloadIdentity are both given' if s3.credentials else 'is missing, and so is workloadIdentity'}"
            ": give exactly one of them: credentials, set with pulumi config set --secret --path "
            "'scale.s3.credentials.accessKeyId' <key id> and the same for secretAccessKey, or workloadIdentity "
            "(serviceAccountAnnotations for IRSA, {} for EKS Pod Identity)",
        )


def scale_issues(settings: Settings) -> Iterator[Issue]:
    """What a cluster of members needs from the rest of the config."""
    scale = settings.scale
    yield from s3_issues(scale)
    if not scale.clustered:
        return
    many = f"with scale.replicas {scale.replicas}"
    if not settings.storage.persistence:
        yield (
            ("storage", "persistence"),
            f"is false {many}: members find each other by the StatefulSet's pod names, which only persistence "
            "gives (a Deployment's pods have none); set storage.persistence: true",
        )
    # Without persistence the refusal above says what to do; nothing is applied in the workload cluster then.
    if settings.app.cluster is not None and settings.storage.kubeconfig is None and settings.storage.persistence:
        yield (
            ("storage", "kubeconfig"),
            f"is missing {many}: the program applies each member's volume claim and the PodDisruptionBudget in "
            f"workload cluster {settings.app.cluster.name}, which needs a kubeconfig for it (docs/platforms.md, "
            "The cache's volume)",
        )
    if settings.htpasswd_salt_key is None:
        yield (
            ("htpasswdSaltKey",),
            f"missing {many}: zot's cluster.hashKey is derived from it, so that it never changes by itself; run "
            'pulumi config set --secret htpasswdSaltKey "$(openssl rand -base64 32)"',
        )
    if parse_quantity(settings.storage.size) < parse_quantity(MEMBER_TEMPLATE_SIZE):
        yield (
            ("storage", "size"),
            f"is below {MEMBER_TEMPLATE_SIZE} {many}: a member's claim that the StatefulSet makes from its "
            f"template ({MEMBER_TEMPLATE_SIZE}) before the program applies it could not shrink to it; use "
            f"{MEMBER_TEMPLATE_SIZE} or more",
        )
    # On one bucket the catalog and search read what every member shares (v2.1.18 pkg/api/routes.go L201-206).
    if settings.zot.ui and scale.storage == "perMember":
        yield (
            ("zot", "ui"),
            f"is not supported {many} on volumes of their own: each member lists and searches only the "
            "repositories it owns (zot's scale-out documentation); set ui: false, or use scale.storage: s3",
        )
    # With s3 the owner reads what any member synced from the shared bucket (imagestore reads index.json from the
    # driver on every request, v2.1.18 pkg/storage/imagestore/imagestore.go L491-537): only volumes of their own part.
    if scale.storage != "perMember":
        return
    for index, registry in enumerate(settings.registries):
        if registry.active and not registry.on_demand and maps_names(registry):
            yield (
                ("registries", index, "onDemand"),
                f"is false for an upstream synced actively into {registry.namespace_path or 'a destination'}/ "
                f"{many} on volumes of their own: zot's active sync stores a repository on the member its upstream "
                "name picks, while pulls go to the member its local name picks, which would not find it and may not "
                "sync it; set onDemand: true (the member asked then syncs it), scale.storage: s3 (every member "
                "reads the bucket), or keep scale.replicas at 1",
            )
