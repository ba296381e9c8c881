"""What to deploy, as plain data: every platform turns the same plan into its own resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.builders.chart_values import build_secret_values, build_values
from components.builders.fingerprints import secret_fingerprints
from components.builders.stack_keys import StackKeys
from components.builders.zot_config import config_holds_secret, render_zot_config
from components.settings import Settings


@dataclass(frozen=True)
class Plan:
    zot_config: str
    # config.json holds the Redis password: the zotConfig output is then a secret output.
    config_is_secret: bool
    # Giant Swarm chart values: what may be read (ConfigMap) and what may not (Secret).
    values: dict[str, Any]
    secret_values: dict[str, Any]
    fingerprints: dict[str, dict[str, str]]


def build_plan(settings: Settings, keys: StackKeys | None) -> Plan:
    zot_config = render_zot_config(settings, keys)
    return Plan(
        zot_config=zot_config,
        config_is_secret=config_holds_secret(settings),
        values=build_values(settings, zot_config),
        secret_values=build_secret_values(settings, keys),
        fingerprints=secret_fingerprints(settings, keys),
    )
