"""A stateful stand-in for GitHub's REST API, served over HTTP on localhost.

It answers the routes the gate uses, in GitHub's documented shapes, from its own state: one
pull request's reviews, issue events, comments and labels; merged pulls and tags; and git
objects (``git/commits``, ``git/trees``, ``compare``) from a real repository that keeps every
commit ever pushed, as GitHub does after a force-push. Lists are paginated 100 at a time with
``Link`` headers; ``fail`` makes a route answer an error.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = "acme/api"
BOT = "github-actions[bot]"


class GitHubSim:
    def __init__(self, storage: Path, number: int = 7, author: str = "paula") -> None:
        self.storage = storage  # a git repository holding every commit
        self.number = number
        self.author = author
        self.reviews: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.labels: list[str] = []
        self.pulls: dict[int, dict[str, Any]] = {}
        self.commit_pulls: dict[str, list[dict[str, Any]]] = {}
        self.tags: list[dict[str, Any]] = []
        self.teams: dict[str, list[str]] = {}  # "org/slug" → logins (absent: 403)
        self.fail: dict[str, tuple[int, dict[str, str]]] = {}  # route prefix → status
        self.requests: list[str] = []
        self._ids = iter(range(5000, 10**6))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what happens on the pull request -------------------------------------------------

    def review(self, state: str, commit: str, user: str, when: str, body: str = "",
               association: str = "MEMBER") -> dict[str, Any]:
        n = next(self._ids)
        item = {"id": n, "node_id": f"PRR_{n}",
                "user": {"login": user, "id": n, "type": "User"} if user else None,
                "body": body, "state": state, "commit_id": commit, "submitted_at": when,
                "author_association": association,
                "html_url": f"https://github.com/{REPO}/pull/{self.number}"
                            f"#pullrequestreview-{n}"}
        self.reviews.append(item)
        return item

    def dismiss(self, review: dict[str, Any], when: str, head: str, by: str = "mia") -> None:
        """What GitHub does: the review's state becomes DISMISSED, an event keeps the rest."""
        before = {"APPROVED": "approved", "CHANGES_REQUESTED": "changes_requested"}.get(
            review["state"], "commented")
        review["state"] = "DISMISSED"
        self.events.append({"id": next(self._ids), "event": "review_dismissed",
                            "actor": {"login": by}, "created_at": when,
                            "dismissed_review": {"state": before, "review_id": review["id"],
                                                 "dismissal_message": "outdated",
                                                 "dismissal_commit_id": head}})

    def comment(self, user: str, body: str, when: str, association: str = "MEMBER",
                kind: str = "User") -> dict[str, Any]:
        n = next(self._ids)
        item = {"id": n, "user": {"login": user, "type": kind}, "body": body,
                "author_association": association, "created_at": when, "updated_at": when,
                "html_url": f"https://github.com/{REPO}/pull/{self.number}#issuecomment-{n}"}
        self.comments.append(item)
        return item

    def gate_comments(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["user"]["login"] == BOT]

    # --- HTTP ---------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        def respond(method: str, raw: str, body: Any,
                    _headers: Any) -> tuple[int, dict[str, str], Any]:
            url = urllib.parse.urlsplit(raw)
            route = f"{method} {url.path}"
            self.requests.append(route)
            return self.answer(route, dict(urllib.parse.parse_qsl(url.query)), body)

        return json_handler(respond)

    def answer(self, route: str, query: dict[str, str],
               body: Any) -> tuple[int, dict[str, str], Any]:
        for prefix, (status, headers) in self.fail.items():
            if route.startswith(prefix):
                return status, headers, {"message": f"simulated {status}"}
        pr = f"/repos/{REPO}/pulls/{self.number}"
        issue = f"/repos/{REPO}/issues/{self.number}"
        method, path = route.split(" ", 1)
        if route == f"GET {pr}/reviews":
            return self._page(path, query, self.reviews)
        if route == f"GET {issue}/events":
            return self._page(path, query, self.events)
        if route == f"GET {issue}/comments":
            return self._page(path, query, self.comments)
        if method in ("POST", "PATCH") and "comments" in path and len(body["body"]) > 65536:
            return 422, {}, {"message": "Validation Failed: body is too long (maximum is "
                                        "65536 characters)"}
        if route == f"POST {issue}/comments":
            c = self.comment(BOT, body["body"], "2026-03-02T23:00:00Z", "NONE", "Bot")
            return 201, {}, c
        m = re.fullmatch(rf"PATCH /repos/{REPO}/issues/comments/(\d+)", route)
        if m:
            for c in self.comments:
                if c["id"] == int(m.group(1)):
                    c["body"] = body["body"]
                    return 200, {}, c
            return 404, {}, {"message": "Not Found"}
        if route == f"GET {issue}/labels":
            return self._page(path, query, [{"name": n} for n in self.labels])
        if route == f"POST {issue}/labels":
            self.labels += [n for n in body["labels"] if n not in self.labels]
            return 200, {}, [{"name": n} for n in self.labels]
        if method == "DELETE" and path.startswith(f"{issue}/labels/"):
            name = urllib.parse.unquote(path.rsplit("/", 1)[1])
            if name not in self.labels:
                return 404, {}, {"message": "Label does not exist"}
            self.labels.remove(name)
            return 200, {}, [{"name": n} for n in self.labels]
        m = re.fullmatch(rf"GET /repos/{REPO}/pulls/(\d+)", route)
        if m and int(m.group(1)) in self.pulls:
            return 200, {}, self.pulls[int(m.group(1))]
        m = re.fullmatch(rf"GET /repos/{REPO}/commits/([0-9a-f]{{40}})/pulls", route)
        if m:
            return self._page(path, query, self.commit_pulls.get(m.group(1), []))
        if route == f"POST /repos/{REPO}/git/tags":
            self.tags.append(body)
            return 201, {}, {"sha": "f" * 40, "tag": body["tag"]}
        if route == f"POST /repos/{REPO}/git/refs":
            return 201, {}, {"ref": body["ref"]}
        m = re.fullmatch(rf"GET /repos/{REPO}/git/commits/([0-9a-f]{{40}})", route)
        if m:
            tree = self._git("rev-parse", f"{m.group(1)}^{{tree}}")
            return (200, {}, {"sha": m.group(1), "tree": {"sha": tree.strip()}}) if tree \
                else (404, {}, {"message": "Not Found"})
        m = re.fullmatch(rf"GET /repos/{REPO}/git/trees/([0-9a-f]{{40}})", route)
        if m:
            out = self._git("ls-tree", "-z", m.group(1))
            entries = [{"path": e.split("\t", 1)[1], "type": e.split()[1],
                        "sha": e.split()[2]} for e in out.split("\0") if "\t" in e]
            return 200, {}, {"sha": m.group(1), "tree": entries}
        m = re.fullmatch(rf"GET /repos/{REPO}/compare/([0-9a-f]{{40}})\.\.\.([0-9a-f]{{40}})",
                         route)
        if m:
            return 200, {}, {"files": self._compare(m.group(1), m.group(2))}
        m = re.fullmatch(r"GET /orgs/([^/]+)/teams/([^/]+)/members", route)
        if m:
            key = f"{m.group(1)}/{m.group(2)}"
            if key not in self.teams:
                return 403, {}, {"message": "Resource not accessible by integration"}
            return self._page(path, query, [{"login": x} for x in self.teams[key]])
        return 404, {}, {"message": "Not Found"}

    def _page(self, path: str, query: dict[str, str],
              items: list[Any]) -> tuple[int, dict[str, str], Any]:
        per = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = items[(page - 1) * per:page * per]
        headers = {}
        if page * per < len(items):
            nxt = f"{self.url}{path}?per_page={per}&page={page + 1}"
            headers["Link"] = f'<{nxt}>; rel="next"'
        return 200, headers, chunk

    def _git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.storage, capture_output=True, text=True,
                              check=False)
        return proc.stdout if proc.returncode == 0 else ""

    def _compare(self, base: str, head: str) -> list[dict[str, Any]]:
        fork = self._git("merge-base", base, head).strip()
        out = self._git("diff", "--raw", "-z", "--no-abbrev", "-M", fork, head)
        parts = iter(out.split("\0"))
        files = []
        status_names = {"A": "added", "D": "removed", "M": "modified", "R": "renamed"}
        for meta in parts:
            if not meta.startswith(":"):
                continue
            fields = meta[1:].split()
            kind = fields[4][0]
            first = next(parts)
            item: dict[str, Any] = {"status": status_names.get(kind, "changed"),
                                    "sha": fields[3] if kind != "D" else fields[2]}
            if kind == "R":
                item["previous_filename"], item["filename"] = first, next(parts)
            else:
                item["filename"] = first
            files.append(item)
        return files


Responder = Callable[[str, str, Any, Any], tuple[int, dict[str, str], Any]]


def json_handler(respond: Responder) -> type[BaseHTTPRequestHandler]:
    """An HTTP handler answering JSON: ``respond(method, path with query, JSON body,
    request headers)``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            status, headers, data = respond(self.command, self.path, body, self.headers)
            raw = json.dumps(data).encode() if data is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    return Handler
