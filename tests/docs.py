"""The user docs as the tests read them: README.md and the pages under docs/, which link to each other."""

from __future__ import annotations

from tests.harness import ROOT

PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])


def page(name: str) -> str:
    """One page by its path in the repository, like `docs/reference.md`."""
    return (ROOT / name).read_text()


def all_docs() -> str:
    """Every page, one after the other: for what must be documented somewhere."""
    return "\n".join(path.read_text() for path in PAGES)
