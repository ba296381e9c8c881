"""Memory and CPU: VPA or fixed memory with Go GC tuning (the data volume is in storage.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from components.settings.common import GoMemory, Issue, MemoryQuantity, Model, Quantity
from components.settings.units import parse_go_memory, parse_quantity

_DECIMAL = re.compile(r"[0-9]*\.[0-9]+")


def _cpu(value: str) -> str:
    if _DECIMAL.fullmatch(value):
        # The chart writes the VPA's bounds unquoted: 0.5 arrives as a YAML float, which the VPA CRD (integer or
        # string quantities) refuses, and the install fails.
        millicores = Decimal(value) * 1000
        raise ValueError(f'is a decimal number of CPUs; write it in millicores, like "{millicores.normalize():f}m"')
    return value


class Amounts(Model):
    cpu: Annotated[Quantity, AfterValidator(_cpu)]
    memory: MemoryQuantity


class Vpa(Model):
    enabled: bool = True
    max_allowed: Amounts = Field(default_factory=lambda: Amounts(cpu="750m", memory="2048Mi"))


# Go runtime guidance for fixed memory (Giant Swarm chart README): GOGC 50, GOMEMLIMIT ~80% of the limit.
DEFAULT_GOGC = 50
GOMEMLIMIT_SHARE = Decimal("0.8")


class Resources(Model):
    requests: Amounts = Field(default_factory=lambda: Amounts(cpu="300m", memory="1024Mi"))
    limits: Amounts = Field(default_factory=lambda: Amounts(cpu="500m", memory="1536Mi"))
    vpa: Vpa = Field(default_factory=Vpa)
    gogc: int | None = Field(default=None, ge=10, le=100)
    gomemlimit: GoMemory | None = None

    def issues(self) -> Iterator[Issue]:
        for kind in ("cpu", "memory"):
            if parse_quantity(getattr(self.requests, kind)) > parse_quantity(getattr(self.limits, kind)):
                yield (("requests", kind), f"is above limits.{kind}; a request cannot exceed its limit")
            if self.vpa.enabled and parse_quantity(getattr(self.vpa.max_allowed, kind)) < parse_quantity(
                getattr(self.limits, kind)
            ):
                yield (
                    ("vpa", "maxAllowed", kind),
                    f"is below limits.{kind}; VPA could only shrink the pod. Set it at least to limits.{kind}",
                )
        if self.vpa.enabled and self.gomemlimit is not None:
            yield (
                ("gomemlimit",),
                "cannot be fixed while VPA moves the memory limit (GOMEMLIMIT would stay "
                "put); remove gomemlimit, or set vpa.enabled: false for fixed memory",
            )
        if self.gomemlimit is not None and parse_go_memory(self.gomemlimit) > parse_quantity(self.limits.memory):
            yield (
                ("gomemlimit",),
                f"is above limits.memory ({self.limits.memory}); the pod would be OOM-killed "
                "before Go collects; keep it about 80% of the limit",
            )
