"""`dashboard`: where the Grafana dashboard goes and how it is labelled (components/settings/dashboard.py)."""

from __future__ import annotations

from tests.settings.configs import SCRAPED, case, invalid_config_test, variant

INVALID = [
    case(
        "dashboard-label-the-program-sets",
        variant(metrics=SCRAPED, dashboard={"labels": {"app.kubernetes.io/managed-by": "grafana"}}),
        'dashboard.labels["app.kubernetes.io/managed-by"]',
        "is a label the program sets itself",
    ),
    case(
        "dashboard-without-metrics",
        variant(dashboard={"enabled": True}),
        "dashboard.enabled",
        "needs metrics.enabled: true",
    ),
    case(
        "dashboard-giant-swarm-label-without-organization",
        variant(metrics=SCRAPED, dashboard={"labels": {"app.giantswarm.io/kind": "dashboard"}}),
        'dashboard.labels["app.giantswarm.io/kind"]',
        "set organization: <GrafanaOrganization display name>",
    ),
    case(
        "dashboard-folder-without-organization",
        variant(metrics=SCRAPED, dashboard={"folder": "platform/registries"}),
        "dashboard.folder",
        "set organization",
    ),
    case(
        "dashboard-no-label-no-organization",
        variant(metrics=SCRAPED, dashboard={"labels": {}}),
        "dashboard.labels",
        "no Grafana would load the dashboard",
    ),
    case(
        "dashboard-label-value",
        variant(metrics=SCRAPED, dashboard={"labels": {"grafana_dashboard": "yes please"}}),
        "dashboard.labels.grafana_dashboard",
        "is not a label value",
    ),
    case(
        "dashboard-label-key",
        variant(metrics=SCRAPED, dashboard={"labels": {"grafana dashboard": "1"}}),
        'dashboard.labels["grafana dashboard"]',
        "is not an annotation key",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
