"""`resources` and `storage`: memory, CPU, Go GC tuning and the data volume (components/settings/resources.py)."""

from __future__ import annotations

from tests.settings.configs import case, invalid_config_test, variant

INVALID = [
    case(
        "requests-above-limits",
        variant(resources={"requests": {"cpu": "600m", "memory": "1024Mi"}}),
        "resources.requests.cpu",
        "is above limits.cpu",
    ),
    case(
        "vpa-max-allowed-below-limits",
        variant(resources={"vpa": {"maxAllowed": {"cpu": "750m", "memory": "1Gi"}}}),
        "resources.vpa.maxAllowed.memory",
        "is below limits.memory",
    ),
    case(
        "gomemlimit-with-vpa",
        variant(resources={"gomemlimit": "1200MiB"}),
        "resources.gomemlimit",
        "set vpa.enabled: false for fixed memory",
    ),
    case(
        "gomemlimit-above-limit",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": "2048MiB"}),
        "resources.gomemlimit",
        "is above limits.memory (1536Mi)",
    ),
    case(
        "gomemlimit-kubernetes-units",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": "800Mi"}),
        "resources.gomemlimit",
        "note: MiB, not the Kubernetes Mi",
    ),
    # A bare number in a size is bytes to Kubernetes and Go: always a missing unit, never 1 KiB of memory.
    case(
        "memory-limit-without-unit",
        variant(resources={"limits": {"cpu": "500m", "memory": 1536}}),
        "resources.limits.memory",
        "is 1536, which Kubernetes reads as bytes; did you mean 1536Mi?",
    ),
    case(
        "memory-request-without-unit",
        variant(resources={"requests": {"cpu": "300m", "memory": 1024}}),
        "resources.requests.memory",
        "did you mean 1024Mi?",
    ),
    case(
        "memory-request-in-millibytes",
        variant(resources={"requests": {"cpu": "300m", "memory": "1024m"}}),
        "resources.requests.memory",
        "reads as thousandths of a byte; did you mean 1024Mi?",
    ),
    case(
        "vpa-max-memory-without-unit",
        variant(resources={"vpa": {"maxAllowed": {"cpu": "750m", "memory": "2048"}}}),
        "resources.vpa.maxAllowed.memory",
        "did you mean 2048Mi?",
    ),
    case(
        "gomemlimit-without-unit",
        variant(resources={"vpa": {"enabled": False}, "gomemlimit": 1200}),
        "resources.gomemlimit",
        "is 1200, which the Go runtime reads as bytes; did you mean 1200MiB?",
    ),
    case("storage-size-without-unit", variant(storage={"size": 20}), "storage.size", "did you mean 20Gi?"),
    case("gogc-out-of-range", variant(resources={"gogc": 5}), "resources.gogc", "greater than or equal to 10"),
    case("quantity-malformed", variant(storage={"size": "20GB"}), "storage.size", "is not a Kubernetes quantity"),
    case(
        "quantity-trailing-newline", variant(storage={"size": "20Gi\n"}), "storage.size", "is not a Kubernetes quantity"
    ),
    case(
        "storage-class-not-a-name",
        variant(storage={"storageClass": 'fast"\n---\nkind: ConfigMap'}),
        "storage.storageClass",
        "is not a Kubernetes object name; use at most 253 lower-case letters, digits, '-' and '.'",
    ),
    case("strategy-unknown", variant(strategy="BlueGreen"), "strategy", "'Recreate' or 'RollingUpdate'"),
    case(
        "cpu-as-a-decimal",
        variant(resources={"requests": {"cpu": "0.25", "memory": "1Gi"}}),
        "resources.requests.cpu",
        'is a decimal number of CPUs; write it in millicores, like "250m"',
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
