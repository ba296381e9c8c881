"""README.md and docs/: links that land, tables that render, and commands a reader can paste as they are."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from tests.docs import PAGES
from tests.harness import ROOT

LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
# Pulumi commands that act on one stack: without --stack they act on whichever stack was selected last.
STACK_COMMANDS = re.compile(r"\bpulumi (?:up|preview|destroy|refresh|import|config set|stack output|stack export)\b")


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def outside_code(text: str) -> str:
    """The page with fenced code blocks blanked (keeping line numbers): a `#` there is a shell comment."""
    return re.sub(r"(?ms)^```.*?^```", lambda block: "\n" * block.group().count("\n"), text)


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces as hyphens, and a
    -1, -2 suffix on repeats."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in re.findall(r"(?m)^#{1,6} (.+)$", outside_code(page.read_text())):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return found


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_link_lands(page: Path) -> None:
    broken = []
    for match in LINK.finditer(outside_code(page.read_text())):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue  # an address on the web: not checked offline
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {name(linked)}")
    assert not broken, f"{name(page)}: " + "; ".join(broken)


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_no_table_is_broken_by_a_blank_line(page: Path) -> None:
    lines = outside_code(page.read_text()).splitlines()
    broken = [
        number + 1
        for number in range(2, len(lines))
        if lines[number].startswith("|") and not lines[number - 1].strip() and lines[number - 2].startswith("|")
    ]
    assert not broken, f"{name(page)}: table rows after a blank line on lines {broken} render as text"


def commands(text: str) -> list[str]:
    """The commands a reader may paste: every line of a fenced block, and each inline `pulumi ...` span that gives
    the command an argument (a bare `pulumi up --refresh` in prose names the command, it is not one to run)."""
    blocks = re.findall(r"(?ms)^```[^\n]*\n(.*?)^```", text)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    spans = re.findall(r"`([^`]+)`", outside_code(text).replace("\n", " "))
    return [*lines, *(span for span in spans if any(not word.startswith("--") for word in span.split()[3:]))]


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_stack_command_names_its_stack(page: Path) -> None:
    missing = [
        command.strip()
        for command in commands(page.read_text())
        if STACK_COMMANDS.search(command) and "--stack" not in command
    ]
    assert not missing, f"{name(page)}: add --stack to: {missing}"


def test_readme_opens_with_the_two_commands_and_the_quick_start() -> None:
    """What it is, how to run it and how to test it, and the quick start, on the first screen."""
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:70])
    assert "pulumi up --stack" in first_screen
    assert "make check" in first_screen
    assert "## Quick start" in first_screen


# Giant Swarm's words a team new to it meets on the first pages: (how the text uses it, its bold definition).
GIANT_SWARM_WORDS = {
    "App CR": (r"\bApp`? CRs?\b|\b[Aa]n? App\b", r"\*\*App CR\*\*"),
    "management cluster": (r"management clusters?\b", r"\*\*management cluster\*\*"),
    "workload cluster": (r"workload clusters?\b", r"\*\*workload clusters?\*\*"),
    "org-<organization>": (r"\borg-[<a-z]", r"\*\*`org-<organization>`\*\*"),
    "the tutorial": (r"\btutorial\b", r"\*\*the tutorial\*\*"),
}


TUTORIAL_URL = "https://docs.giantswarm.io/tutorials/registry/zot/"


LATER_PAGES = [page for page in PAGES if page.name not in ("README.md", "getting-started.md")]


@pytest.mark.parametrize("page", LATER_PAGES, ids=name)
def test_later_pages_link_the_tutorial_where_they_first_name_it(page: Path) -> None:
    """A reader may land on any page: its first mention of the tutorial is a link to it."""
    text = outside_code(page.read_text())
    first = re.search(r"\btutorial\b", text)
    if first is not None:
        link = re.compile(r"\[[^\]]*\btutorial\b[^\]]*\]\(" + re.escape(TUTORIAL_URL) + r"\)")
        linked = link.search(text)
        where = f"{page.name}: first names the tutorial at character {first.start()} without linking {TUTORIAL_URL}"
        assert linked is not None, where
        assert linked.start() <= first.start() <= linked.end(), where


@pytest.mark.parametrize("name", ["README.md", "docs/getting-started.md"])
def test_giant_swarm_words_are_explained_where_first_used(name: str) -> None:
    """Each word used on the page is defined (in bold) in the paragraph or list where it first appears."""
    text = outside_code((ROOT / name).read_text())
    late = []
    for word, (use, definition) in GIANT_SWARM_WORDS.items():
        first = re.search(use, text)
        if first is None:
            continue
        defined = re.search(definition, text)
        if defined is None or first.start() < text.rfind("\n\n", 0, defined.start()):
            late.append(f"{word} (first used at character {first.start()})")
    assert not late, f"{name}: used before its explanation: {', '.join(late)}"
