"""The ZotRegistry component: settings → one plan (zot config, chart values, fingerprints) → the chosen platform."""

from __future__ import annotations

import pulumi

from components.builders import advice
from components.builders.plan import build_plan
from components.builders.stack_keys import StackKeys
from components.platforms import alerts, app, flux, helm, service_monitor
from components.platforms.dashboard import deploy_dashboard
from components.platforms.deployed import Deployed
from components.settings import Settings
from components.stack_config import with_stack

PLATFORMS = {"app": app.deploy, "flux": flux.deploy, "helm": helm.deploy}


class ZotRegistry(pulumi.ComponentResource):
    """Every platform gets the same plan; only the resources that install the chart differ between them."""

    zot_config: pulumi.Input[str]
    secret_fingerprints: dict[str, dict[str, str]]
    deployed: Deployed

    def __init__(
        self,
        name: str,
        settings: Settings,
        keys: StackKeys | None,
        stack: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("zot-cache:index:ZotRegistry", name, None, opts)
        for warning in advice.warnings(settings):
            pulumi.log.warn(with_stack(warning, stack), resource=self)
        plan = build_plan(settings, keys)
        self.zot_config = pulumi.Output.secret(plan.zot_config) if plan.config_is_secret else plan.zot_config
        self.secret_fingerprints = plan.fingerprints
        self.deployed = PLATFORMS[settings.platform](name, settings, plan, pulumi.ResourceOptions(parent=self))
        beside = pulumi.ResourceOptions(parent=self, depends_on=list(self.deployed.namespace_ready))
        service_monitor.deploy(name, settings, beside)
        deploy_dashboard(name, settings, pulumi.ResourceOptions(parent=self))
        alerts.deploy(name, settings, beside)
        self.register_outputs(
            {
                "installer": self.deployed.installer,
                "zotConfig": self.zot_config,
                "secretFingerprints": self.secret_fingerprints,
            }
        )
