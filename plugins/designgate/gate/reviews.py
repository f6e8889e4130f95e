"""Reviews, whichever way they arrive: GitHub's REST shape, an Actions event, commit trailers.

A review is reduced to what the gate needs: who, what they decided, which commit they
looked at, when, and the feedback. GitHub's states map as ``APPROVED`` → approve,
``CHANGES_REQUESTED`` → revise, ``DISMISSED`` → dismissed (the reviewer's earlier decision no
longer counts); ``COMMENTED`` and ``PENDING`` are not decisions and are dropped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from designgate.gate.git import TRAILER_REVIEWED, TRAILER_REVIEWER, TRAILER_STATE, Commit

APPROVE, REVISE, DISMISSED = "approve", "revise", "dismissed"
_STATES = {"APPROVED": APPROVE, "CHANGES_REQUESTED": REVISE, "DISMISSED": DISMISSED}


class ReviewDataError(Exception):
    """Review data that cannot be read; the message is one line."""


@dataclass(frozen=True, slots=True)
class Review:
    reviewer: str
    state: str  # approve | revise | dismissed
    commit: str | None  # the commit the reviewer looked at (GitHub's commit_id)
    time: datetime
    body: str = ""
    url: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class PullRequest:
    """What an Actions event says about the pull request under review."""

    number: int
    repository: str  # owner/name
    draft: bool = False
    head: str | None = None
    base_ref: str | None = None  # branch name, e.g. main
    base: str | None = None  # base commit
    url: str = ""
    state: str = "open"
    merged: bool = False


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def from_api(items: Any, where: str = "review data") -> list[Review]:
    """Reviews from the JSON of ``GET /repos/{owner}/{repo}/pulls/{n}/reviews``."""
    if not isinstance(items, list):
        raise ReviewDataError(f"{where}: expected a JSON array of reviews (GitHub's "
                              "'list reviews for a pull request' shape)")
    out = []
    for i, item in enumerate(items):
        review = _review(item, f"{where}[{i}]")
        if review is not None:
            out.append(review)
    return sorted(out, key=lambda r: r.time)


def _review(item: Any, where: str) -> Review | None:
    if not isinstance(item, dict):
        raise ReviewDataError(f"{where}: a review must be an object")
    state = _STATES.get(str(item.get("state", "")).upper())
    if state is None:
        return None  # COMMENTED, PENDING: not a decision
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    when = parse_time(item.get("submitted_at"))
    if not isinstance(login, str) or not login:
        raise ReviewDataError(f"{where}: missing user.login")
    if when is None:
        raise ReviewDataError(f"{where}: missing or invalid submitted_at")
    commit = item.get("commit_id")
    body = item.get("body")
    return Review(login, state, commit if isinstance(commit, str) and commit else None, when,
                  body if isinstance(body, str) else "", str(item.get("html_url") or ""),
                  str(item.get("id") or ""))


def read_json(path: str | os.PathLike[str]) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewDataError(f"'{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewDataError(f"cannot read '{path}': {getattr(exc, 'strerror', None) or exc}") \
            from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReviewDataError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") \
            from None


def reviews_file(path: str | os.PathLike[str]) -> list[Review]:
    return from_api(read_json(path), str(path))


def from_event(payload: Any, where: str = "event") -> tuple[PullRequest, list[Review]]:
    """The pull request and (for ``pull_request_review``) the review an event carries."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pull_request"), dict):
        raise ReviewDataError(f"{where}: not a pull_request or pull_request_review event "
                              "(no 'pull_request' object)")
    pr = payload["pull_request"]
    repo = payload.get("repository")
    full = repo.get("full_name") if isinstance(repo, dict) else None
    base = pr.get("base") if isinstance(pr.get("base"), dict) else {}
    head = pr.get("head") if isinstance(pr.get("head"), dict) else {}
    number = pr.get("number", payload.get("number"))
    if not isinstance(number, int) or not isinstance(full, str):
        raise ReviewDataError(f"{where}: missing pull_request.number or repository.full_name")
    info = PullRequest(
        number, full, bool(pr.get("draft")), _str(head.get("sha")), _str(base.get("ref")),
        _str(base.get("sha")), str(pr.get("html_url") or ""), str(pr.get("state") or "open"),
        bool(pr.get("merged")),
    )
    reviews = []
    if isinstance(payload.get("review"), dict):
        review = _review(payload["review"], f"{where}: review")
        if review is not None:
            reviews.append(review)
    return info, reviews


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def merge(*groups: Iterable[Review]) -> list[Review]:
    """Reviews from several sources, each once (by id, else by reviewer, state and time)."""
    seen: dict[tuple[str, ...], Review] = {}
    for group in groups:
        for r in group:
            key = ("id", r.id) if r.id else (r.reviewer, r.state, r.time.isoformat())
            seen.setdefault(key, r)
    return sorted(seen.values(), key=lambda r: r.time)


def from_trailers(commits: Iterable[Commit]) -> list[Review]:
    """Reviews recorded as commit trailers by ``designgate gate record``."""
    out = []
    for c in commits:
        state = (c.trailer(TRAILER_STATE) or "").lower()
        kind = APPROVE if state.startswith("approve") else REVISE if state.startswith(
            "revise") else None
        if kind is None:
            continue
        reviewed = c.trailer(TRAILER_REVIEWED) or (c.parents[0] if c.parents else None)
        who = c.trailer(TRAILER_REVIEWER) or f"{c.author} <{c.email}>"
        # The subject is "Design gate: revise: <feedback>" (see ``record_message``).
        parts = c.subject.split(":", 2)
        body = parts[2].strip() if len(parts) == 3 else ""
        out.append(Review(who, kind, reviewed, c.time, body, id=f"commit:{c.sha}"))
    return out


def record_message(kind: str, reviewer: str, reviewed: str, feedback: str = "") -> str:
    """The commit message ``designgate gate record`` writes for one review."""
    first = " ".join(feedback.split())[:200]
    subject = f"Design gate: {kind}" + (f": {first}" if first else "")
    body = feedback.strip()
    lines = [subject, ""]
    if body and body != first:
        lines += [body, ""]
    lines += [f"{TRAILER_STATE}: {kind}", f"{TRAILER_REVIEWER}: {reviewer}",
              f"{TRAILER_REVIEWED}: {reviewed}"]
    return "\n".join(lines) + "\n"
