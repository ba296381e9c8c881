"""The Grafana dashboard ConfigMap: whether to ship it and the labels and annotations a Grafana picks it up by."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from components.settings.common import AnnotationKey, Issue, LabelValue, Model, program_label_issues
from components.settings.zot import Metrics

# The label the grafana helm chart's dashboard sidecar (kiwigrid k8s-sidecar) selects by default:
# sidecar.dashboards.label / labelValue.
SIDECAR_LABELS = {"grafana_dashboard": "1"}
# Giant Swarm's observability-operator provisions ConfigMaps with this label into the Grafana organization named by
# the organization annotation, in the folder named by the folder annotation.
GIANT_SWARM_KIND = ("app.giantswarm.io/kind", "dashboard")
GIANT_SWARM_ORGANIZATION = "observability.giantswarm.io/organization"
GIANT_SWARM_FOLDER = "observability.giantswarm.io/folder"


class Dashboard(Model):
    # None: on exactly when metrics.enabled (without metrics the panels would stay empty).
    enabled: bool | None = None
    labels: dict[AnnotationKey, LabelValue] = Field(default_factory=lambda: dict(SIDECAR_LABELS))
    organization: str | None = Field(default=None, min_length=1)
    folder: str | None = Field(default=None, min_length=1)
    annotations: dict[AnnotationKey, str] = Field(default_factory=dict)

    def shipped(self, metrics: Metrics) -> bool:
        return metrics.enabled if self.enabled is None else self.enabled

    def metadata_labels(self) -> dict[str, str]:
        """The labels, plus Giant Swarm's kind label when an organization is named."""
        kind = dict([GIANT_SWARM_KIND]) if self.organization is not None else {}
        return dict(sorted({**self.labels, **kind}.items()))

    def metadata_annotations(self) -> dict[str, str]:
        """The annotations, plus Giant Swarm's organization and folder when given."""
        giant_swarm = {GIANT_SWARM_ORGANIZATION: self.organization, GIANT_SWARM_FOLDER: self.folder}
        return dict(sorted({**self.annotations, **{k: v for k, v in giant_swarm.items() if v is not None}}.items()))

    def issues(self, metrics: Metrics) -> Iterator[Issue]:
        yield from program_label_issues("labels", self.labels)
        if self.enabled and not metrics.enabled:
            yield (("enabled",), "needs metrics.enabled: true, or every panel stays empty; enable metrics")
        key, value = GIANT_SWARM_KIND
        if self.labels.get(key) == value and self.organization is None:
            # observability-operator needs the organization to know where the dashboard goes.
            yield (
                ("labels", key),
                "marks the ConfigMap for Giant Swarm's observability-operator, which also needs the Grafana "
                "organization; remove this label and set organization: <GrafanaOrganization display name>",
            )
        if self.folder is not None and self.organization is None:
            yield (
                ("folder",),
                "is read by Giant Swarm's observability-operator, which needs organization too; set organization, "
                "or put your sidecar's folder annotation in annotations",
            )
        if self.labels == {} and self.organization is None:
            yield (
                ("labels",),
                "is empty and no organization is set, so no Grafana would load the dashboard; keep the default "
                '{grafana_dashboard: "1"}, set organization, or set enabled: false',
            )
