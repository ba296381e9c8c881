"""No config value can add objects to what the chart renders (security review: storageClassName injection).

The Giant Swarm chart writes some values raw into its templates (`storageClassName: "{{ ... }}"`). Those values are
validated for what they are, so they cannot carry YAML; the values that stay free are emitted by the chart with
`toYaml`, `quote` or `b64enc`, so they come back as they went in. Both halves are checked with real `helm template`.
"""

from __future__ import annotations

from typing import Any

from components.settings import Settings
from tests.helm import kinds_and_names, render, user_values
from tests.samples import everything, everything_settings

# Closes the quote, starts a new document with an object of its own, and swallows the rest of the template in a
# block scalar (the `#` turns the chart's closing quote into a comment). At most 72 bytes: it is a password too.
INJECTION = 'x"\n---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: injected}\nx: | #'


def hostile_base(**changes: Any) -> Settings:
    """Every option on, with a StatefulSet (PVC), a storage class and a ServiceMonitor login."""
    base = everything()
    return everything_settings(
        **{
            "storage": {"persistence": True, "size": "20Gi", "storageClass": "fast-ssd"},
            "metrics": {**base["metrics"], "scrapeUser": "admin"},
            **changes,
        }
    )


BASELINE = [
    ("ConfigMap", "zot-config"),
    ("Ingress", "zot"),
    ("Secret", "zot-secret"),
    ("Secret", "zot-sm-auth"),
    ("Service", "zot"),
    ("ServiceAccount", "zot"),
    ("ServiceMonitor", "zot"),
    ("StatefulSet", "zot"),
]


def test_baseline_objects() -> None:
    assert kinds_and_names(render(hostile_base())) == BASELINE


def test_the_render_sees_an_injection_that_bypasses_validation() -> None:
    """The finding, reproduced: built values patched past validation add an object of the attacker's choosing."""
    settings = hostile_base()
    values = user_values(settings)
    values["pvc"]["storageClassName"] = INJECTION
    objects = kinds_and_names(render(settings, values))
    assert ("ConfigMap", "injected") in objects
    assert len(objects) == len(BASELINE) + 1
