"""Settings that work but do less than they seem to: said as warnings in every preview, not hidden."""

from __future__ import annotations

from components.access_rules import anonymous_private_reads
from components.chart_values import CHART_VERSION
from components.settings import Settings
from components.units import parse_quantity


def warnings(settings: Settings) -> list[str]:
    found = []
    if settings.strategy is not None and settings.storage.persistence:
        found.append(
            f"strategy {settings.strategy} has no effect: with storage.persistence the chart renders a StatefulSet, "
            "which ignores it (its pod is stopped before the new one starts, so the data volume lock is safe)"
        )
    if not settings.storage.persistence:
        found.append("storage.persistence is false: the cache lives in an emptyDir and is lost with every pod restart")
    if settings.app.version != CHART_VERSION:
        found.append(
            f"app.version {settings.app.version} differs from {CHART_VERSION}, the chart these values were checked "
            "against; review the chart's changes before rolling out"
        )
    resources = settings.resources
    if not resources.vpa.enabled and parse_quantity(resources.requests.memory) != parse_quantity(
        resources.limits.memory
    ):
        found.append(
            "fixed memory (vpa.enabled: false) works best with requests.memory equal to limits.memory, so the "
            "scheduler reserves what GOMEMLIMIT assumes"
        )
    if settings.zot.search or settings.zot.ui:
        found.append("zot search/ui are on: they need much more memory; raise the memory limit or VPA maxAllowed")
    metrics = settings.metrics
    if metrics.enabled and not metrics.scrape_user and settings.access_control.configured and settings.ingress.enabled:
        found.append(
            "/metrics is readable without credentials, also through the ingress; set metrics.scrapeUser "
            "to a user with a password so only the ServiceMonitor can read it"
        )
    found.extend(anonymous_private_reads(settings))
    if settings.render_yaml_to_directory:
        found.append(
            f"render mode: manifests go to {settings.render_yaml_to_directory} and nothing is deployed; Secrets are "
            "written there in clear text, so keep that directory out of git"
        )
    return found
