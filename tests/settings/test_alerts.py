"""`alerts`: thresholds, durations and labels of the shipped alerting rules (components/settings/alerts.py)."""

from __future__ import annotations

from tests.settings.configs import SCRAPED, case, invalid_config_test, variant

INVALID = [
    # YAML's `true` is not 1: pydantic's lax mode would take it as one.
    case(
        "alerts-latency-a-bool",
        variant(metrics=SCRAPED, alerts={"latencySeconds": True}),
        "alerts.latencySeconds",
        "valid integer",
    ),
    case(
        "alerts-min-requests-a-bool",
        variant(metrics=SCRAPED, alerts={"minRequests": True}),
        "alerts.minRequests",
        "valid integer",
    ),
    case(
        "alerts-rule-label-the-program-sets",
        variant(metrics=SCRAPED, alerts={"ruleLabels": {"app.kubernetes.io/managed-by": "helm"}}),
        'alerts.ruleLabels["app.kubernetes.io/managed-by"]',
        "is a label the program sets itself on everything it creates (to 'pulumi')",
    ),
    case(
        "alerts-without-service-monitor",
        variant(alerts={"enabled": True}),
        "alerts.enabled",
        "needs metrics.enabled: true and metrics.serviceMonitor: true",
    ),
    case(
        "alerts-error-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"errorRatio": 5}),
        "alerts.errorRatio",
        "is 5; use a share between 0 and 1",
    ),
    case(
        "alerts-volume-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"volumeUsedRatio": 0}),
        "alerts.volumeUsedRatio",
        "is 0; use a share between 0 and 1",
    ),
    case(
        "alerts-not-found-ratio-out-of-range",
        variant(metrics=SCRAPED, alerts={"notFoundRatio": 1}),
        "alerts.notFoundRatio",
        "is 1; use a share between 0 and 1",
    ),
    case(
        "alerts-no-traffic-floor",
        variant(metrics=SCRAPED, alerts={"minRequests": 0}),
        "alerts.minRequests",
        "is 0; use 1 to 100000 requests in 10m",
    ),
    case(
        "alerts-latency-between-buckets",
        variant(metrics=SCRAPED, alerts={"latencySeconds": 3}),
        "alerts.latencySeconds",
        "is 3; use one of 1, 5, 30, 60: zot records whole seconds",
    ),
    case(
        "alerts-volume-horizon-too-long",
        variant(metrics=SCRAPED, alerts={"volumeFullWithin": "720h"}),
        "alerts.volumeFullWithin",
        "use between 1h and 168h",
    ),
    case(
        "alerts-volume-horizon-not-a-duration",
        variant(metrics=SCRAPED, alerts={"volumeFullWithin": "1d"}),
        "alerts.volumeFullWithin",
        "Go has no 'd' unit",
    ),
    case(
        "alerts-restarts-out-of-range",
        variant(metrics=SCRAPED, alerts={"restartsPerHour": 0}),
        "alerts.restartsPerHour",
        "is 0; use 1 to 100",
    ),
    case(
        "alerts-runbook-url-with-anchor",
        variant(metrics=SCRAPED, alerts={"runbookBaseUrl": "https://git.example.org/README.md#alerts"}),
        "alerts.runbookBaseUrl",
        "must not hold '#'",
    ),
    case(
        "alerts-severity-not-a-label-value",
        variant(metrics=SCRAPED, alerts={"severities": {"page": "wake me up"}}),
        "alerts.severities.page",
        "is not a label value; use at most 63 letters, digits",
    ),
    case(
        "alerts-workload-cluster-without-tenant",
        variant(
            metrics=SCRAPED,
            app={"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}},
            alerts={"enabled": True},
        ),
        "alerts.ruleLabels",
        "zot runs in workload cluster prod01, but Pulumi creates the PrometheusRule in the management cluster",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
