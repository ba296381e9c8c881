"""`app`, `flux`, `helm`: where the chart is installed, and by what (components/settings/target.py)."""

from __future__ import annotations

from tests.settings.configs import case, invalid_config_test, variant

INVALID = [
    case("app-name-not-dns-label", variant(app={"name": "Zot_Cache"}), "app.name", "is not a Kubernetes name"),
    case("app-name-trailing-newline", variant(app={"name": "zot\n"}), "app.name", "is not a Kubernetes name"),
    case(
        # app-operator's App names and Helm release names stop at 53 (giantswarm/app pkg/validation/app.go L34-36).
        "app-name-longer-than-a-release",
        variant(app={"name": "a" * 54}),
        "app.name",
        "is 54 characters; the App and the Helm release named after it allow at most 53",
    ),
    case(
        # Giant Swarm's App webhook: an in-cluster App targets its own namespace (pkg/validation/app.go L215-224).
        "in-cluster-app-targeting-another-namespace",
        variant(app={"namespace": "zot", "appNamespace": "platform-apps"}),
        "app.appNamespace",
        "'platform-apps' differs from app.namespace 'zot': Giant Swarm's App webhook refuses an in-cluster App",
    ),
    case("app-chart-not-a-name", variant(app={"chart": "zot chart"}), "app.chart", "is not a chart name"),
    case("app-version-not-semver", variant(app={"version": "v2.9"}), "app.version", "is not a chart version"),
    case(
        "app-catalog-not-a-name", variant(app={"catalog": "Giant Swarm"}), "app.catalog", "is not a Kubernetes object"
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
