"""`scale`: what a cluster of zot members needs from the rest of the config (components/settings/scale.py)."""

from __future__ import annotations

from tests.settings.configs import (
    ACTIVE,
    DOCKER_HUB,
    SALT_KEY,
    case,
    invalid_config_test,
    refusal,
    variant,
)

SCALED = {"replicas": 3}
WITH_KEY = {"htpasswdSaltKey": SALT_KEY}

INVALID = [
    case("no-replicas", variant(scale={"replicas": 0}), "scale.replicas", "greater than or equal to 1"),
    case("replicas-not-a-number", variant(scale={"replicas": "three"}), "scale.replicas", "integer"),
    case("shared-storage-without-bucket", variant(scale={"replicas": 3, "storage": "s3"}), "scale.s3", "is missing"),
    case("unknown-storage", variant(scale={"replicas": 3, "storage": "gcs"}), "scale.storage", "'perMember' or 's3'"),
    case(
        # The key scale-out introduced before the domain named every in-cluster name.
        "cluster-domain-moved",
        variant(scale={**SCALED, "clusterDomain": "example.internal"}, **WITH_KEY),
        "scale.clusterDomain",
        "has moved to app.clusterDomain (every in-cluster name the program writes (inClusterUrl too) ends in it, "
        "with one replica as with many); move the value: pulumi config set --path 'app.clusterDomain'",
    ),
    case(
        "members-without-persistence",
        variant(scale=SCALED, storage={"persistence": False}, **WITH_KEY),
        "storage.persistence",
        "members find each other by the StatefulSet's pod names",
    ),
    case(
        "members-in-a-workload-cluster-without-kubeconfig",
        variant(
            scale=SCALED, app={"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}}, **WITH_KEY
        ),
        "storage.kubeconfig",
        "applies each member's volume claim and the PodDisruptionBudget in workload cluster prod01",
    ),
    case(
        "members-on-a-volume-smaller-than-the-template",
        variant(scale=SCALED, storage={"size": "512Mi"}, **WITH_KEY),
        "storage.size",
        "is below 1Gi with scale.replicas 3",
    ),
    case("members-without-a-salt-key", variant(scale=SCALED), "htpasswdSaltKey", "cluster.hashKey is derived from it"),
    case(
        "members-with-the-ui",
        variant(scale=SCALED, zot={"search": True, "ui": True}, **WITH_KEY),
        "zot.ui",
        "each member lists and searches only the repositories it owns",
    ),
    case(
        "members-with-an-active-only-upstream-in-a-namespace",
        variant(scale=SCALED, registries=[DOCKER_HUB, ACTIVE], **WITH_KEY),
        "registries[1].onDemand",
        "pulls go to the member its local name picks",
    ),
    case(
        "members-with-an-active-only-upstream-stripping-a-prefix",
        variant(
            scale=SCALED,
            registries=[
                DOCKER_HUB,
                {
                    **ACTIVE,
                    "namespace": "/",
                    "content": [{"prefix": "my-org/**", "destination": "/mine", "stripPrefix": True}],
                },
            ],
            **WITH_KEY,
        ),
        "registries[1].onDemand",
        "set onDemand: true",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)


def test_members_without_persistence_in_a_workload_cluster_are_told_one_thing() -> None:
    """Without persistence nothing is applied in the workload cluster, so its kubeconfig is not asked for too."""
    cluster = {"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}}
    message = refusal(variant(scale=SCALED, storage={"persistence": False}, app=cluster, **WITH_KEY))
    assert "storage.persistence" in message
    assert "storage.kubeconfig" not in message
