"""Go durations, Kubernetes quantities and Go memory sizes: parsed here so settings can compare them."""

from __future__ import annotations

import re
from decimal import Decimal

_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_GO_DURATION_UNITS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}


def parse_go_duration(text: str) -> Decimal:
    """Seconds in a Go duration string, the only duration form zot's loader accepts."""
    if text == "0":
        return Decimal(0)
    pos = 0
    total = Decimal(0)
    while pos < len(text):
        match = _GO_DURATION_PART.match(text, pos)
        if match is None:
            break
        total += Decimal(match.group(1)) * _GO_DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        hint = " (Go has no 'd' unit: write 24h for a day)" if re.search(r"\dd", text) else ""
        raise ValueError(
            f"{text!r} is not a Go duration{hint}; use a number with a unit ns, us, ms, s, m or h, "
            'like "90s", "5m" or "1h30m"'
        )
    return total


# fullmatch, not `$`: that also matches before a trailing newline, and the chart writes quantities raw.
_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
_QUANTITY_FACTORS: dict[str | None, Decimal] = {
    None: Decimal(1),
    "m": Decimal("0.001"),
    **{prefix: Decimal(1000) ** power for power, prefix in enumerate("kMGTPE", start=1)},
    **{f"{prefix}i": Decimal(1024) ** power for power, prefix in enumerate("KMGTPE", start=1)},
}


def parse_quantity(text: str) -> Decimal:
    """Value of a Kubernetes quantity ("500m" cores, "1536Mi" bytes)."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f'{text!r} is not a Kubernetes quantity; write it like "500m" (CPU) or "1536Mi" (memory)')
    return Decimal(match.group(1)) * _QUANTITY_FACTORS[match.group(2)]


_GO_MEMORY = re.compile(r"^(\d+)(B|KiB|MiB|GiB|TiB)?$")
_GO_MEMORY_FACTORS = {None: 1, "B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def parse_go_memory(text: str) -> int:
    """Bytes in a GOMEMLIMIT value; the Go runtime takes whole numbers with B/KiB/MiB/GiB/TiB."""
    match = _GO_MEMORY.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a GOMEMLIMIT value; the Go runtime takes a whole number with B, KiB, MiB, "
            'GiB or TiB, like "800MiB" (note: MiB, not the Kubernetes Mi)'
        )
    return int(match.group(1)) * _GO_MEMORY_FACTORS[match.group(2)]


def go_memory_fraction(limit: str, fraction: Decimal) -> str:
    """GOMEMLIMIT as a whole number of MiB: a share of a Kubernetes memory limit, rounded down."""
    mib = int(parse_quantity(limit) * fraction / _GO_MEMORY_FACTORS["MiB"])
    return f"{mib}MiB"
