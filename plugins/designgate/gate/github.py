"""A small GitHub REST client (stdlib only): pull-request reviews, the gate comment, labels.

Used only when asked (``--github``). Every page is followed through the ``Link`` header;
rate limits (403/429 with ``x-ratelimit-remaining: 0`` or ``retry-after``) and 5xx answers are
retried a bounded number of times with bounded waits; everything else that fails becomes one
line saying what to do (:class:`GitHubError`).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designgate import __version__
from designgate.gate import reviews as rv
from designgate.gate.reviews import Review, from_api

API = "https://api.github.com"
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{40}$")
#: Who writes the gate comment with the workflow's token (override: DESIGNGATE_BOT_LOGIN).
BOT_LOGIN = "github-actions[bot]"
#: GitHub's limit on the body of a comment.
COMMENT_LIMIT = 65536


class GitHubError(Exception):
    """A GitHub API call failed for good; the message is one line."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when GitHub answered


@dataclass(slots=True)
class GitHub:
    token: str | None
    api: str = API
    retries: int = 3  # extra attempts after the first, for 5xx and rate limits
    max_wait: float = 60.0  # longest single wait (seconds) before giving up on a rate limit
    timeout: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> GitHub:
        env = dict(os.environ if env is None else env)
        token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
        if not token:
            raise GitHubError("GITHUB_TOKEN is not set; the workflow must pass "
                              "'GITHUB_TOKEN: ${{ github.token }}' (pull-requests: read)")
        retries = env.get("DESIGNGATE_API_RETRIES", "")
        return cls(token, env.get("GITHUB_API_URL") or API,
                   **({"retries": int(retries)} if retries.isdigit() else {}))

    # --- requests ----------------------------------------------------------------------

    def request(self, method: str, url: str, body: Any = None) -> tuple[Any, dict[str, str]]:
        """One call (with retries): the decoded JSON and the response headers."""
        if not url.startswith(("http://", "https://")):
            url = self.api.rstrip("/") + "/" + url.lstrip("/")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                   "User-Agent": f"designgate/{__version__}"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                    hdrs = {k.lower(): v for k, v in resp.headers.items()}
                    return (json.loads(raw) if raw.strip() else None), hdrs
            except urllib.error.HTTPError as exc:
                hdrs = {k.lower(): v for k, v in (exc.headers or {}).items()}
                detail = _message(exc)
                wait = self._retry_wait(exc.code, hdrs, attempt)
                if wait is not None:
                    attempt += 1
                    self.sleep(wait)
                    continue
                raise GitHubError(self._explain(exc.code, hdrs, detail, method, url),
                                  exc.code) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt < self.retries:
                    attempt += 1
                    self.sleep(min(2.0 ** attempt, self.max_wait))
                    continue
                reason = getattr(exc, "reason", exc)
                raise GitHubError(f"cannot reach {urllib.parse.urlsplit(url).netloc}: "
                                  f"{reason}") from None
            except json.JSONDecodeError:
                raise GitHubError(f"{method} {_path(url)}: the answer is not JSON") from None

    def _retry_wait(self, code: int, hdrs: dict[str, str], attempt: int) -> float | None:
        if attempt >= self.retries:
            return None
        if code >= 500:
            return min(2.0 ** attempt, self.max_wait)
        if code in (403, 429) and (hdrs.get("x-ratelimit-remaining") == "0"
                                   or "retry-after" in hdrs):
            wait = _rate_wait(hdrs)
            return wait if wait <= self.max_wait else None
        return None

    def _explain(self, code: int, hdrs: dict[str, str], detail: str, method: str, url: str) -> str:
        where = f"{method} {_path(url)}"
        if code == 401:
            return f"GitHub rejected the token (401 on {where}): check GITHUB_TOKEN"
        if code in (403, 429) and (hdrs.get("x-ratelimit-remaining") == "0"
                                   or "retry-after" in hdrs):
            reset = hdrs.get("x-ratelimit-reset")
            when = (time.strftime("%H:%M:%S UTC", time.gmtime(int(reset)))
                    if reset and reset.isdigit() else f"in {_rate_wait(hdrs):.0f} s")
            return f"GitHub API rate limit exhausted ({code} on {where}); it resets at {when}"
        if code == 403:
            return (f"GitHub refused {where} (403: {detail}); the token needs "
                    "'pull-requests: read' (and 'write' to comment or label)")
        if code == 404:
            return (f"GitHub has no {_path(url)} (404), or the token cannot see it; check the "
                    "repository and pull request number")
        if code >= 500:
            return f"GitHub failed {where} ({code}) after {self.retries + 1} attempts; retry later"
        return f"GitHub answered {code} to {where}: {detail}"

    def pages(self, url: str) -> list[Any]:
        """Every item of a paginated list (``per_page=100``, following ``Link: rel=next``)."""
        sep = "&" if "?" in url else "?"
        next_url: str | None = f"{url}{sep}per_page=100"
        items: list[Any] = []
        seen: set[str] = set()
        while next_url is not None:
            if next_url in seen:
                raise GitHubError(f"GitHub pagination loops at {_path(next_url)}")
            seen.add(next_url)
            data, hdrs = self.request("GET", next_url)
            if not isinstance(data, list):
                raise GitHubError(f"GET {_path(next_url)}: expected a JSON array")
            items.extend(data)
            m = _LINK_NEXT.search(hdrs.get("link", ""))
            next_url = m.group(1) if m else None
        return items

    # --- what the gate asks ------------------------------------------------------------

    def pull_reviews(self, repository: str, number: int) -> list[Review]:
        _check_repo(repository)
        url = f"repos/{repository}/pulls/{number}/reviews"
        return from_api(self.pages(url), f"GitHub reviews of {repository}#{number}")

    def pull_facts(self, repository: str, number: int) -> tuple[list[Review], list[Any]]:
        """Every review (dismissed ones with the decision they had) and every comment."""
        _check_repo(repository)
        reviews = self.pull_reviews(repository, number)
        events = self.pages(f"repos/{repository}/issues/{number}/events")
        comments = self.pages(f"repos/{repository}/issues/{number}/comments")
        where = f"GitHub events of {repository}#{number}"
        return rv.restore(reviews, rv.dismissals(events, where)), comments

    def pull(self, repository: str, number: int) -> dict[str, Any]:
        _check_repo(repository)
        data, _ = self.request("GET", f"repos/{repository}/pulls/{number}")
        if not isinstance(data, dict):
            raise GitHubError(f"GET /repos/{repository}/pulls/{number}: expected an object")
        return data

    def design_tree(self, repository: str, sha: str, design_path: str) -> str | None:
        """The design folder's tree id at ``sha`` (a commit gone from the clone)."""
        _check_repo(repository)
        if not _SHA.match(sha):
            return None
        try:
            data, _ = self.request("GET", f"repos/{repository}/git/commits/{sha}")
        except GitHubError as exc:
            if exc.status in (404, 422):
                return None  # a commit GitHub does not have: its content is unknown
            raise
        tree = ((data or {}).get("tree") or {}).get("sha") if isinstance(data, dict) else None
        for part in [p for p in design_path.split("/") if p]:
            if not isinstance(tree, str):
                return None
            listing, _ = self.request("GET", f"repos/{repository}/git/trees/{tree}")
            entries = (listing or {}).get("tree") if isinstance(listing, dict) else None
            tree = next((e.get("sha") for e in entries or [] if isinstance(e, dict)
                         and e.get("path") == part and e.get("type") == "tree"), None)
        return tree if isinstance(tree, str) else None

    def design_delta(self, repository: str, base: str, sha: str,
                     design_path: str) -> frozenset[tuple[str, str]] | None:
        """What ``sha`` changes under the design folder against its fork point from
        ``base`` (the compare API's three-dot form), as ``Repo.design_delta`` gives it."""
        _check_repo(repository)
        if not (_SHA.match(sha) and _SHA.match(base)):
            return None
        try:
            data, _ = self.request("GET", f"repos/{repository}/compare/{base}...{sha}")
        except GitHubError as exc:
            if exc.status in (404, 422):
                return None
            raise
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, list):
            return None
        prefix = design_path.rstrip("/") + "/" if design_path else ""
        out: set[tuple[str, str]] = set()
        for f in files:
            if not isinstance(f, dict):
                continue
            name, prev, status = str(f.get("filename") or ""), f.get("previous_filename"), \
                f.get("status")
            if status == "renamed" and isinstance(prev, str) and prev.startswith(prefix):
                out.add((prev, "-"))
            if name.startswith(prefix):
                out.add((name, "-" if status == "removed" else str(f.get("sha") or "")))
        return frozenset(out)

    def team_members(self, org: str, slug: str) -> list[str] | None:
        """Logins of a team (None: the token may not read it, as the workflow's cannot)."""
        try:
            items = self.pages(f"orgs/{urllib.parse.quote(org)}/teams/"
                               f"{urllib.parse.quote(slug)}/members")
        except GitHubError:
            return None
        return [str(m.get("login")) for m in items if isinstance(m, dict) and m.get("login")]

    def upsert_comment(self, repository: str, number: int, body: str, marker: str,
                       author: str = BOT_LOGIN, comments: list[Any] | None = None) -> str:
        """Create the gate comment, or update the one ``author`` wrote carrying ``marker``
        (a comment by anyone else that carries the marker is left alone); its URL."""
        _check_repo(repository)
        if len(body) > COMMENT_LIMIT:
            raise GitHubError(f"the gate comment has {len(body)} characters, over GitHub's "
                              f"{COMMENT_LIMIT}")
        found = comments if comments is not None else self.pages(
            f"repos/{repository}/issues/{number}/comments")
        for c in found:
            user = c.get("user") if isinstance(c, dict) else None
            login = user.get("login") if isinstance(user, dict) else None
            if (isinstance(login, str) and login.lower() == author.lower()
                    and marker in str(c.get("body") or "")):
                data, _ = self.request("PATCH", f"repos/{repository}/issues/comments/{c['id']}",
                                       {"body": body})
                return str((data or {}).get("html_url", ""))
        data, _ = self.request("POST", f"repos/{repository}/issues/{number}/comments",
                               {"body": body})
        return str((data or {}).get("html_url", ""))

    def set_gate_label(self, repository: str, number: int, label: str | None,
                       all_labels: list[str]) -> None:
        """Leave exactly ``label`` (or none) of ``all_labels`` on the pull request."""
        _check_repo(repository)
        current = [str(x.get("name")) for x in
                   self.pages(f"repos/{repository}/issues/{number}/labels") if isinstance(x, dict)]
        for name in current:
            if name in all_labels and name != label:
                self.request("DELETE", f"repos/{repository}/issues/{number}/labels/"
                             + urllib.parse.quote(name, safe=""))
        if label and label not in current:
            self.request("POST", f"repos/{repository}/issues/{number}/labels",
                         {"labels": [label]})


    def merged_pull(self, repository: str, sha: str) -> dict[str, Any] | None:
        """The merged pull request whose merge produced ``sha`` (None: a direct push)."""
        _check_repo(repository)
        pulls = self.pages(f"repos/{repository}/commits/{sha}/pulls")
        merged = [p for p in pulls if isinstance(p, dict) and p.get("merged_at")]
        exact = [p for p in merged if p.get("merge_commit_sha") == sha]
        return (exact or merged or [None])[0]

    def create_tag(self, repository: str, name: str, sha: str, message: str) -> bool:
        """An annotated tag ``name`` on ``sha``; False when the tag exists already."""
        _check_repo(repository)
        data, _ = self.request("POST", f"repos/{repository}/git/tags",
                               {"tag": name, "message": message, "object": sha,
                                "type": "commit"})
        try:
            self.request("POST", f"repos/{repository}/git/refs",
                         {"ref": f"refs/tags/{name}", "sha": (data or {}).get("sha", sha)})
        except GitHubError as exc:
            if exc.status == 422:
                return False
            raise
        return True


def _check_repo(repository: str) -> None:
    if not _REPO.match(repository):
        raise GitHubError(f"'{repository}' is not an owner/name repository")


def _rate_wait(hdrs: dict[str, str]) -> float:
    retry = hdrs.get("retry-after", "")
    if retry.isdigit():
        return float(retry)
    reset = hdrs.get("x-ratelimit-reset", "")
    if reset.isdigit():
        return max(0.0, int(reset) - time.time()) + 1.0
    return 60.0


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return exc.reason if isinstance(exc.reason, str) else ""
    msg = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(msg).split()) if msg else str(exc.reason)


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path or url
