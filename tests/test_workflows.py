"""The GitHub workflows and the reusable action keep the security rules the gate relies on.

actionlint and zizmor (run by `.ci/run`) check the files in general; these tests pin down
designgate's own promises: third-party actions by commit SHA, least privilege, and the
pull request's code never run where a writable token is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import REPO

GITHUB = REPO / ".github"
FILES = sorted([*GITHUB.glob("workflows/*.yml"), *GITHUB.glob("actions/*/action.yml")])


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(doc: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return list(doc["runs"]["steps"])
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_actions_are_pinned_by_commit_sha(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    uses = re.findall(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$", text, re.MULTILINE)
    assert uses
    for ref, comment in uses:
        if ref.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), ref
        assert re.search(r"# v\d", comment), f"{ref}: say which version the SHA is"


@pytest.mark.parametrize("path", sorted(GITHUB.glob("workflows/*.yml")),
                         ids=lambda p: p.name)
def test_workflows_declare_least_privilege(path: Path) -> None:
    doc = load(path)
    assert "permissions" in doc, "top-level permissions (default for every job)"
    top = doc["permissions"]
    assert top == {} or set(top.values()) <= {"read"}, "write access only per job"
    for step in steps(doc):
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_the_gate_job_never_installs_the_pull_requests_code() -> None:
    doc = load(GITHUB / "workflows" / "design.yml")
    on = doc.get("on", doc.get(True))
    # never pull_request_target or issue_comment (writable tokens for anyone's event)
    assert set(on) == {"pull_request", "pull_request_review"}
    assert "edited" in on["pull_request"]["types"]  # a changed base branch is re-evaluated
    gate = doc["jobs"]["gate"]
    assert gate["permissions"]["pull-requests"] == "write"
    checkouts = {s["with"]["path"]: s["with"]["ref"] for s in gate["steps"]
                 if str(s.get("uses", "")).startswith("actions/checkout@")}
    assert checkouts["pr"] == "${{ github.event.pull_request.head.sha }}"
    # the designgate that runs is the base branch's as it is now, not the event's old base
    assert checkouts["tool"] == "${{ github.event.pull_request.base.ref }}"
    # a review never cancels the evaluation of a push: no workflow-wide cancelling group
    assert "concurrency" not in doc
    assert gate["concurrency"]["cancel-in-progress"] is False
    assert doc["jobs"]["check"]["concurrency"]["group"] != gate["concurrency"]["group"]
    runs = " ".join(str(s.get("run", "")) for s in gate["steps"])
    assert "pip install ./tool" in runs and "pip install -e" not in runs
    assert "fetch-depth" in str(gate["steps"][0]["with"])  # the history, for revision cycles


def test_publish_tags_the_baseline_then_builds_from_the_whole_history() -> None:
    doc = load(GITHUB / "workflows" / "publish.yml")
    build = doc["jobs"]["build"]
    assert build["steps"][0]["with"]["fetch-depth"] == 0
    runs = [str(s.get("run", "")) for s in build["steps"]]
    tag = next(i for i, r in enumerate(runs) if "designgate gate tag" in r)
    site = next(i for i, r in enumerate(runs) if "mkdocs build --strict" in r)
    assert tag < site
    assert doc["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
