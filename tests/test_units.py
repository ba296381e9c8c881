"""Durations and quantities, parsed the way Go and Kubernetes read them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from components.settings.units import go_memory_fraction, parse_go_duration, parse_go_memory, parse_quantity


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", 0),
        ("0s", 0),
        ("90s", 90),
        ("5m", 300),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("500ms", Decimal("0.5")),
        ("168h", 604800),
    ],
)
def test_go_durations(text: str, seconds: Decimal) -> None:
    assert parse_go_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "1d", "5 minutes", "m", "-5m", "5M"])
def test_not_go_durations(text: str) -> None:
    with pytest.raises(ValueError, match="Go duration"):
        parse_go_duration(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", 2),
        ("1Ki", 1024),
        ("1k", 1000),
        ("1536Mi", 1536 * 2**20),
        ("2Gi", 2**31),
        ("1.5G", 1_500_000_000),
    ],
)
def test_quantities(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1.5.0", "12MB", "Mi", "-1Gi", "1 Gi"])
def test_not_quantities(text: str) -> None:
    with pytest.raises(ValueError, match="Kubernetes quantity"):
        parse_quantity(text)


def test_go_memory() -> None:
    assert parse_go_memory("800MiB") == 800 * 2**20
    assert parse_go_memory("1024") == 1024
    with pytest.raises(ValueError, match="MiB, not the Kubernetes Mi"):
        parse_go_memory("800Mi")


@pytest.mark.parametrize(
    ("limit", "expected"), [("1024Mi", "819MiB"), ("1536Mi", "1228MiB"), ("2Gi", "1638MiB"), ("1G", "762MiB")]
)
def test_eighty_percent_of_a_limit(limit: str, expected: str) -> None:
    assert go_memory_fraction(limit, Decimal("0.8")) == expected
