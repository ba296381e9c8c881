"""After a pull-request preview: name the commit in the preview's comment, or say there that the preview failed.

pulumi/actions posts (and on later pushes edits) one comment per stack, but names no commit, and when a preview
fails it never reaches its comment step: the previous commit's diff would stay, looking current. This step runs
either way (`if: always()`): on success it adds the commit under the heading; otherwise it replaces the diff with
a failure notice for that commit, keeping the heading and summary by which pulumi/actions finds the comment again.

`python -m tools.pr_comment`, configured by the environment the workflow sets (see `main`). Standard library
only: it must run even when installing the program failed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What pulumi/actions v7.0.0 (src/libs/pr.ts) writes, and how it finds its comment again: heading and summary.
SUMMARY = "<summary>Pulumi report</summary>"
STATUS = "<!-- zot-cache: commit -->"


def project_name(root: Path = ROOT) -> str:
    match = re.search(r"^name:\s*(\S+)", (root / "Pulumi.yaml").read_text(), flags=re.MULTILINE)
    if match is None:
        raise ValueError("Pulumi.yaml has no name")
    return match[1]


def heading(project: str, stack: str) -> str:
    return f"#### :tropical_drink: `preview` on {project}/{stack}"


def find(comments: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    """The workflow's own comment: written by a bot (the job's token), never a look-alike a person posted."""
    return next(
        (
            c
            for c in comments
            if c.get("user", {}).get("type") == "Bot" and c["body"].startswith(title) and SUMMARY in c["body"]
        ),
        None,
    )


def commit(head: str, merge: str) -> str:
    """What a pull-request run previews: GitHub's merge of the head commit into the base branch."""
    return f"{head} (merged into the base branch as {merge})"


def succeeded(body: str, title: str, described: str, run_url: str) -> str:
    """The action's comment with the commit it describes under the heading (an earlier such line replaced)."""
    rest = body[len(title) :]
    rest = re.sub(rf"\n\n{re.escape(STATUS)}[^\n]*", "", rest)
    return f"{title}\n\n{STATUS} Preview of commit {described} ([run]({run_url})).{rest}"


def failed(title: str, described: str, run_url: str) -> str:
    return (
        f"{title}\n\n{STATUS} :x: **The preview of commit {described} failed**: see [the run]({run_url}). The diff "
        "that was here described an earlier commit and was removed, so that nobody approves it by mistake.\n\n"
        f"<details>\n{SUMMARY}\n\nNo diff: the preview failed.\n</details>\n"
    )


class GitHub:
    """The three REST calls needed, with the job's token."""

    def __init__(self, api: str, repository: str, token: str) -> None:
        self.base = f"{api}/repos/{repository}"
        self.token = token

    def _call(self, method: str, path: str, payload: dict[str, str] | None = None) -> Any:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def comments(self, number: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while batch := self._call("GET", f"/issues/{number}/comments?per_page=100&page={page}"):
            found.extend(batch)
            page += 1
        return found

    def edit(self, comment_id: int, body: str) -> None:
        self._call("PATCH", f"/issues/comments/{comment_id}", {"body": body})

    def create(self, number: int, body: str) -> None:
        self._call("POST", f"/issues/{number}/comments", {"body": body})


def main(env: Mapping[str, str] = os.environ) -> int:
    """Reads STACK, OUTCOME (the pulumi step's outcome), PR_NUMBER, HEAD_SHA, MERGE_SHA, RUN_URL, GITHUB_TOKEN,
    and the runner's GITHUB_API_URL and GITHUB_REPOSITORY."""
    github = GitHub(env["GITHUB_API_URL"], env["GITHUB_REPOSITORY"], env["GITHUB_TOKEN"])
    number, sha, run_url = int(env["PR_NUMBER"]), commit(env["HEAD_SHA"], env["MERGE_SHA"]), env["RUN_URL"]
    title = heading(project_name(), env["STACK"])
    comment = find(github.comments(number), title)
    if env["OUTCOME"] == "success":
        if comment is None:
            print("::warning::pulumi/actions left no preview comment to mark with the commit")
            return 0
        github.edit(comment["id"], succeeded(comment["body"], title, sha, run_url))
    elif comment is None:
        github.create(number, failed(title, sha, run_url))
    else:
        github.edit(comment["id"], failed(title, sha, run_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
