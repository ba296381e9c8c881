"""Platforms: each turns the plan into the Kubernetes objects that install zot (app, flux, helm), plus what every
platform adds beside them (alerts, dashboard)."""

from components.settings.common import MANAGED_BY

__all__ = ["MANAGED_BY"]
