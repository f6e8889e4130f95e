"""The GitHub side of the gate: a local HTTP server answering in GitHub's documented shapes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from designgate.cli.main import cli
from designgate.gate.github import GitHub, GitHubError
from designgate.gate.reviews import ReviewDataError, from_event
from github_sim import json_handler
from gitrepo import GitRepo

Reply = tuple[int, dict[str, str], Any]


class FakeGitHub:
    """Routes ``METHOD /path?query`` to scripted replies; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Callable[[dict[str, Any]], Reply]] = {}
        self.requests: list[dict[str, Any]] = []
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on(self, route: str, *replies: Reply) -> None:
        """Replies in order; the last one repeats."""
        self.routes[route] = list(replies)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        def respond(method: str, path: str, body: Any, headers: Any) -> Reply:
            key = f"{method} {path}"
            self.requests.append({"route": key, "body": body,
                                  "auth": headers.get("Authorization")})
            replies = self.routes.get(key)
            if replies is None:
                return 404, {}, {"message": "Not Found"}
            if callable(replies):
                return replies(body)
            return replies.pop(0) if len(replies) > 1 else replies[0]

        return json_handler(respond)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    yield fake
    fake.close()


def client(fake: FakeGitHub, waits: list[float] | None = None) -> GitHub:
    out = waits if waits is not None else []
    return GitHub("t0ken", fake.url, sleep=out.append)


def review(n: int, state: str = "APPROVED", login: str = "rita") -> dict[str, Any]:
    return {"id": n, "user": {"login": login}, "body": f"review {n}", "state": state,
            "author_association": "MEMBER",
            "submitted_at": f"2026-03-02T10:{n % 60:02d}:00Z", "commit_id": "a" * 40,
            "html_url": f"https://github.com/acme/api/pull/7#pullrequestreview-{n}"}


REVIEWS = "GET /repos/acme/api/pulls/7/reviews?per_page=100"


def test_reviews_follow_every_page(gh: FakeGitHub) -> None:
    page2 = f"{gh.url}/repos/acme/api/pulls/7/reviews?per_page=100&page=2"
    gh.on(REVIEWS, (200, {"Link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
                    [review(i) for i in range(100)]))
    gh.on("GET /repos/acme/api/pulls/7/reviews?per_page=100&page=2",
          (200, {}, [review(100, "CHANGES_REQUESTED"), review(101, "COMMENTED")]))
    got = client(gh).pull_reviews("acme/api", 7)
    assert len(got) == 101  # COMMENTED is not a decision
    assert [r.body for r in got if r.state == "revise"] == ["review 100"]
    assert gh.requests[0]["auth"] == "Bearer t0ken"


def test_rate_limit_is_waited_out_then_retried(gh: FakeGitHub) -> None:
    limited = (403, {"x-ratelimit-remaining": "0", "retry-after": "7"},
               {"message": "API rate limit exceeded"})
    gh.on(REVIEWS, limited, (200, {}, [review(1)]))
    waits: list[float] = []
    assert len(client(gh, waits).pull_reviews("acme/api", 7)) == 1
    assert waits == [7.0]


def test_rate_limit_too_long_to_wait_is_a_clear_error(gh: FakeGitHub) -> None:
    gh.on(REVIEWS, (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},
                    {"message": "API rate limit exceeded"}))
    with pytest.raises(GitHubError, match=r"rate limit exhausted .* resets at 00:00:00 UTC"):
        client(gh).pull_reviews("acme/api", 7)


def test_bad_gateway_is_retried_a_bounded_number_of_times(gh: FakeGitHub) -> None:
    gh.on(REVIEWS, (502, {}, {"message": "Server Error"}), (502, {}, None), (200, {}, []))
    waits: list[float] = []
    assert client(gh, waits).pull_reviews("acme/api", 7) == []
    assert waits == [1.0, 2.0]
    gh.on(REVIEWS, (502, {}, {"message": "Server Error"}))
    waits.clear()
    with pytest.raises(GitHubError, match=r"failed GET /repos/acme/api/pulls/7/reviews \(502\) "
                                          r"after 4 attempts"):
        client(gh, waits).pull_reviews("acme/api", 7)
    assert len(waits) == 3


@pytest.mark.parametrize(("status", "message"), [
    (401, "GitHub rejected the token"),
    (403, "needs 'pull-requests: read'"),
    (404, "or the token cannot see it"),
])
def test_auth_and_missing_errors(gh: FakeGitHub, status: int, message: str) -> None:
    gh.on(REVIEWS, (status, {}, {"message": "nope"}))
    with pytest.raises(GitHubError, match=message):
        client(gh).pull_reviews("acme/api", 7)
    assert len(gh.requests) == 1  # never retried


def test_no_token_and_unreachable_host() -> None:
    with pytest.raises(GitHubError, match="GITHUB_TOKEN is not set"):
        GitHub.from_env({})
    dead = GitHub("t", "http://127.0.0.1:9", retries=1, sleep=lambda s: None)
    with pytest.raises(GitHubError, match=r"cannot reach 127\.0\.0\.1:9"):
        dead.pull_reviews("acme/api", 7)


def test_comment_is_created_once_then_updated(gh: FakeGitHub) -> None:
    comments = "GET /repos/acme/api/issues/7/comments?per_page=100"
    gh.on(comments, (200, {}, [{"id": 1, "body": "hello"}]))
    gh.on("POST /repos/acme/api/issues/7/comments", (201, {}, {"id": 2, "html_url": "u2"}))
    assert client(gh).upsert_comment("acme/api", 7, "<!-- m -->\nbody", "<!-- m -->") == "u2"
    gh.on(comments, (200, {}, [{"id": 1, "body": "hello"}, {"id": 2, "body": "<!-- m -->\nold"}]))
    gh.on("PATCH /repos/acme/api/issues/comments/2", (200, {}, {"id": 2, "html_url": "u2"}))
    assert client(gh).upsert_comment("acme/api", 7, "<!-- m -->\nnew", "<!-- m -->") == "u2"
    assert gh.requests[-1]["body"] == {"body": "<!-- m -->\nnew"}


def test_labels_leave_exactly_the_gate_state(gh: FakeGitHub) -> None:
    gh.on("GET /repos/acme/api/issues/7/labels?per_page=100",
          (200, {}, [{"name": "gate:revise"}, {"name": "backend"}]))
    gh.on("DELETE /repos/acme/api/issues/7/labels/gate%3Arevise", (200, {}, []))
    gh.on("POST /repos/acme/api/issues/7/labels", (200, {}, []))
    client(gh).set_gate_label("acme/api", 7, "gate:approved",
                              ["gate:revise", "gate:approved", "gate:escalated", "gate:halted"])
    assert [r["route"].split("?")[0] for r in gh.requests] == [
        "GET /repos/acme/api/issues/7/labels",
        "DELETE /repos/acme/api/issues/7/labels/gate%3Arevise",
        "POST /repos/acme/api/issues/7/labels"]
    assert gh.requests[-1]["body"] == {"labels": ["gate:approved"]}


# --- events -------------------------------------------------------------------------------


def event(kind: str, repo: GitRepo, base: str, head: str, *, draft: bool = False,
          review_state: str = "approved") -> dict[str, Any]:
    """A ``pull_request`` or ``pull_request_review`` payload, trimmed to documented fields."""
    pr = {"url": "https://api.github.com/repos/acme/api/pulls/7", "id": 1, "number": 7,
          "state": "open", "draft": draft, "title": "Design: tasks",
          "html_url": "https://github.com/acme/api/pull/7",
          "head": {"label": "acme:feature/design", "ref": "feature/design", "sha": head},
          "base": {"label": "acme:main", "ref": "main", "sha": base}, "merged": False}
    payload: dict[str, Any] = {"action": "submitted" if kind == "review" else "synchronize",
                               "number": 7, "pull_request": pr,
                               "repository": {"id": 9, "full_name": "acme/api",
                                              "name": "api", "owner": {"login": "acme"}},
                               "sender": {"login": "rita"}}
    if kind == "review":
        payload["review"] = {"id": 555, "user": {"login": "rita"}, "body": "ok",
                             "state": review_state, "commit_id": head,
                             "submitted_at": "2026-03-02T12:00:00Z",
                             "html_url": "https://github.com/acme/api/pull/7#r555"}
    return payload


def test_event_payloads(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "r")
    pr, reviews = from_event(event("review", repo, "b" * 40, "c" * 40))
    assert (pr.number, pr.repository, pr.base, pr.head, pr.draft) == (7, "acme/api", "b" * 40,
                                                                      "c" * 40, False)
    assert [(r.reviewer, r.state, r.commit) for r in reviews] == [("rita", "approve", "c" * 40)]
    pr, reviews = from_event(event("pr", repo, "b" * 40, "c" * 40, draft=True))
    assert pr.draft and reviews == []
    with pytest.raises(ReviewDataError, match="not a pull_request"):
        from_event({"push": {}})


def test_gate_in_a_pull_request_with_github(gh: FakeGitHub, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    base = repo.head()
    repo.branch("feature/design")
    c1 = repo.design_change("first")
    repo.review("CHANGES_REQUESTED", c1, body="needs 404")
    c2 = repo.design_change("404")
    repo.review("APPROVED", c2)
    gh.on(REVIEWS, (200, {}, repo.reviews))
    gh.on("GET /repos/acme/api/issues/7/events?per_page=100", (200, {}, []))
    gh.on("GET /repos/acme/api/issues/7/comments?per_page=100", (200, {}, []))
    gh.on("POST /repos/acme/api/issues/7/comments", (201, {}, {"id": 3, "html_url": "c3"}))
    gh.on("GET /repos/acme/api/issues/7/labels?per_page=100", (200, {}, []))
    gh.on("POST /repos/acme/api/issues/7/labels", (200, {}, []))
    ev = tmp_path / "event.json"
    ev.write_text(json.dumps(event("review", repo, base, c2)), encoding="utf-8")
    monkeypatch.chdir(repo.path)
    env = {"GITHUB_EVENT_PATH": str(ev), "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": gh.url}
    result = CliRunner().invoke(cli, ["gate", "status", "--github", "--comment", "--format",
                                      "json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["state"] == "approved" and data["cycles"]["used"] == 1
    assert data["pull_request"]["number"] == 7 and data["review_source"] == "GitHub API"
    posted = [r for r in gh.requests if r["route"].startswith("POST")]
    assert posted[0]["body"]["body"].startswith("<!-- designgate:gate -->\n## ✅ Design gate")
    assert posted[1]["body"] == {"labels": ["gate:approved"]}

    # a draft pull request with no reviews, from the event alone (no network)
    ev.write_text(json.dumps(event("pr", repo, base, c2, draft=True)), encoding="utf-8")
    before = len(gh.requests)
    result = CliRunner().invoke(cli, ["gate", "status", "--event", str(ev), "--format", "json"])
    assert json.loads(result.stdout)["state"] == "draft"
    assert len(gh.requests) == before


def test_tag_marks_a_merged_approved_pull_request_as_the_baseline(
        gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.branch("feature/design")
    head = repo.design_change("ready")
    repo.review("APPROVED", head, user="rita")
    repo.git("checkout", "-q", "main")
    repo.tick()
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7", "feature/design")
    merge = repo.head()
    gh.on(f"GET /repos/acme/api/commits/{merge}/pulls?per_page=100",
          (200, {}, [{"number": 7, "title": "Design: tasks", "merged_at": "2026-03-02T12:00:00Z",
                      "merge_commit_sha": merge, "head": {"sha": head}}]))
    gh.on(REVIEWS, (200, {}, repo.reviews))
    gh.on("GET /repos/acme/api/issues/7/events?per_page=100", (200, {}, []))
    gh.on("GET /repos/acme/api/issues/7/comments?per_page=100", (200, {}, []))
    gh.on("POST /repos/acme/api/git/tags", (201, {}, {"sha": "f" * 40}))
    gh.on("POST /repos/acme/api/git/refs", (201, {}, {"ref": "refs/tags/x"}))
    monkeypatch.chdir(repo.path)
    env = {"GITHUB_SHA": merge, "GITHUB_REPOSITORY": "acme/api", "GITHUB_TOKEN": "t",
           "GITHUB_API_URL": gh.url}
    result = CliRunner().invoke(cli, ["gate", "tag", "--github"], env=env)
    assert result.exit_code == 0, result.output
    assert "tagged designgate/approved/pr-7" in result.stdout
    tag_req = next(r for r in gh.requests if r["route"] == "POST /repos/acme/api/git/tags")
    assert tag_req["body"]["object"] == merge
    assert "Design-Gate-Reviewer: rita" in tag_req["body"]["message"]
    status = json.loads(CliRunner().invoke(cli, ["gate", "status", "--format", "json"]).stdout)
    assert status["baseline"]["source"] == "tag designgate/approved/pr-7"
    assert status["baseline"]["commit"] == merge and status["baseline"]["reviewers"] == ["rita"]
    # a pull request merged with a pending REVISE is no baseline
    gh.on(REVIEWS, (200, {}, [*repo.reviews, review(9, "CHANGES_REQUESTED", "sam")]))
    repo.git("tag", "-d", "designgate/approved/pr-7")
    result = CliRunner().invoke(cli, ["gate", "tag", "--github"], env=env)
    assert "was merged while the gate said 'revise (cycle 1 of 3)'" in result.stdout
    assert "no baseline tagged" in result.stdout
