"""The daemon helpers' promises: containerd without root is skipped with the reason (never silently), and is a
failure where ZOT_CACHE_REQUIRE_TOOLS=1; a node-port test gets a port in Kubernetes' node-port range."""

from __future__ import annotations

import os
import shutil

import pytest

from tests import daemons


@pytest.fixture
def without_root_or_sudo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(shutil, "which", lambda name: None)


@pytest.mark.usefixtures("without_root_or_sudo")
def test_without_root_containerd_tests_skip_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZOT_CACHE_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="containerd needs root"):
        daemons.root_command()


@pytest.mark.usefixtures("without_root_or_sudo")
def test_without_root_containerd_tests_fail_where_tools_are_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZOT_CACHE_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match=r"containerd needs root.*requires it"):
        daemons.root_command()


def test_as_root_nothing_is_prefixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert daemons.root_command() == []


def test_node_port_is_in_the_node_port_range() -> None:
    assert daemons.free_port(daemons.NODE_PORTS) in range(30000, 32768)


def test_a_node_port_is_handed_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fixtures pick ports before their daemons bind them: two picks must not collide."""
    monkeypatch.setattr(daemons, "_handed_out", set())
    port = daemons.free_port()
    ports = range(port, port + 1)
    assert daemons.free_port(ports) == port
    with pytest.raises(AssertionError, match="no free port"):
        daemons.free_port(ports)
