"""scale.replicas > 1: zot members derived from the StatefulSet the real charts render, a claim per member that grows
in place, the program's disruption budget and spreading; and scale.replicas 1, today's install byte for byte.

What needs a running zot (members proxying, a member finding itself) cannot run here: no zot binary is installable
on this machine (Debian has none, GitHub releases are unreachable, and building it needs Go 1.26 and the Go module
proxy). The members' names are checked against the DNS names the rendered StatefulSet gives its pods instead, and
repository ownership with a pure-Python SipHash checked against zot's own test vector (tests/siphash.py).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml
from pydantic import BaseModel, SecretStr

from components.builders import advice
from components.builders.alerts import prometheus_rule_spec
from components.builders.names import claim_name, in_cluster_url, member_claim_names, service_name
from components.builders.stack_keys import StackKeys
from components.builders.zot_config import build_zot_config, cluster_hash_key
from components.settings import Settings
from components.settings.scale import Scale, maps_names
from components.stack_config import PROJECT, load_settings
from tests import chart_checks as checks
from tests.docs import page
from tests.harness import ProgramRun, changed_inputs, resource_inputs, run_program, stack_config
from tests.helm import Manifest, render
from tests.reference import unknown_zot_keys, zot_keys
from tests.samples import SALT_KEY, keys_of, scaled, scaled_prod
from tests.siphash import siphash24, target_member
from tests.test_alerts import CLAIM as CLAIM_SERIES
from tests.test_alerts import Case, promtool, rules_file, series
from tests.test_alerts import settings as alert_settings
from tests.test_day2_edits import RENDERERS, Config, frozen_changes
from tests.test_platforms import CLAIM, on_helm
from tests.test_upstream_renders import helm_platform_render

PDB = "kubernetes:policy/v1:PodDisruptionBudget"


def members_of(config_json: str) -> list[str]:
    members: list[str] = json.loads(config_json)["cluster"]["members"]
    return members


# ----------------------------------------------------------------------------------------- one replica: unchanged


@pytest.mark.parametrize("scale", [{"replicas": 1}, {"replicas": 1, "storage": "perMember"}])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_one_replica_changes_no_resource_input(stack: str, scale: dict[str, Any]) -> None:
    config, secret_keys = stack_config(stack)
    before = run_program(stack, config, secret_keys)
    after = run_program(stack, {**config, "scale": scale}, secret_keys)
    assert resource_inputs(after) == resource_inputs(before)
    assert after.outputs == before.outputs
    # And what one replica had before scale-out existed: no cluster, no budget, no spreading, no replica count.
    assert "cluster" not in json.loads(after.outputs["zotConfig"])
    assert not [r for r in after.resources if r.type.endswith(":PodDisruptionBudget")]
    inputs = json.dumps([r.inputs for r in after.resources])
    for key in ("replicaCount", "topologySpreadConstraints", "hashKey"):
        assert key not in inputs, key


def test_node_wiring_is_one_mirror_url_whatever_the_replicas() -> None:
    one, three = (run_program("prod", *scaled_prod(replicas)) for replicas in (1, 3))
    for output in ("nodes", "nodeCredentials", "registryUrl", "inClusterUrl", "serviceName"):
        assert three.outputs[output] == one.outputs[output], output


# ---------------------------------------------------------------------------------------------------- hash key


def test_the_hash_key_is_16_characters_stable_and_different_per_stack() -> None:
    keys = {stack: StackKeys.derive(SecretStr(SALT_KEY), PROJECT, stack) for stack in ("dev", "prod")}
    hash_keys = {stack: cluster_hash_key(derived) for stack, derived in keys.items()}
    for hash_key in hash_keys.values():
        # zot counts bytes (v2.1.18 pkg/cli/server/root.go L1714-1724): ASCII, so characters are bytes.
        assert len(hash_key.encode()) == 16
        assert set(hash_key) <= set(string.ascii_letters + string.digits + "-_")
    assert hash_keys["prod"] == cluster_hash_key(StackKeys.derive(SecretStr(SALT_KEY), PROJECT, "prod"))
    assert hash_keys["prod"] != hash_keys["dev"]
    # Its own purpose: none of the other derived keys gives it away.
    assert all(keys["prod"].cluster_hash_key != other for other in (keys["prod"].nonce, keys["prod"].fingerprint))


def test_the_hash_key_is_the_same_in_every_run_and_members_are_in_ordinal_order() -> None:
    first, second = run_program("prod", *scaled_prod()), run_program("prod", *scaled_prod())
    assert resource_inputs(first) == resource_inputs(second)
    cluster = json.loads(first.outputs["zotConfig"])["cluster"]
    assert cluster["members"] == [f"zot-{i}.zot-headless.zot.svc.cluster.local:5000" for i in range(3)]
    assert len(cluster["hashKey"]) == 16
    # No cluster.tls: zot reads it only with http.tls (pkg/api/proxy.go L123-128), which the program never sets.
    assert set(cluster) == {"members", "hashKey"}


def test_the_cluster_domain_is_a_setting() -> None:
    config, secret_keys = scaled_prod(2)
    config["app"]["clusterDomain"] = "prod01.example.internal"
    settings = load_settings(config, secret_keys)
    assert build_zot_config(settings, keys_of(settings))["cluster"]["members"] == [
        f"zot-{i}.zot-headless.zot.svc.prod01.example.internal:5000" for i in range(2)
    ]
    assert in_cluster_url(settings) == "http://zot.zot.svc.prod01.example.internal:5000"


def test_the_config_passes_zot_v2_1_18s_key_inventory_and_load_rules() -> None:
    settings = load_settings(*scaled_prod())
    config = build_zot_config(settings, keys_of(settings))
    assert unknown_zot_keys(config) == []
    (rule,) = [rule for rule in zot_keys()["validationRules"] if rule["path"] == "cluster"]
    assert rule["rule"] == "members non-empty; hashKey exactly 16 characters"
    assert config["cluster"]["members"]
    assert len(config["cluster"]["hashKey"].encode()) == 16


# -------------------------------------------------------------------------------------------- ownership (SipHash)


def test_siphash_reproduces_the_papers_vector_and_zots_own_test() -> None:
    # SipHash paper (Aumasson, Bernstein 2012), Appendix A: key 00..0f, message 00..0e.
    assert siphash24(bytes(range(16)), bytes(range(15))) == 0xA129CA6149BE45E5
    # zot v2.1.18 pkg/cluster/cluster_test.go L20-24: ("loremipsumdolors", [member1, member2], "zot-test") -> 1.
    assert target_member("loremipsumdolors", ["member1", "member2"], "zot-test") == 1


REPOSITORIES = [f"docker.io/library/image-{i}" for i in range(3000)] + [f"ghcr.io/org-{i}/app" for i in range(3000)]


def test_repositories_spread_over_the_members() -> None:
    settings = load_settings(*scaled_prod())
    cluster = build_zot_config(settings, keys_of(settings))["cluster"]
    owners = [target_member(cluster["hashKey"], cluster["members"], repo) for repo in REPOSITORIES]
    shares = [owners.count(member) / len(owners) for member in range(3)]
    assert all(0.3 < share < 0.37 for share in shares), shares


def test_a_resize_moves_most_repositories_and_the_old_size_brings_them_back() -> None:
    """zot picks a member by hash mod N, no consistent hashing: the resize caveat in docs/platforms.md."""
    hash_key = cluster_hash_key(keys_of(load_settings(*scaled_prod())))

    def owners(size: int) -> list[int]:
        return [target_member(hash_key, ["m"] * size, repo) for repo in REPOSITORIES]

    three, four = owners(3), owners(4)
    moved = sum(a != b for a, b in zip(three, four, strict=True)) / len(REPOSITORIES)
    assert 0.72 < moved < 0.78
    assert owners(3) == three


# ------------------------------------------------------------------------------------------------ real renders


def statefulset_pod_names(manifests: list[Manifest]) -> list[str]:
    """The DNS name and zot port of each pod the rendered StatefulSet makes: <pod>.<serviceName>.<namespace>.svc."""
    workload = checks.workload(manifests)
    spec = workload["spec"]
    (port,) = [port["containerPort"] for port in checks.zot_container(manifests)["ports"]]
    domain = f"{spec['serviceName']}.{workload['metadata']['namespace']}.svc.cluster.local"
    return [f"{workload['metadata']['name']}-{i}.{domain}:{port}" for i in range(spec["replicas"])]


def check_members(manifests: list[Manifest], settings: Settings) -> None:
    """Three members on a claim each, found by the headless Service's names, spread, at most one disrupted."""
    workload = checks.workload(manifests)
    spec = workload["spec"]
    assert (workload["kind"], spec["replicas"]) == ("StatefulSet", 3)
    # The charts set neither: OrderedReady (member i starts after 0..i-1 are ready, which zot needs to resolve
    # them) and RollingUpdate one pod at a time, highest ordinal first.
    assert "podManagementPolicy" not in spec
    assert "updateStrategy" not in spec
    checks.check_statefulset_service(manifests, settings)
    headless = checks.named(manifests, "Service", spec["serviceName"])["spec"]
    assert headless["clusterIP"] == "None"
    # A member's name resolves as soon as its pod has an IP, ready or not (research, section 1.2).
    assert headless["publishNotReadyAddresses"] is True
    # The controller gives each pod hostname <pod> and subdomain <serviceName>, which the kubelet writes into its
    # /etc/hosts: nothing in the template may override them, and the cluster's DNS must answer for the lower members.
    pod = checks.pod_spec(manifests)
    assert "hostname" not in pod
    assert "subdomain" not in pod
    assert pod.get("dnsPolicy", "ClusterFirst") == "ClusterFirst"
    (config_kind, config_json) = checks.mounted_files(manifests)[checks.ZOT_CONFIG_PATH]
    assert config_kind == "ConfigMap"
    assert members_of(config_json) == statefulset_pod_names(manifests)
    assert len(json.loads(config_json)["cluster"]["hashKey"].encode()) == 16
    # A claim per member, the size the settings ask for; the template's own size never reaches one.
    checks.check_storage(manifests, settings)
    assert list(checks.claims(manifests)) == member_claim_names(settings)
    pod_labels = spec["template"]["metadata"]["labels"]
    (budget,) = checks.of_kind(manifests, "PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    spread = checks.pod_spec(manifests)["topologySpreadConstraints"]
    assert {(c["topologyKey"], c["whenUnsatisfiable"]) for c in spread} == {
        ("kubernetes.io/hostname", "DoNotSchedule"),
        ("topology.kubernetes.io/zone", "ScheduleAnyway"),
    }
    assert all(c["labelSelector"]["matchLabels"].items() <= pod_labels.items() for c in spread)
    # Out of the Service until zot serves: /readyz turns ready just before server.Serve (controller.go L314-322).
    assert checks.zot_container(manifests)["readinessProbe"]["httpGet"]["path"] == "/readyz"
    checks.check_valid_for_kubernetes(manifests, settings)


def test_giant_swarms_chart_renders_three_members() -> None:
    settings = load_settings(*scaled_prod())
    manifests = render(settings)
    check_members(manifests, settings)
    checks.check_config_mounted(manifests, settings)
    assert checks.workload(manifests)["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "zot-pvc"


def test_the_upstream_chart_renders_three_members_on_platform_helm() -> None:
    config, secret_keys = scaled_prod()
    config = on_helm(config)
    run = run_program("prod", config, secret_keys)
    manifests = helm_platform_render(run)
    check_members(manifests, load_settings(config, secret_keys))
    (_, mounted) = checks.mounted_files(manifests)[checks.ZOT_CONFIG_PATH]
    assert mounted == run.outputs["zotConfig"]


@pytest.mark.parametrize("platform", ["app", "flux"])
def test_the_program_applies_each_members_claim_in_the_workload_cluster(platform: str) -> None:
    config, secret_keys = scaled_prod()
    run = run_program("prod", {**config, "platform": platform}, secret_keys)
    claims = sorted((resource for resource in run.resources if resource.type == CLAIM), key=lambda c: c.name)
    assert [(c.name, c.inputs["metadata"]["name"]) for c in claims] == [
        ("prod01-zot-claim", "zot-pvc-zot-0"),
        ("prod01-zot-claim-1", "zot-pvc-zot-1"),
        ("prod01-zot-claim-2", "zot-pvc-zot-2"),
    ]
    assert {c.inputs["spec"]["resources"]["requests"]["storage"] for c in claims} == {"64Gi"}
    budget = run.one(PDB)
    provider = claims[0].provider
    assert provider is not None
    assert budget.provider == provider
    assert all(c.provider == provider for c in claims)


def test_member_0s_claim_is_the_single_replicas_claim() -> None:
    """Scaling out keeps the cache: member 0's claim (and its Pulumi resource) is the one claim of before."""
    one, three = (load_settings(*scaled_prod(replicas)) for replicas in (1, 3))
    assert member_claim_names(three)[0] == claim_name(one) == claim_name(three) == "zot-pvc-zot-0"


# ----------------------------------------------------------------------------------------------------- day 2


def _then(*edits: Callable[[Config], None]) -> Callable[[Config], None]:
    def edit(config: Config) -> None:
        for each in edits:
            each(config)

    return edit


def _grow(config: Config) -> None:
    config["storage"] = {**config["storage"], "size": "50Gi"}


# From three members (prod, 20Gi): the edit and the frozen changes it makes, if any.
SCALED_EDITS: dict[str, tuple[Callable[[Config], None], list[str]]] = {
    "storage.size 20Gi -> 50Gi": (_then(scaled(3), _grow), []),
    "replicas 3 -> 4": (scaled(4), []),
    # The program no longer applies member 2's claim; retainOnDelete keeps it, and its cache, for a scale back.
    "replicas 3 -> 2": (scaled(2), ["PersistentVolumeClaim {claims[2]} is deleted"]),
    # Kubernetes refuses a changed volumeClaimTemplates: docs/platforms.md gives the steps (orphan it first).
    "replicas 3 -> 1": (
        scaled(1),
        [
            "PersistentVolumeClaim {claims[1]} is deleted",
            "PersistentVolumeClaim {claims[2]} is deleted",
            "StatefulSet {statefulset} spec.volumeClaimTemplates",
        ],
    ),
}


@pytest.mark.parametrize("edit", SCALED_EDITS)
@pytest.mark.parametrize("platform", RENDERERS)
def test_day2_edits_of_members_touch_no_immutable_field_but_the_one_readme_explains(platform: str, edit: str) -> None:
    before, settings = RENDERERS[platform](scaled(3))
    change, frozen = SCALED_EDITS[edit]
    after, _ = RENDERERS[platform](change)
    names = {"claims": member_claim_names(settings), "statefulset": service_name(settings.app)}
    assert sorted(frozen_changes(before, after)) == [change.format(**names) for change in frozen]


@pytest.mark.parametrize("platform", RENDERERS)
def test_scaling_out_changes_the_claim_template_which_readme_explains(platform: str) -> None:
    before, settings = RENDERERS[platform](None)
    after, _ = RENDERERS[platform](scaled(3))
    assert list(frozen_changes(before, after)) == [
        f"StatefulSet {service_name(settings.app)} spec.volumeClaimTemplates"
    ]


@pytest.mark.parametrize("platform", RENDERERS)
def test_growing_members_volumes_changes_only_their_claims(platform: str) -> None:
    before, settings = RENDERERS[platform](scaled(3))
    after, _ = RENDERERS[platform](_then(scaled(3), _grow))
    changed = [m for m in after if m not in before]
    # Sorted: the engine registers resources as their inputs resolve, in no fixed order.
    assert sorted(
        (m["kind"], m["metadata"]["name"], m["spec"]["resources"]["requests"]["storage"]) for m in changed
    ) == [("PersistentVolumeClaim", claim, "50Gi") for claim in member_claim_names(settings)]


def test_growing_members_volumes_is_a_quiet_preview() -> None:
    config, secret_keys = scaled_prod()
    grown = {**config, "storage": {**config["storage"], "size": "128Gi"}}
    before: ProgramRun = run_program("prod", config, secret_keys)
    after = run_program("prod", grown, secret_keys)
    names = ("prod01-zot-claim", "prod01-zot-claim-1", "prod01-zot-claim-2")
    assert changed_inputs(before, after) == {f"{CLAIM}::{name}" for name in names}


# -------------------------------------------------------------------------------------------- advice and docs


def test_an_actively_synced_upstream_in_a_namespace_is_warned_with_members() -> None:
    settings = load_settings(*scaled_prod())
    (warning,) = [w for w in advice.warnings(settings) if "synced actively into other names" in w]
    assert warning.startswith("registries[1] ")
    # Why the names differ, and the ways out.
    assert "differ by its namespace my-registry.example.org/: namespace: / without them" in warning
    assert "scale.storage: s3 lets the owner read any member's copy" in warning
    assert not [w for w in advice.warnings(load_settings(*scaled_prod(1))) if "synced actively into other" in w]


def test_an_actively_synced_upstream_at_the_root_keeps_its_names_and_scales() -> None:
    """Stored under its upstream names, a repository is synced and pulled on the same member."""
    registry: Config = {"urls": ["https://my-registry.example.org"], "namespace": "/", "pollInterval": "5m"}
    registry["content"] = [{"prefix": "my-org/**"}]
    config = {
        "registries": [registry],
        "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        "htpasswdSaltKey": SALT_KEY,
        "scale": {"replicas": 3},
    }
    settings = load_settings(config, {"htpasswdSaltKey"})
    assert not maps_names(settings.registries[0])
    assert not [w for w in advice.warnings(settings) if "synced actively into other names" in w]


def test_the_docs_explain_scaling_out() -> None:
    section = page("docs/platforms.md").split("### Scaling out", 1)[1].split("\n### ", 1)[0]
    for fragment in (
        "delete statefulset",
        "--cascade=orphan",
        "zot-pvc-zot-0",
        "s3",
        "75%",
        "a zone",
        "upstream",
    ):
        assert fragment in section, fragment


def leaf_keys(model: type[BaseModel], prefix: str) -> list[str]:
    """Every key users write under a model, in field order: a nested model's keys instead of the model's own."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{field.alias or name}"
        nested = [
            t
            for t in (field.annotation, *get_args(field.annotation))
            if isinstance(t, type) and issubclass(t, BaseModel)
        ]
        keys.extend(leaf_keys(nested[0], key) if nested else [key])
    return keys


def test_the_reference_has_a_row_for_every_scale_key() -> None:
    section = page("docs/reference.md").split("### `scale`", 1)[1].split("\n### ", 1)[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| `scale.")]
    # A row may name two keys that go together ("`a`, `b`").
    named = [key.strip().strip("`") for row in rows for key in row.split(",")]
    assert named == leaf_keys(Scale, "scale")


def test_each_members_volume_alerts_on_its_own_in_promtool(tmp_path: Path) -> None:
    """Member 1's full volume fires for member 1's claim; member 0's half-full one and another release's claim of
    the same shape stay quiet."""
    spec = prometheus_rule_spec(alert_settings(scale={"replicas": 3}))
    member = {**CLAIM_SERIES, "persistentvolumeclaim": "zot-pvc-zot-1"}
    stranger = {**CLAIM_SERIES, "persistentvolumeclaim": "other-pvc-zot-1"}
    case = Case(
        "ZotCacheVolumeAlmostFull",
        "20m",
        [
            *(series("kubelet_volume_stats_available_bytes", labels, "5000000000x30") for labels in (member, stranger)),
            series("kubelet_volume_stats_available_bytes", CLAIM_SERIES, "50000000000x30"),
            *(
                series("kubelet_volume_stats_capacity_bytes", labels, "100000000000x30")
                for labels in (member, stranger, CLAIM_SERIES)
            ),
        ],
        [
            (
                {**member, "severity": "warning"},
                "zot cache volume zot-pvc-zot-1 is 95% full",
                "The cache's volume in zot is more than 90% full; shorten retention or grow the volume before it "
                "fills.",
            )
        ],
    )
    rules_file(tmp_path, spec)
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [case.test()]})
    )
    result = promtool("test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_long_release_name_gives_members_the_controllers_claim_names() -> None:
    """The pod's volume is named after the template (at most 57 characters), so a member's claim may be longer."""
    config = {
        "app": {"name": "registry-cache-for-the-platform"},
        "registries": [{"name": "docker-hub", "urls": ["https://docker.io"], "onDemand": True}],
        "accessControl": {"repositories": {"**": {"anonymousPolicy": ["read"]}}},
        "htpasswdSaltKey": SALT_KEY,
        "scale": {"replicas": 2},
    }
    settings = load_settings(config, {"htpasswdSaltKey"})
    release = "registry-cache-for-the-platform"
    assert member_claim_names(settings) == [f"{release}-pvc-{release}-zot-{i}" for i in range(2)]
    manifests = render(settings)
    checks.check_storage(manifests, settings)
    checks.check_valid_for_kubernetes(manifests, settings)
    (template,) = checks.workload(manifests)["spec"]["volumeClaimTemplates"]
    assert template["metadata"]["name"] == f"{release}-pvc"  # the pod's volume: a DNS label of at most 63
    assert members_of(checks.mounted_files(manifests)[checks.ZOT_CONFIG_PATH][1]) == statefulset_pod_names(manifests)
