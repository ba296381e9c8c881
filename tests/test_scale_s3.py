"""scale.storage: s3: every member on one S3-compatible bucket, with the remote metadata cache they share.

zot itself cannot run here (no binary: tests/test_scale.py says why), so the tests check what zot v2.1.18 would load
(its key inventory and load-time rules), what the real charts render from the program's values, that no secret
leaves a Secret, and that the Redis address, password and database the program hands zot open a real Redis.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.builders import advice
from components.builders.chart_values import S3_KEY_FILES, chart_secret_name
from components.builders.zot_config import DYNAMODB_TABLES, build_zot_config
from components.settings import Settings
from components.stack_config import load_settings
from tests import chart_checks as checks
from tests.daemons import free_port, listening, running
from tests.harness import SECRET, run_program, set_path, stack_config
from tests.helm import Manifest, render
from tests.oci_image import build_image
from tests.reference import unknown_zot_keys, zot_keys
from tests.registry import serve_registry
from tests.s3_server import serve_s3
from tests.samples import keys_of
from tests.skopeo import push, skopeo
from tests.test_platforms import on_helm
from tests.test_scale import statefulset_pod_names
from tests.test_upstream_renders import helm_platform_render

ACCESS_KEY = "AKIAS3STANDINKEY0001"
SECRET_KEY = "s3-standin-secret-access-key-not-real"
REDIS_PASSWORD = "redis-standin-password-not-real"
SECRETS = {
    "scale.s3.credentials.accessKeyId": ACCESS_KEY,
    "scale.s3.credentials.secretAccessKey": SECRET_KEY,
    "scale.remoteCache.redis.password": REDIS_PASSWORD,
}
REDIS = {"addr": ["redis.cache.svc:6379"], "password": REDIS_PASSWORD, "db": 2}


def s3_prod(scale: dict[str, Any] | None = None) -> tuple[dict[str, Any], set[str]]:
    """prod with three members on a MinIO-style bucket, static keys and a Redis with a password."""
    config, secret_keys = stack_config("prod")
    config["scale"] = scale or {
        "replicas": 3,
        "storage": "s3",
        "s3": {
            "bucket": "zot-cache",
            "endpoint": "https://minio.storage.svc:9000",
            "credentials": {"accessKeyId": ACCESS_KEY, "secretAccessKey": SECRET_KEY},
        },
        "remoteCache": {"redis": dict(REDIS)},
    }
    return config, secret_keys | {"scale"}


def s3_settings(**changes: Any) -> Settings:
    config, secret_keys = s3_prod()
    config["scale"] = {**config["scale"], **changes}
    return load_settings(config, secret_keys)


# ------------------------------------------------------------------------------------------- refused, by key


def refusal(scale: dict[str, Any], *, scale_is_secret: bool = True) -> str:
    """The RunError text for prod with this `scale`; with scale_is_secret False no key under scale is marked
    secret, so only the message itself can keep a value out of it."""
    config, secret_keys = s3_prod()
    config["scale"] = scale
    with pytest.raises(pulumi.RunError) as error:
        load_settings(config, secret_keys if scale_is_secret else secret_keys - {"scale"})
    return str(error.value)


BUCKET = {"bucket": "zot-cache", "region": "eu-west-1", "workloadIdentity": {}}
CACHE = {"redis": {"addr": ["redis:6379"]}}


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        (("s3", "endpoint"), "https://AKIAKEY:hunter2@minio:9000", "is not an endpoint URL"),
        (("s3", "endpoint"), "https://minio:9000/?X-Amz-Signature=hunter2", "no user:password@ or query"),
        (("remoteCache", "redis", "addr"), ["AKIAKEY:hunter2@redis:6379"], "is not a Redis address; write host:port"),
    ],
)
def test_a_key_typed_into_an_address_is_refused_and_never_echoed(
    where: tuple[str, ...], value: Any, words: str
) -> None:
    """Where a key would end up in config.json (a ConfigMap without a Redis password), nor in the refusal: the
    scale key holds no secret here, so nothing else would take the value out of the message."""
    scale: dict[str, Any] = {
        "replicas": 3,
        "storage": "s3",
        "s3": {**BUCKET, "endpoint": "https://minio:9000"},
        "remoteCache": {"redis": {"addr": ["redis:6379"]}},
    }
    set_path(scale, ".".join(where), value)
    message = refusal(scale, scale_is_secret=False)
    assert words in message, message
    assert "hunter2" not in message
    assert "AKIAKEY" not in message


@pytest.mark.parametrize(
    ("scale", "key", "words"),
    [
        ({"replicas": 3, "storage": "s3", "remoteCache": CACHE}, "scale.s3", "is missing"),
        ({"replicas": 3, "storage": "s3", "s3": BUCKET}, "scale.remoteCache", "is missing"),
        (
            {"replicas": 3, "storage": "s3", "s3": BUCKET, "remoteCache": {**CACHE, "dynamodb": {"region": "x"}}},
            "scale.remoteCache",
            "both or neither",
        ),
        (
            {"replicas": 3, "storage": "s3", "s3": {**BUCKET, "region": None}, "remoteCache": CACHE},
            "scale.s3.region",
            "without an endpoint",
        ),
        (
            {"replicas": 3, "storage": "s3", "s3": {**BUCKET, "forcePathStyle": True}, "remoteCache": CACHE},
            "scale.s3.forcePathStyle",
            "only read with an endpoint",
        ),
        (
            {
                "replicas": 3,
                "storage": "s3",
                # Go's path.Join cleans it to the volume's root, where a perMember install's cache.db is.
                "s3": {**BUCKET, "rootDirectory": "/var//lib/registry/./"},
                "remoteCache": CACHE,
            },
            "scale.s3.rootDirectory",
            "turn remoteCache off",
        ),
        (
            {
                "replicas": 3,
                "storage": "s3",
                "s3": {**BUCKET, "endpoint": "minio.storage.svc:9000"},
                "remoteCache": CACHE,
            },
            "scale.s3.endpoint",
            "is not an endpoint URL; write https:// (or http://), the host",
        ),
        (
            {
                "replicas": 3,
                "storage": "s3",
                "s3": {**BUCKET, "workloadIdentity": None, "credentials": {}},
                "remoteCache": CACHE,
            },
            "scale.s3.credentials.accessKeyId",
            "is required; set it with pulumi config set --secret --path 'scale.s3.credentials.accessKeyId' <value>",
        ),
        (
            {"replicas": 3, "storage": "s3", "s3": {"bucket": "zot-cache", "region": "x"}, "remoteCache": CACHE},
            "scale.s3.credentials",
            "is missing, and so is workloadIdentity: give exactly one of them",
        ),
        (
            {"replicas": 3, "storage": "s3", "s3": BUCKET, "remoteCache": {"redis": {"addr": ["redis://u:p@r:6379"]}}},
            "scale.remoteCache.redis.addr[0]",
            "is not a Redis address; write host:port",
        ),
        ({"replicas": 3, "s3": BUCKET}, "scale.s3", "only read with scale.storage: s3"),
        ({"replicas": 3, "remoteCache": CACHE}, "scale.remoteCache", "only read with scale.storage: s3"),
        ({"replicas": 3, "storage": "s3", "s3": {**BUCKET, "bucket": "Zot_Cache"}, "remoteCache": CACHE}, "bucket", ""),
        (
            {"replicas": 3, "storage": "s3", "s3": BUCKET, "remoteCache": {"redis": {"url": "redis://u:p@r:6379"}}},
            "url",
            "",
        ),
    ],
)
def test_refused_combinations_name_their_key(scale: dict[str, Any], key: str, words: str) -> None:
    message = refusal(scale)
    assert key in message, message
    assert words in message, message
    # The refusal never echoes a secret, whatever else it says.
    assert "u:p@" not in message


@pytest.mark.parametrize("root_directory", ["/zot", "/var/lib/registry/zot", "/var/lib/registry2"])
def test_a_bucket_path_beside_or_below_the_volume_root_is_fine(root_directory: str) -> None:
    """zot looks for cache.db at the cleaned rootDirectory itself (root.go L1064-1074), nowhere below it."""
    settings = s3_settings(s3={**BUCKET, "rootDirectory": root_directory})
    assert build_zot_config(settings, keys_of(settings))["storage"]["storageDriver"]["rootdirectory"] == root_directory


def test_the_ui_is_accepted_on_the_bucket_where_the_catalog_is_whole() -> None:
    """zot does not pass /v2/_catalog on; on one bucket every member lists all of it (routes.go L201-206)."""
    config, secret_keys = s3_prod()
    config["zot"] = {**config.get("zot", {}), "search": True, "ui": True}
    assert load_settings(config, secret_keys).zot.ui
    config["scale"] = {"replicas": 3, "storage": "perMember"}
    with pytest.raises(pulumi.RunError, match=r"zot\.ui: is not supported with scale\.replicas 3 on volumes"):
        load_settings(config, secret_keys)


def active_only(config: dict[str, Any]) -> dict[str, Any]:
    """prod's my-registry as it was before scale-out: synced actively only, into its own namespace."""
    registries = config["registries"]
    registries[1] = {**registries[1], "onDemand": False, "maxRetries": 3, "retryDelay": "5m"}
    return config


def test_an_upstream_synced_actively_only_into_its_namespace_scales_on_the_bucket() -> None:
    """Members on volumes of their own refuse it (settings/scale.py); on the bucket the owner reads the copy."""
    config, secret_keys = s3_prod()
    settings = load_settings(active_only(config), secret_keys)
    assert not [w for w in advice.warnings(settings) if "synced actively into other names" in w]
    config["scale"] = {"replicas": 3, "storage": "perMember"}
    with pytest.raises(pulumi.RunError, match=r"registries\[1\]\.onDemand.*scale\.storage: s3"):
        load_settings(config, secret_keys)


def test_an_upstream_synced_actively_and_on_demand_warns_of_two_writers_on_the_bucket() -> None:
    (warning,) = [w for w in advice.warnings(s3_settings()) if "synced actively into other names" in w]
    assert warning.startswith("registries[1] ")
    assert "set onDemand: false" in warning
    assert "Shared storage" in warning


# ------------------------------------------------------------------------------------------------ zot's config


def test_the_config_passes_zot_v2_1_18s_key_inventory_and_load_rules() -> None:
    settings = s3_settings()
    config = build_zot_config(settings, keys_of(settings))
    assert unknown_zot_keys(config) == []
    storage = config["storage"]
    assert storage["storageDriver"] == {
        "name": "s3",
        "bucket": "zot-cache",
        "rootdirectory": "/zot",
        "regionendpoint": "https://minio.storage.svc:9000",
        "forcepathstyle": True,
        "secure": True,
        # Named, so that zot's driver does not sign for the region "<nil>" (zot_config.py).
        "region": "us-east-1",
    }
    # root.go L411-418 and L1060-1062: with a storageDriver, remoteCache needs a cacheDriver of a known name.
    assert storage["remoteCache"] is True
    assert storage["cacheDriver"] == {"name": "redis", **REDIS}
    assert storage["dedupe"] is False
    rules = {rule["path"]: rule["rule"] for rule in zot_keys()["validationRules"]}
    assert rules["extensions.sync.downloadDir"].startswith("required when sync is enabled and storageDriver")
    assert config["extensions"]["sync"]["downloadDir"].startswith(storage["rootDirectory"] + "/")
    # CVE scanning is refused with any storageDriver (root.go L596-613): the program never writes search.cve.
    assert "cve" not in config["extensions"].get("search", {})
    # Credentials never reach config.json: the driver falls back to the SDK's default chain (s3.go L460-467).
    assert not {"accesskey", "secretkey"} & set(storage["storageDriver"])
    assert SECRET_KEY not in json.dumps(config)
    assert len(config["cluster"]["members"]) == 3


def test_an_aws_bucket_with_dynamodb_names_every_table_zot_needs() -> None:
    settings = s3_settings(
        s3={"bucket": "zot-cache", "region": "eu-west-1", "workloadIdentity": {}},
        remoteCache={"dynamodb": {"region": "eu-west-1", "tablePrefix": "prod01-zot-"}},
    )
    config = build_zot_config(settings, keys_of(settings))
    assert unknown_zot_keys(config) == []
    assert config["storage"]["storageDriver"] == {
        "name": "s3",
        "bucket": "zot-cache",
        "rootdirectory": "/zot",
        "region": "eu-west-1",
    }
    driver = config["storage"]["cacheDriver"]
    # All seven: a missing metaDB table name panics zot at start (pkg/meta/meta.go L63-92).
    assert set(driver) == {"name", "endpoint", "region", *DYNAMODB_TABLES}
    assert driver["repometatablename"] == "prod01-zot-RepoMetadataTable"
    assert len({driver[key] for key in DYNAMODB_TABLES}) == len(DYNAMODB_TABLES)


def test_one_replica_and_per_member_inputs_are_unchanged_by_the_new_keys() -> None:
    config, secret_keys = stack_config("prod")
    before = build_zot_config(load_settings(config, secret_keys))
    assert "storageDriver" not in before["storage"]
    assert before["storage"]["dedupe"] is True
    assert "downloadDir" not in before["extensions"]["sync"]


# ------------------------------------------------------------------------------------------------ real renders


def test_one_member_on_the_bucket_without_persistence_is_a_deployment_without_claims() -> None:
    """No cluster with one replica; the chart's Deployment keeps sync's downloads on an emptyDir."""
    config, secret_keys = s3_prod()
    config["scale"] = {**config["scale"], "replicas": 1}
    config["storage"] = {"persistence": False}
    settings = load_settings(config, secret_keys)
    manifests = render(settings)
    assert checks.workload(manifests)["kind"] == "Deployment"
    assert checks.of_kind(manifests, "PersistentVolumeClaim") == []
    volumes = {v["name"]: v for v in checks.pod_spec(manifests)["volumes"]}
    (data,) = [m for m in checks.zot_container(manifests)["volumeMounts"] if m["mountPath"] == "/var/lib/registry"]
    assert volumes[data["name"]] == {"name": data["name"], "emptyDir": {}}
    config_json = json.loads(checks.mounted_files(manifests)[checks.ZOT_CONFIG_PATH][1])
    assert "cluster" not in config_json
    assert config_json["storage"]["storageDriver"]["bucket"] == "zot-cache"
    assert unknown_zot_keys(config_json) == []


def check_s3_members(manifests: list[Manifest], settings: Settings, stack: str = "test") -> None:
    """Three members, config.json from the Secret with the members in it, the S3 keys as env from the Secret."""
    workload = checks.workload(manifests)
    assert (workload["kind"], workload["spec"]["replicas"]) == ("StatefulSet", 3)
    files = checks.mounted_files(manifests)
    kind, config_json = files[checks.ZOT_CONFIG_PATH]
    assert kind == "Secret"
    assert json.loads(config_json) == build_zot_config(settings, keys_of(settings, stack))
    assert json.loads(config_json)["cluster"]["members"] == statefulset_pod_names(manifests)
    # No ConfigMap carries the password (nor any config.json).
    for config_map in checks.of_kind(manifests, "ConfigMap"):
        assert REDIS_PASSWORD not in json.dumps(config_map)
    env = {e["name"]: e for e in checks.zot_container(manifests)["env"]}
    # The chart's Secret on Giant Swarm's chart; the program's files Secret on platform helm (upstream_values.py).
    (secret_name,) = {env[name]["valueFrom"]["secretKeyRef"]["name"] for name in S3_KEY_FILES}
    if settings.platform != "helm":
        assert secret_name == chart_secret_name(settings)
    secret = checks.named(manifests, "Secret", secret_name)
    for name, key in S3_KEY_FILES.items():
        assert env[name]["valueFrom"]["secretKeyRef"] == {"name": secret_name, "key": key}
        assert key in secret["data"]
    # Availability as with perMember: one member disrupted at a time, spread over nodes and zones.
    pod_labels = workload["spec"]["template"]["metadata"]["labels"]
    (budget,) = checks.of_kind(manifests, "PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    spread = checks.pod_spec(manifests)["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
    for manifest in manifests:
        if manifest["kind"] != "Secret":
            text = json.dumps(manifest)
            assert not [s for s in (ACCESS_KEY, SECRET_KEY, REDIS_PASSWORD) if s in text], manifest["kind"]
    checks.check_valid_for_kubernetes(manifests, settings)


def test_giant_swarms_chart_renders_three_members_on_the_bucket() -> None:
    settings = s3_settings()
    check_s3_members(render(settings), settings)


def test_the_upstream_chart_renders_three_members_on_the_bucket_on_platform_helm() -> None:
    config, secret_keys = s3_prod()
    config = on_helm(config)
    manifests = helm_platform_render(run_program("prod", config, secret_keys))
    check_s3_members(manifests, load_settings(config, secret_keys), "prod")


def test_workload_identity_annotates_the_service_account_and_sets_no_key() -> None:
    role = "arn:aws:iam::123456789012:role/zot-cache"
    settings = s3_settings(
        s3={
            "bucket": "zot-cache",
            "region": "eu-west-1",
            "workloadIdentity": {"serviceAccountAnnotations": {"eks.amazonaws.com/role-arn": role}},
        }
    )
    manifests = render(settings)
    (account,) = checks.of_kind(manifests, "ServiceAccount")
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    assert checks.pod_spec(manifests)["serviceAccountName"] == account["metadata"]["name"]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & {
        e["name"] for e in checks.zot_container(manifests)["env"]
    }


@pytest.mark.parametrize("platform", ["app", "flux", "helm"])
def test_secrets_reach_only_secrets_and_secret_outputs(platform: str) -> None:
    config, secret_keys = s3_prod()
    config = on_helm(config) if platform == "helm" else {**config, "platform": platform}
    run = run_program("prod", config, secret_keys)
    plain = [r.inputs for r in run.resources if r.type != SECRET and not r.type.startswith("pulumi:")]
    plain_outputs = {key: value for key, value in run.outputs.items() if key not in run.secret_outputs}
    text = json.dumps([plain, plain_outputs, run.logs])
    assert [s for s in (ACCESS_KEY, SECRET_KEY, REDIS_PASSWORD) if s in text] == []
    # The config with the password is still an output, as a secret one.
    assert "zotConfig" in run.secret_outputs


def test_secret_keys_set_without_secret_are_refused() -> None:
    config, secret_keys = s3_prod()
    with pytest.raises(pulumi.RunError) as error:
        load_settings(config, secret_keys - {"scale"})
    assert "--secret" in str(error.value)
    assert SECRET_KEY not in str(error.value)


# ------------------------------------------------------------------------------- a real S3 driver on a bucket


def test_members_store_in_and_read_from_one_bucket_through_the_go_s3_driver(tmp_path: Path) -> None:
    """Two Go registries (Debian's docker-registry: the S3 driver family and AWS SDK zot builds in, tests/s3_server.py)
    run with the storageDriver of config.json and the environment the chart gives zot's container, keys from the
    chart's Secret and nothing else, against an S3 server that checks signatures: what one writes, the other
    serves, all of it under rootDirectory; the same settings with another secret are refused. Not checked here:
    the signing region (moto takes any) and forcepathstyle (2.8.2 ignores it); the config test asserts both."""
    with serve_s3(tmp_path / "s3") as s3:
        s3.client().create_bucket(Bucket="zot-cache")
        keys = {"accessKeyId": s3.access_key_id, "secretAccessKey": s3.secret_access_key}
        settings = s3_settings(s3={"bucket": "zot-cache", "endpoint": s3.url, "credentials": keys})
        manifests = render(settings)
        driver = dict(
            json.loads(checks.mounted_files(manifests)[checks.ZOT_CONFIG_PATH][1])["storage"]["storageDriver"]
        )
        assert driver.pop("name") == "s3"
        pod_env = checks.container_env(manifests)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **pod_env}
        assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(pod_env)
        # Blobs through the registry, as zot serves them, not by a redirect to a presigned bucket URL.
        storage = {"s3": driver, "redirect": {"disable": True}}
        image = build_image(tmp_path / "image", "6.1", "hello.txt", b"stored in the bucket")
        reference = "my-registry.example.org/my-organization/my-image:6.1"
        with (
            serve_registry(tmp_path / "a", storage=storage, env=env) as writer,
            serve_registry(tmp_path / "b", storage=storage, env=env) as reader,
        ):
            push(image.source, f"{writer.host}/{reference}")
            read = skopeo("inspect", "--tls-verify=false", f"docker://{reader.host}/{reference}")
            assert read.returncode == 0, read.stderr
            assert json.loads(read.stdout)["Digest"] == image.manifest_digest
        stored = s3.keys("zot-cache")
        assert stored
        assert all(key.startswith(f"{driver['rootdirectory'].strip('/')}/") for key in stored), stored
        wrong = {**env, "AWS_SECRET_ACCESS_KEY": "not-" + s3.secret_access_key}
        with serve_registry(tmp_path / "c", storage=storage, env=wrong) as refused:
            denied = skopeo("copy", "--quiet", "--dest-tls-verify=false", image.source, f"docker://{refused.host}/x:1")
            assert denied.returncode != 0
            assert "SignatureDoesNotMatch" in (tmp_path / "c" / "registry.log").read_text(errors="replace")


# ---------------------------------------------------------------------------------------------- a real Redis


def test_the_cache_driver_reaches_a_real_redis_with_the_password_from_the_secret(tmp_path: Path) -> None:
    """redis-server on 127.0.0.1 with the password the program put into the chart's Secret: the address's port, the
    password and the database of config.json authenticate and select, and a wrong password does not."""
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        message = "redis-server is not installed (Debian package redis-server; .ci/run installs it)"
        if os.environ.get("ZOT_CACHE_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{message}; ZOT_CACHE_REQUIRE_TOOLS=1 requires it")
        pytest.skip(message)
    port = free_port()
    settings = s3_settings(remoteCache={"redis": {**REDIS, "addr": [f"127.0.0.1:{port}"]}})
    files = checks.mounted_files(render(settings))
    driver = json.loads(files[checks.ZOT_CONFIG_PATH][1])["storage"]["cacheDriver"]
    host, _, driver_port = driver["addr"][0].rpartition(":")
    conf = tmp_path / "redis.conf"
    conf.write_text(
        f'bind 127.0.0.1\nport {port}\ndir {tmp_path}\nrequirepass {REDIS_PASSWORD}\nsave ""\nappendonly no\n'
    )

    def cli_run(password: str, *command: str) -> str:
        args = [cli, "-h", host, "-p", driver_port, "-n", str(driver["db"]), "--no-auth-warning", "-a", password]
        return subprocess.run([*args, *command], capture_output=True, text=True, check=False, timeout=10).stdout

    with running([server, str(conf)], tmp_path / "redis.log", listening(port), "redis-server"):
        assert cli_run(driver["password"], "SET", "zot:probe", "1").strip() == "OK"
        assert cli_run(driver["password"], "CLIENT", "INFO").count(f"db={driver['db']}") == 1
        assert "NOAUTH" in cli_run("wrong", "GET", "zot:probe") or "WRONGPASS" in cli_run("wrong", "PING")
