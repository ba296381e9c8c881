"""Which ServiceMonitor scrapes zot, what it selects, the labels it carries, and the tenants the rules read.

Both charts' ServiceMonitors select every Service with the chart's labels, and the headless Service the StatefulSet
needs carries the same ones (giantswarm/zot 2.9.0 templates/service.yaml and headless-service.yaml both use
`zot.labels`): every series would be scraped twice. Neither template renders labels of one's own (Giant Swarm's
values.yaml declares `metrics.serviceMonitor.additionalLabels`, but no template reads it), so a Prometheus that picks
ServiceMonitors by label (kube-prometheus-stack's `release`, Giant Swarm's tenant) cannot be made to pick theirs.

So wherever Pulumi talks to the cluster zot runs in, the program creates the ServiceMonitor itself and turns the
chart's off. With app.cluster it cannot (Pulumi talks to the management cluster): the chart's ServiceMonitor stays,
told by a relabeling to keep the main Service only, and on Giant Swarm its series go to the default tenant.
"""

from __future__ import annotations

from typing import Any

from components.builders.names import release_name, service_name
from components.builders.zot_config import METRICS_PATH
from components.settings import Settings
from components.settings.alerts import TENANT_LABEL

# Both charts name the Service port (and the container port) `zot`.
PORT = "zot"
# Keys of the Secret with the scrape login.
SCRAPE_USERNAME_KEY, SCRAPE_PASSWORD_KEY = "username", "password"
# Giant Swarm's Alloy sends the series of a ServiceMonitor without a tenant label, but with the chart's
# `application.giantswarm.io/team` label, to this tenant (observability-operator
# pkg/agent/collectors/metrics/templates/metrics.alloy.template L48-63: the `_legacy` component of the default tenant);
# one with the label to the tenant it names (L122-130). kubelet, cAdvisor and kube-state-metrics series are there too.
GIANT_SWARM_DEFAULT_TENANT = "giantswarm"
# Alloy's mimir.rules.kubernetes loads a PrometheusRule for the tenant of its tenant label and, with this annotation,
# as a federated rule group reading the tenants listed (grafana/alloy internal/component/mimir/rules/kubernetes/
# events.go, desiredStateFromKubernetes: rule.Annotations[AnnotationsSourceTenants], split at commas). Giant Swarm's
# docs ("Alert rules", tenant federation) show it as a label: a label too where its value can be one (one tenant).
SOURCE_TENANTS = "monitoring.grafana.com/source_tenants"


def program_scrapes(settings: Settings) -> bool:
    """The program's own ServiceMonitor, wherever Pulumi talks to the cluster zot runs in."""
    return settings.metrics.scraped and settings.app.cluster is None


def chart_scrapes(settings: Settings) -> bool:
    """The chart's ServiceMonitor: with a workload cluster, where the program can create nothing."""
    return settings.metrics.scraped and settings.app.cluster is not None


def main_service_only(settings: Settings) -> list[dict[str, Any]]:
    """Relabeling that drops the headless Service's targets: Prometheus Operator's endpoints discovery gives every
    target the `__meta_kubernetes_service_name` of the Service it came from, names the job after it and applies the
    endpoint's relabelings after its own (prometheus-operator pkg/prometheus/promcfg.go L2179-2183, L2212 at
    6adcebc5): the job the alerts and the dashboard select is the main Service's."""
    return [{"action": "keep", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": service_name(settings.app)}]


def selector_labels(settings: Settings) -> dict[str, str]:
    """Both charts' `zot.selectorLabels`, on the main and the headless Service alike."""
    return {"app.kubernetes.io/instance": release_name(settings.app), "app.kubernetes.io/name": "zot"}


def monitor_name(settings: Settings) -> str:
    """Not the chart's name: while an upgrade turns the chart's off, both exist for a moment."""
    return f"{service_name(settings.app)}-metrics"


def metrics_tenant(settings: Settings) -> str | None:
    """The Giant Swarm tenant zot's series land in; None where nothing says Giant Swarm's observability is there."""
    if chart_scrapes(settings):
        return GIANT_SWARM_DEFAULT_TENANT
    named = settings.metrics.service_monitor_labels.get(TENANT_LABEL) or settings.alerts.rule_labels.get(TENANT_LABEL)
    if named is None and settings.platform == "app":
        # The App CR means Giant Swarm: without a tenant of its own the series keep going where the chart's did.
        return GIANT_SWARM_DEFAULT_TENANT
    return named


def monitor_labels(settings: Settings) -> dict[str, str]:
    """metrics.serviceMonitorLabels, and on Giant Swarm the tenant label that routes the series (its docs, "Data
    ingestion": every ServiceMonitor needs one), the rules' tenant unless the labels name another."""
    tenant = metrics_tenant(settings)
    labels = {**({TENANT_LABEL: tenant} if tenant else {}), **settings.metrics.service_monitor_labels}
    return dict(sorted(labels.items()))


def service_monitor_spec(settings: Settings, login_secret: str | None) -> dict[str, Any]:
    """The program's ServiceMonitor: the main Service's `zot` port, zot's metrics path, the scrape login (a Secret
    with SCRAPE_USERNAME_KEY and SCRAPE_PASSWORD_KEY) when metrics.scrapeUser is set."""
    endpoint: dict[str, Any] = {"port": PORT, "path": METRICS_PATH, "relabelings": main_service_only(settings)}
    if login_secret is not None:
        endpoint["basicAuth"] = {
            "username": {"name": login_secret, "key": SCRAPE_USERNAME_KEY},
            "password": {"name": login_secret, "key": SCRAPE_PASSWORD_KEY},
        }
    return {
        "selector": {"matchLabels": selector_labels(settings)},
        "namespaceSelector": {"matchNames": [settings.app.namespace]},
        "endpoints": [endpoint],
    }


def source_tenants(settings: Settings) -> list[str]:
    """The tenants a Giant Swarm rule must read (empty off Giant Swarm: no tenant label on the rule): where zot's
    series land, and the default tenant with the kubelet's and kube-state-metrics' series."""
    if TENANT_LABEL not in settings.alerts.rule_labels:
        return []
    return sorted({GIANT_SWARM_DEFAULT_TENANT, metrics_tenant(settings) or GIANT_SWARM_DEFAULT_TENANT})


def rule_metadata(settings: Settings) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) of the PrometheusRule: alerts.ruleLabels, and the source tenants on Giant Swarm."""
    labels = dict(settings.alerts.rule_labels)
    tenants = source_tenants(settings)
    annotations = {SOURCE_TENANTS: ",".join(tenants)} if tenants else {}
    if len(tenants) == 1:
        labels.setdefault(SOURCE_TENANTS, tenants[0])
    return dict(sorted(labels.items())), annotations
