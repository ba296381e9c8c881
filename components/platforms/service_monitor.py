"""The program's own ServiceMonitor and the Secret with its scrape login, beside the chart in zot's namespace, on
every platform where Pulumi talks to the cluster zot runs in (components/builders/service_monitor.py says why)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.builders.service_monitor import (
    SCRAPE_PASSWORD_KEY,
    SCRAPE_USERNAME_KEY,
    monitor_labels,
    monitor_name,
    program_scrapes,
    service_monitor_spec,
)
from components.platforms import MANAGED_BY
from components.settings import Settings

API_VERSION = "monitoring.coreos.com/v1"
KIND = "ServiceMonitor"


def deploy(name: str, settings: Settings, opts: pulumi.ResourceOptions) -> None:
    if not program_scrapes(settings):
        return
    namespace = settings.app.namespace
    login_secret = None
    scraper = settings.scrape_user
    if scraper is not None and scraper.password is not None:
        # Auto-named: Prometheus Operator reads the login by the name the ServiceMonitor gives.
        login_secret = k8s.core.v1.Secret(
            f"{name}-metrics-login",
            metadata=k8s.meta.v1.ObjectMetaArgs(namespace=namespace, labels=MANAGED_BY),
            type="Opaque",
            string_data={
                SCRAPE_USERNAME_KEY: scraper.name,
                SCRAPE_PASSWORD_KEY: pulumi.Output.secret(scraper.password.get_secret_value()),
            },
            opts=opts,
        ).metadata.name
    spec = (
        login_secret.apply(lambda secret: service_monitor_spec(settings, secret))
        if login_secret is not None
        else service_monitor_spec(settings, None)
    )
    k8s.apiextensions.CustomResource(
        f"{name}-service-monitor",
        api_version=API_VERSION,
        kind=KIND,
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=monitor_name(settings),
            namespace=namespace,
            labels={**monitor_labels(settings), **MANAGED_BY},
        ),
        spec=spec,
        opts=opts,
    )
