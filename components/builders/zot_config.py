"""zot's config.json (v2.1.18 keys only) and the sync credentials file, built from settings alone."""

from __future__ import annotations

import base64
import json
from typing import Any

from components.builders.names import cluster_members
from components.builders.retention import storage_gc
from components.builders.stack_keys import StackKeys
from components.settings import Settings
from components.settings.access import AccessControl
from components.settings.storage import STORAGE_ROOT
from components.settings.upstreams import Content, Registry
from components.settings.zot import CONTAINER_PORT, Metrics

# The chart mounts configFiles at /etc/zot and, with mountSecret, secretFiles at /secret.
SECRET_DIR = "/secret"
HTPASSWD_PATH = f"{SECRET_DIR}/htpasswd"
CREDENTIALS_PATH = f"{SECRET_DIR}/credentials"
METRICS_PATH = "/metrics"
# What AWS's SDKs and MinIO assume when no region is named.
S3_COMPATIBLE_REGION = "us-east-1"


# zot takes a hashKey of exactly 16 bytes (v2.1.18 pkg/cli/server/root.go L1714-1724) and reads it as SipHash's two
# 64-bit key words (pkg/cluster/cluster.go L10-17): 12 derived bytes are 16 characters of URL-safe base64.
HASH_KEY_BYTES = 12


def cluster_hash_key(keys: StackKeys | None) -> str:
    """16 characters derived from the stack's key material: stable across runs, different in every stack."""
    if keys is None:
        raise ValueError("scale.replicas > 1 needs a salt key for cluster.hashKey; Settings.issues() reports this")
    return base64.urlsafe_b64encode(keys.cluster_hash_key[:HASH_KEY_BYTES]).decode()


def build_zot_config(settings: Settings, keys: StackKeys | None = None) -> dict[str, Any]:
    """`keys` feed what is derived from the stack's key material: only a cluster's hashKey (scale.replicas > 1)."""
    http: dict[str, Any] = {
        # zot defaults to 127.0.0.1, unreachable from outside the pod.
        "address": "0.0.0.0",
        # A string, and the port the chart's probes and Service target (values httpGet.port).
        "port": str(CONTAINER_PORT),
        "readTimeout": settings.zot.read_timeout,
        "writeTimeout": settings.zot.write_timeout,
    }
    if settings.zot.preserve_digests:
        # Keep Docker media types as they are, so image@sha256 pulls hit the cache (needs preserveDigest).
        http["compat"] = ["docker2s2"]
    if settings.all_users:
        http["auth"] = {"htpasswd": {"path": HTPASSWD_PATH}}
    access = _access_control(settings.access_control, settings.metrics)
    if access:
        http["accessControl"] = access
    config: dict[str, Any] = {
        "storage": {**_storage(settings), "gc": True, **storage_gc(settings)},
        "http": http,
        "log": {"level": settings.zot.log_level},
        "extensions": _extensions(settings),
    }
    if settings.scale.clustered:
        # No cluster.tls: zot uses it only with http.tls (pkg/api/proxy.go L123-128), and members speak plain HTTP
        # in the cluster. With one replica there is no cluster key at all: zot would still look itself up.
        config["cluster"] = {"members": cluster_members(settings), "hashKey": cluster_hash_key(keys)}
    return config


def render_zot_config(settings: Settings, keys: StackKeys | None = None) -> str:
    return json.dumps(build_zot_config(settings, keys), indent=2) + "\n"


def _storage(settings: Settings) -> dict[str, Any]:
    """Local storage, or one S3 bucket shared by every member with the remote cache they share.

    With S3, dedupe is off as in zot's own scale-out examples (examples/scale-out-cluster-cloud): a member then never
    depends on a blob original another member owns and collects. remoteCache is written out: zot would imply it from
    dedupe (pkg/cli/server/root.go L1060-1062), and without it the cacheDriver is ignored (L441-445). No access key
    is ever written here: the driver falls back to the AWS SDK's default chain when accesskey and secretkey are not
    both set (distribution s3-aws s3.go L460-467, L492), which reads the env from the chart's Secret or the workload
    identity."""
    if settings.scale.storage != "s3":
        return {"rootDirectory": STORAGE_ROOT, "dedupe": True}
    s3 = settings.scale.s3
    if s3 is None:
        raise ValueError("scale.storage s3 needs scale.s3; Settings.issues() reports this")
    driver: dict[str, Any] = {"name": "s3", "bucket": s3.bucket, "rootdirectory": s3.root_directory}
    # Always a region: with an endpoint and none, zot's driver signs for the region "<nil>" (fmt.Sprint of a
    # missing parameter, distribution v3.1.1 s3-aws s3.go L211-212, L475), which a store set to a region refuses.
    driver["region"] = s3.region or S3_COMPATIBLE_REGION
    if s3.endpoint is not None:
        driver["regionendpoint"] = s3.endpoint
        # zot sets it true for a regionendpoint anyway, with a deprecation warning (root.go L1078-1090).
        driver["forcepathstyle"] = True if s3.force_path_style is None else s3.force_path_style
        driver["secure"] = s3.endpoint.startswith("https://")
    return {
        "rootDirectory": STORAGE_ROOT,
        "dedupe": False,
        "remoteCache": True,
        "storageDriver": driver,
        "cacheDriver": cache_driver(settings),
    }


# The metaDB's DynamoDB tables: every one must be named, or zot panics at start (pkg/meta/meta.go L63-92); the blob
# cache needs cachetablename (pkg/storage/cache.go L96-113). zot creates missing tables itself.
DYNAMODB_TABLES = {
    "cachetablename": "BlobTable",
    "repometatablename": "RepoMetadataTable",
    "repoblobsinfotablename": "RepoBlobsInfoTable",
    "imagemetatablename": "ImageMetaTable",
    "apikeytablename": "ApiKeyTable",
    "versiontablename": "VersionTable",
    "userdatatablename": "UserDataTable",
}


def cache_driver(settings: Settings) -> dict[str, Any]:
    """zot's cacheDriver for the shared cache. Redis by addr (a list), password and db, as
    pkg/api/config/redis/redis.go ParseRedisUniversalOptions reads them (it masks password when it logs them),
    never a URL: zot logs its config at start and masks keys named password, not a password inside a url
    (pkg/api/config/config.go L852-862)."""
    cache = settings.scale.remote_cache
    if cache is None:
        raise ValueError("scale.storage s3 needs scale.remoteCache; Settings.issues() reports this")
    if cache.redis is not None:
        redis: dict[str, Any] = {"name": "redis", "addr": list(cache.redis.addr), "db": cache.redis.db}
        if cache.redis.password is not None:
            redis["password"] = cache.redis.password.get_secret_value()
        return redis
    if cache.dynamodb is None:
        raise ValueError("scale.remoteCache needs redis or dynamodb; Settings.issues() reports this")
    dynamo = cache.dynamodb
    driver = {"name": "dynamodb", "endpoint": dynamo.endpoint or "", "region": dynamo.region}
    return driver | {key: f"{dynamo.table_prefix}{table}" for key, table in DYNAMODB_TABLES.items()}


def config_holds_secret(settings: Settings) -> bool:
    """config.json carries the Redis password: it then goes into the chart's Secret, never a ConfigMap."""
    cache = settings.scale.remote_cache
    return (
        settings.scale.storage == "s3"
        and cache is not None
        and cache.redis is not None
        and (cache.redis.password is not None)
    )


# sync with remote storage needs a local download directory (root.go L642-649): on the member's own volume.
SYNC_DOWNLOAD_DIR = f"{STORAGE_ROOT}/.sync"


def _extensions(settings: Settings) -> dict[str, Any]:
    # Every extension object carries "enable": zot drops an empty {} beside any non-empty extension.
    sync: dict[str, Any] = {"enable": True}
    if settings.scale.storage == "s3":
        sync["downloadDir"] = SYNC_DOWNLOAD_DIR
    if any(registry.credentials for registry in settings.registries):
        sync["credentialsFile"] = CREDENTIALS_PATH
    sync["registries"] = [_sync_registry(registry, settings.zot.preserve_digests) for registry in settings.registries]
    extensions: dict[str, Any] = {"sync": sync}
    if settings.metrics.enabled:
        extensions["metrics"] = {"enable": True, "prometheus": {"path": METRICS_PATH}}
    if settings.zot.scrub.enabled:
        extensions["scrub"] = {"enable": True, "interval": settings.zot.scrub.interval}
    if settings.zot.search:
        extensions["search"] = {"enable": True}
    if settings.zot.ui:
        extensions["ui"] = {"enable": True}
    return extensions


def _sync_registry(registry: Registry, preserve_digest: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"urls": list(registry.urls), "onDemand": registry.on_demand}
    if registry.poll_interval is not None:
        entry["pollInterval"] = registry.poll_interval
    if registry.content:
        entry["content"] = [_content(content, registry.destination(content)) for content in registry.content]
    elif registry.namespace_path:
        # Every upstream repository, stored under the namespace: docker.io/library/nginx is library/nginx upstream.
        entry["content"] = [{"prefix": "**", "destination": registry.destination(None)}]
    entry["tlsVerify"] = registry.tls_verify
    if registry.max_retries is not None:
        entry["maxRetries"] = registry.max_retries
        entry["retryDelay"] = registry.retry_delay
    entry["onlySigned"] = registry.only_signed
    if registry.sync_timeout is not None:
        entry["syncTimeout"] = registry.sync_timeout
    entry["preserveDigest"] = preserve_digest
    return entry


def _content(content: Content, destination: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"prefix": content.prefix}
    if destination is not None:
        entry["destination"] = destination
    if content.strip_prefix:
        entry["stripPrefix"] = True
    if content.tags is not None:
        tags = {"regex": content.tags.regex, "excludeRegex": content.tags.exclude_regex, "semver": content.tags.semver}
        entry["tags"] = {key: value for key, value in tags.items() if value is not None}
    return entry


def _access_control(access: AccessControl, metrics: Metrics) -> dict[str, Any]:
    if not access.configured:
        return {}
    repositories: dict[str, Any] = {}
    for glob in sorted(access.repositories):
        repo = access.repositories[glob]
        rules: dict[str, Any] = {}
        if repo.policies:
            rules["policies"] = [{"users": p.users, "actions": p.actions} for p in repo.policies]
        if repo.default_policy:
            rules["defaultPolicy"] = repo.default_policy
        if repo.anonymous_policy:
            rules["anonymousPolicy"] = repo.anonymous_policy
        repositories[glob] = rules
    result: dict[str, Any] = {"repositories": repositories}
    if access.admin_policy is not None:
        result["adminPolicy"] = {"users": access.admin_policy.users, "actions": access.admin_policy.actions}
    if metrics.scrape_user:
        result["metrics"] = {"users": [metrics.scrape_user]}
    elif metrics.enabled:
        # Without a scrape user Prometheus has no credentials; with access control on, /metrics needs opening.
        result["metrics"] = {"anonymousPolicy": ["read"]}
    return result


def credentials_file(settings: Settings) -> str | None:
    """JSON keyed by the exact host[:port] of every URL of every registry with credentials, as zot looks it up."""
    entries: dict[str, dict[str, str]] = {}
    for registry in settings.registries:
        if registry.credentials is None or registry.credentials.password is None:
            continue
        for host in registry.hosts:
            entries[host] = {
                "username": registry.credentials.username,
                "password": registry.credentials.password.get_secret_value(),
            }
    if not entries:
        return None
    return json.dumps(dict(sorted(entries.items())), indent=2) + "\n"
