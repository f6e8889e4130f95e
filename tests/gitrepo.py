"""Real git repositories for gate tests: fixed dates, one helper call per commit or review."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from support import copy_scaffold

EPOCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class GitRepo:
    """A repository at ``path`` holding the scaffold design; every commit one minute later."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = EPOCH
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ada Architect")
        self.git("config", "user.email", "ada@example.com")
        self.git("config", "commit.gpgsign", "false")
        copy_scaffold(path)
        self.commit("Design: first draft")
        self.reviews: list[dict[str, Any]] = []

    @property
    def design(self) -> Path:
        return self.path / "design"

    def env(self) -> dict[str, str]:
        stamp = self.clock.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        return {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
                "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.path)}

    def git(self, *args: str) -> str:
        return subprocess.run(["git", *args], cwd=self.path, check=True, capture_output=True,
                              text=True, env=self.env()).stdout

    def tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        return self.clock

    def commit(self, message: str, files: dict[str, str] | None = None) -> str:
        """Write ``files`` (path → text, appended to with a leading '+'), commit all; the sha."""
        self.tick()
        for rel, text in (files or {}).items():
            target = self.path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if text.startswith("+"):
                with target.open("a", encoding="utf-8") as fh:
                    fh.write(text[1:])
            else:
                target.write_text(text, encoding="utf-8")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.head()

    def design_change(self, note: str) -> str:
        """A design commit (a comment line in a design file: the contract stays the same)."""
        return self.commit(f"Design: {note}", {"design/project.yaml": f"+# {note}\n"})

    def other_change(self, note: str) -> str:
        return self.commit(f"Docs: {note}", {"README.md": f"+{note}\n"})

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def review(self, state: str, commit: str | None = None, user: str = "rita",
               body: str = "") -> dict[str, Any]:
        """Append a review in GitHub's REST shape (APPROVED, CHANGES_REQUESTED...)."""
        self.tick()
        item = {
            "id": len(self.reviews) + 1000,
            "node_id": f"PRR_{len(self.reviews)}",
            "user": {"login": user, "id": 7, "type": "User"},
            "body": body,
            "state": state,
            "html_url": f"https://github.com/acme/api/pull/7#pullrequestreview-{len(self.reviews)}",
            "pull_request_url": "https://api.github.com/repos/acme/api/pulls/7",
            "author_association": "MEMBER",
            "submitted_at": self.clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit_id": commit or self.head(),
        }
        self.reviews.append(item)
        return item

    def write_reviews(self, name: str = "reviews.json") -> Path:
        path = self.path.parent / name
        path.write_text(json.dumps(self.reviews), encoding="utf-8")
        return path

    def branch(self, name: str) -> None:
        self.git("checkout", "-q", "-b", name)
