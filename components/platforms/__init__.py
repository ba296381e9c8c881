"""Platforms: each turns the plan into the Kubernetes objects that install zot (app, flux, helm), plus what every
platform adds beside them (alerts, dashboard)."""

# On every object the program creates; applied last, so a user's labels cannot take it over.
MANAGED_BY = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "zot-cache"}
