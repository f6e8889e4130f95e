"""Reviews, whichever way they arrive: GitHub's REST shape, an Actions event, commit trailers.

A review is reduced to what the gate needs: who, with which access, what they decided,
which commit they looked at, when, and the feedback. GitHub's states map as ``APPROVED`` →
approve, ``CHANGES_REQUESTED`` → revise, ``DISMISSED`` → dismissed; ``COMMENTED`` and
``PENDING`` are not decisions and are dropped. GitHub's review list forgets what a dismissed
review said; the pull request's ``review_dismissed`` events keep it (:func:`restore`), so a
REVISE stays a REVISE (that no longer asks for anything) after its dismissal.

The orchestrator's decisions on an escalated gate arrive as comments whose line is
``/designgate approve``, ``/designgate continue`` or ``/designgate stop``
(:func:`decisions_from_comments`), as their reviews, or as ``designgate gate record``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from designgate.gate.git import TRAILER_REVIEWED, TRAILER_REVIEWER, TRAILER_STATE, Commit

APPROVE, REVISE, DISMISSED = "approve", "revise", "dismissed"
_STATES = {"APPROVED": APPROVE, "CHANGES_REQUESTED": REVISE, "DISMISSED": DISMISSED}
#: The orchestrator's decisions on an escalated gate.
DECIDE_APPROVE, DECIDE_CONTINUE, DECIDE_STOP = "approve", "continue", "stop"
DECISIONS = (DECIDE_APPROVE, DECIDE_CONTINUE, DECIDE_STOP)
_DECISION_LINE = re.compile(r"^\s*/designgate\s+(approve|continue|stop)\b", re.MULTILINE)
#: GitHub's ``author_association`` values that mean write access to the repository.
WRITE_ACCESS = ("OWNER", "MEMBER", "COLLABORATOR")
#: The association of reviews recorded as commit trailers (local use, no review host).
LOCAL = "LOCAL"
#: GitHub's placeholder for a deleted account (``user: null`` in the API).
GHOST = "ghost"


class ReviewDataError(Exception):
    """Review data that cannot be read; the message is one line."""


@dataclass(frozen=True, slots=True)
class Dismissal:
    """When a review was dismissed, and the pull request's head at that moment."""

    time: datetime
    head: str | None = None  # GitHub's dismissal_commit_id
    by: str = ""
    message: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    reviewer: str
    state: str  # approve | revise | dismissed (a dismissal whose decision is unknown)
    commit: str | None  # the commit the reviewer looked at (GitHub's commit_id)
    time: datetime
    body: str = ""
    url: str = ""
    id: str = ""
    association: str | None = None  # GitHub's author_association; LOCAL for trailers
    dismissed: Dismissal | None = None  # set: the decision no longer counts
    decision: str | None = None  # an orchestrator decision (approve | continue | stop)

    @property
    def ghost(self) -> bool:
        return self.reviewer == GHOST and self.association is None


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
    author: str | None = None  # who opened it (their reviews never count)


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
        if str(item.get("state", "")).upper() == "COMMENTED":
            # a comment review can carry an orchestrator decision (and runs the gate at once)
            found = decisions_from_comments([{**item, "created_at": item.get("submitted_at")}],
                                            where)
            return found[0] if found else None
        return None  # COMMENTED, PENDING: not a decision
    user = item.get("user", "missing")
    if user is None:  # a deleted account: GitHub's schema allows it; it counts for nothing
        login, association = GHOST, None
    elif isinstance(user, dict) and isinstance(user.get("login"), str) and user["login"]:
        login = user["login"]
        assoc = item.get("author_association")
        association = assoc.upper() if isinstance(assoc, str) and assoc else None
    else:
        raise ReviewDataError(f"{where}: missing user.login")
    when = parse_time(item.get("submitted_at"))
    if when is None:
        raise ReviewDataError(f"{where}: missing or invalid submitted_at")
    commit = item.get("commit_id")
    body = item.get("body")
    return Review(login, state, commit if isinstance(commit, str) and commit else None, when,
                  body if isinstance(body, str) else "", str(item.get("html_url") or ""),
                  str(item.get("id") or ""), association)


def dismissals(events: Any, where: str = "issue events") -> dict[str, tuple[str, Dismissal]]:
    """Review id → (its decision before dismissal, the dismissal), from the pull request's
    ``GET /repos/{owner}/{repo}/issues/{n}/events`` (``review_dismissed`` events)."""
    if not isinstance(events, list):
        raise ReviewDataError(f"{where}: expected a JSON array of issue events")
    out: dict[str, tuple[str, Dismissal]] = {}
    for i, ev in enumerate(events):
        if not isinstance(ev, dict) or ev.get("event") != "review_dismissed":
            continue
        info = ev.get("dismissed_review")
        when = parse_time(ev.get("created_at"))
        if not isinstance(info, dict) or when is None:
            raise ReviewDataError(f"{where}[{i}]: review_dismissed without dismissed_review "
                                  "or created_at")
        state = _STATES.get(str(info.get("state", "")).upper())
        actor = ev.get("actor")
        head = info.get("dismissal_commit_id")
        out[str(info.get("review_id") or "")] = (
            state or DISMISSED,
            Dismissal(when, head if isinstance(head, str) and head else None,
                      str(actor.get("login") or "") if isinstance(actor, dict) else "",
                      str(info.get("dismissal_message") or "")))
    return out


def restore(reviews: list[Review], found: dict[str, tuple[str, Dismissal]]) -> list[Review]:
    """Dismissed reviews with the decision they had (when the events tell it)."""
    out = []
    for r in reviews:
        if r.state == DISMISSED and r.id in found:
            state, dismissal = found[r.id]
            r = replace(r, state=state, dismissed=dismissal)
        out.append(r)
    return out


def decisions_from_comments(items: Any, where: str = "comments") -> list[Review]:
    """``/designgate approve|continue|stop`` comments, as decisions (who says is checked
    by the gate: only the orchestrator's count)."""
    if not isinstance(items, list):
        raise ReviewDataError(f"{where}: expected a JSON array of comments")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("body"), str):
            continue
        m = _DECISION_LINE.search(item["body"])
        user = item.get("user")
        when = parse_time(item.get("created_at"))
        if m is None or not isinstance(user, dict) or when is None:
            continue
        assoc = item.get("author_association")
        out.append(Review(str(user.get("login") or GHOST), "decision", None, when,
                          item["body"], str(item.get("html_url") or ""),
                          f"comment:{item.get('id')}",
                          assoc.upper() if isinstance(assoc, str) else None,
                          decision=m.group(1)))
    return out


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
        _str((pr.get("user") or {}).get("login")) if isinstance(pr.get("user"), dict) else None,
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
        state = (c.trailer(TRAILER_STATE) or "").lower().strip()
        kind = APPROVE if state.startswith("approve") else REVISE if state.startswith(
            "revise") else None
        decision = state if state in (DECIDE_CONTINUE, DECIDE_STOP) else None
        if kind is None and decision is None:
            continue
        reviewed = c.trailer(TRAILER_REVIEWED) or (c.parents[0] if c.parents else None)
        who = c.trailer(TRAILER_REVIEWER) or f"{c.author} <{c.email}>"
        # The subject is "Design gate: revise: <feedback>", the whole feedback follows it
        # when it is longer than one line (see ``record_message``).
        parts = c.subject.split(":", 2)
        body = _feedback(c.body) or (parts[2].strip() if len(parts) == 3 else "")
        if decision is not None:
            out.append(Review(who, "decision", reviewed, c.time, body, id=f"commit:{c.sha}",
                              association=LOCAL, decision=decision))
            continue
        out.append(Review(who, kind or REVISE, reviewed, c.time, body, id=f"commit:{c.sha}",
                          association=LOCAL))
    return out


def _feedback(body: str) -> str:
    """A record's body without its trailer block."""
    lines = body.rstrip("\n").split("\n")
    while lines and (not lines[-1].strip() or lines[-1].split(":", 1)[0].lower() in
                     (TRAILER_STATE.lower(), TRAILER_REVIEWER.lower(), TRAILER_REVIEWED.lower())):
        lines.pop()
    return "\n".join(lines).strip()


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
