"""tools/bcrypt_benchmark.py reads each login's cost from the stack file; its timings are the machine's own.

Run on the frozen example stacks (tests/fixtures): the shipped ones are a team's to edit."""

from __future__ import annotations

import pytest

from tests.harness import FIXTURES
from tools import bcrypt_benchmark


@pytest.fixture(autouse=True)
def example_stacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bcrypt_benchmark, "ROOT", FIXTURES)


def test_costs_come_from_the_stack_file_with_the_defaults() -> None:
    assert bcrypt_benchmark.costs("prod") == {"admin": 10, "reader": 10, "metrics": 10, "node-pull": 5}
    assert bcrypt_benchmark.costs("dev") == {}


def test_a_run_prints_each_login_and_the_cost_of_an_image_pull(capsys: pytest.CaptureFixture[str]) -> None:
    assert bcrypt_benchmark.main(["prod", "--layers", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Machine: ")
    assert "an image of 3 layers is about 5 checked requests" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("node-pull", "admin"))]
    assert [row[:2] for row in rows] == [["node-pull", "5"], ["admin", "10"]]
    # Each pull costs its requests times one verification.
    for row in rows:
        assert float(row[4]) == pytest.approx(float(row[2]) * 5, abs=1)
