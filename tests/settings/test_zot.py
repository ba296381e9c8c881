"""`zot` and `metrics`: zot's own settings and who may scrape it (components/settings/zot.py)."""

from __future__ import annotations

from tests.settings.configs import BCRYPT_HASH, SCRAPED, admin, case, invalid_config_test, variant, with_users

INVALID = [
    # The program labels its own ServiceMonitor with these last: a user's value would vanish without a word.
    case(
        "service-monitor-label-managed-by",
        variant(metrics=SCRAPED | {"serviceMonitorLabels": {"app.kubernetes.io/managed-by": "argocd"}}),
        'metrics.serviceMonitorLabels["app.kubernetes.io/managed-by"]',
        "is a label the program sets itself on everything it creates (to 'pulumi'); remove it",
    ),
    case(
        "service-monitor-label-part-of",
        variant(metrics=SCRAPED | {"serviceMonitorLabels": {"app.kubernetes.io/part-of": "monitoring"}}),
        'metrics.serviceMonitorLabels["app.kubernetes.io/part-of"]',
        "is a label the program sets itself on everything it creates (to 'zot-cache')",
    ),
    case(
        "service-monitor-without-metrics",
        variant(metrics={"serviceMonitor": True}),
        "metrics.serviceMonitor",
        "set enabled: true",
    ),
    case(
        "service-monitor-labels-without-service-monitor",
        variant(metrics={"enabled": True, "serviceMonitorLabels": {"release": "kube-prometheus-stack"}}),
        "metrics.serviceMonitorLabels",
        "labels the ServiceMonitor; set serviceMonitor: true or remove them",
    ),
    case(
        "service-monitor-labels-on-a-workload-cluster",
        variant(
            app={"name": "zot", "cluster": {"name": "prod01", "organization": "platform"}},
            metrics=SCRAPED | {"serviceMonitorLabels": {"release": "kube-prometheus-stack"}},
        ),
        "metrics.serviceMonitorLabels",
        "cannot be applied: zot runs in workload cluster prod01, where Pulumi creates nothing",
    ),
    case(
        "service-monitor-label-value-invalid",
        variant(metrics=SCRAPED | {"serviceMonitorLabels": {"release": "kube prometheus"}}),
        "metrics.serviceMonitorLabels.release",
        "is not a label value",
    ),
    case(
        "scrape-user-undefined",
        with_users([admin()], metrics=SCRAPED | {"scrapeUser": "prometheus"}),
        "metrics.scrapeUser",
        "'prometheus' is not defined in users",
    ),
    case(
        "scrape-user-pre-hashed",
        with_users(
            [admin(), {"name": "prometheus", "htpasswd": BCRYPT_HASH}], metrics=SCRAPED | {"scrapeUser": "prometheus"}
        ),
        "metrics.scrapeUser",
        "needs a password, not a pre-hashed htpasswd",
    ),
    case(
        "scrape-user-without-service-monitor",
        with_users([admin()], metrics={"enabled": True, "scrapeUser": "admin"}),
        "metrics.scrapeUser",
        "set serviceMonitor: true or remove it",
    ),
    case(
        "write-timeout-too-short",
        variant(zot={"writeTimeout": "30s"}),
        "zot.writeTimeout",
        "use 30m or more (or 0s for none)",
    ),
    case("ui-without-search", variant(zot={"ui": True}), "zot.ui", "needs search: true"),
    case(
        "scrub-interval-below-2h",
        variant(zot={"scrub": {"enabled": True, "interval": "1h"}}),
        "zot.scrub.interval",
        "below zot's minimum of 2h",
    ),
    case(
        "log-level-unknown", variant(zot={"logLevel": "verbose"}), "zot.logLevel", "'debug', 'info', 'warn' or 'error'"
    ),
    case(
        "pod-security-standards-off",
        variant(app={"podSecurityStandardsEnforced": False}),
        "app.podSecurityStandardsEnforced",
        "removed in Kubernetes 1.25; keep it true",
    ),
]

test_invalid_config_names_the_key_and_the_fix = invalid_config_test(INVALID)
