"""tools/pr_comment.py against a stand-in GitHub API on loopback: the commit is named, a failure replaces the diff."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools import pr_comment

TITLE = pr_comment.heading("zot-cache", "prod")
DIFF = f"{TITLE}\n\n<details>\n{pr_comment.SUMMARY}\n\n<pre>\n~ ConfigMap replace\n</pre>\n</details>"
BOT, PERSON = {"login": "github-actions[bot]", "type": "Bot"}, {"login": "someone", "type": "User"}
OTHER = {"id": 1, "body": "Looks good to me", "user": PERSON}
HEAD, MERGE, RUN = "0123abc", "4567def", "https://github.example/o/r/actions/runs/9"
SHA = pr_comment.commit(HEAD, MERGE)


class StandInGitHub(BaseHTTPRequestHandler):
    comments: list[dict[str, Any]]
    calls: list[tuple[str, str, Any]]

    def _reply(self, payload: Any) -> None:
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        assert self.headers["Authorization"] == "Bearer test-token"
        self.calls.append(("GET", self.path, None))
        page = int(self.path.rsplit("page=", 1)[1])
        self._reply(self.comments[(page - 1) * 100 : page * 100])

    def _write(self, method: str) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.calls.append((method, self.path, payload))
        self._reply({})

    def do_PATCH(self) -> None:
        self._write("PATCH")

    def do_POST(self) -> None:
        self._write("POST")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def github() -> Iterator[tuple[type[StandInGitHub], dict[str, str]]]:
    handler = type("Handler", (StandInGitHub,), {"comments": [], "calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    env = {
        "GITHUB_API_URL": f"http://127.0.0.1:{server.server_port}",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_TOKEN": "test-token",
        "PR_NUMBER": "7",
        "HEAD_SHA": HEAD,
        "MERGE_SHA": MERGE,
        "RUN_URL": RUN,
        "STACK": "prod",
    }
    try:
        yield handler, env
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def writes(handler: type[StandInGitHub]) -> list[tuple[str, str, Any]]:
    return [call for call in handler.calls if call[0] != "GET"]


def test_success_names_the_commit_under_the_heading(github: tuple[type[StandInGitHub], dict[str, str]]) -> None:
    handler, env = github
    # More than a page of comments: the preview's comment is on the second.
    # A person's look-alike comment is never the one edited.
    handler.comments = [OTHER] * 99 + [{"id": 3, "body": DIFF, "user": PERSON}, {"id": 42, "body": DIFF, "user": BOT}]
    assert pr_comment.main({**env, "OUTCOME": "success"}) == 0
    ((method, path, payload),) = writes(handler)
    assert (method, path) == ("PATCH", "/repos/o/r/issues/comments/42")
    assert payload["body"].startswith(f"{TITLE}\n\n{pr_comment.STATUS} Preview of commit {SHA} ([run]({RUN})).")
    assert HEAD in payload["body"]
    assert MERGE in payload["body"]
    assert payload["body"].endswith(DIFF[len(TITLE) :])
    # Marking twice keeps one commit line.
    again = pr_comment.succeeded(payload["body"], TITLE, "fedc987", RUN)
    assert again.count(pr_comment.STATUS) == 1
    assert "fedc987" in again
    assert SHA not in again


@pytest.mark.parametrize("outcome", ["failure", "skipped", "cancelled"])
def test_a_failed_preview_replaces_the_stale_diff(
    github: tuple[type[StandInGitHub], dict[str, str]], outcome: str
) -> None:
    handler, env = github
    handler.comments = [OTHER, {"id": 42, "body": DIFF, "user": BOT}]
    pr_comment.main({**env, "OUTCOME": outcome})
    ((method, path, payload),) = writes(handler)
    assert (method, path) == ("PATCH", "/repos/o/r/issues/comments/42")
    assert f"The preview of commit {SHA} failed" in payload["body"]
    assert "ConfigMap replace" not in payload["body"]
    # pulumi/actions finds the comment again by heading and summary, and replaces it on the next success.
    assert pr_comment.find([{"id": 42, "body": payload["body"], "user": BOT}], TITLE) is not None


def test_a_first_preview_that_fails_posts_the_notice(github: tuple[type[StandInGitHub], dict[str, str]]) -> None:
    handler, env = github
    handler.comments = [OTHER, {"id": 5, "body": DIFF.replace("/prod", "/dev"), "user": BOT}]
    pr_comment.main({**env, "OUTCOME": "failure"})
    ((method, path, payload),) = writes(handler)
    assert (method, path) == ("POST", "/repos/o/r/issues/7/comments")
    assert payload["body"].startswith(TITLE)


def test_the_heading_is_the_projects() -> None:
    assert pr_comment.heading(pr_comment.project_name(), "prod") == TITLE
