"""Put the gate together: check the design, read git and interventions, evaluate.

The one entry point the CLI and the MkDocs plugin share (:func:`gate_status`). Reviews
come from the caller (a file, the GitHub API, an event); with none, from the commit
trailers ``designgate gate record`` wrote.

**The approved baseline** is the newest approval recorded in git on HEAD's history: a
commit with the trailer ``Design-Gate: approve`` (its ``Design-Gate-Reviewed`` commit is the
approved one) or an annotated tag under ``designgate/approved/`` (the tagged commit). The
contract at that commit is the approved contract; revision cycles are counted after it
when no ``--base`` is given.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from designgate.check import Report, check_design
from designgate.findings import Finding, Severity, Span
from designgate.gate import reviews as rv
from designgate.gate.contract import ContractDiff, diff_contracts
from designgate.gate.git import ApprovalMark, GitError, History, Repo
from designgate.gate.interventions import Interventions, default_folder, load_interventions
from designgate.gate.state import GateStatus, evaluate
from designgate.load.loader import DesignLoadError, load_design


@dataclass(slots=True)
class GateRequest:
    design_dir: Path
    root: Path | None = None  # paths in findings are relative to it (default: design's parent)
    base: str | None = None
    reviews: list[rv.Review] | None = None  # None: commit trailers
    source: str = "git trailers"
    pr: rv.PullRequest | None = None
    interventions_dir: Path | None = None
    require_branch: bool = False  # local use: a detached HEAD is an error


@dataclass(slots=True)
class GateResult:
    status: GateStatus
    report: Report
    baseline: ApprovalMark | None = None
    contract: ContractDiff | None = None
    notes: list[str] = field(default_factory=list)


def gate_status(req: GateRequest, report: Report | None = None) -> GateResult:
    """Evaluate the gate. Raises ``GitError``, ``DesignLoadError`` or ``ReviewDataError``."""
    report = report or check_design(req.design_dir, req.root)
    root = Path(req.root) if req.root is not None else Path(req.design_dir).resolve().parent
    repo = Repo(req.design_dir)
    repo.require_full_history()
    if req.require_branch and req.base is None and repo.branch() is None:
        raise GitError("HEAD is detached; check out the branch under review, or pass "
                       "--base REF to compare with")
    marks = repo.approvals()
    baseline = marks[0] if marks else None
    since = baseline.commit if baseline is not None and req.base is None else None
    history = repo.history(req.base, since)

    folder = req.interventions_dir or default_folder(req.design_dir)
    items = load_interventions(folder, root)
    halting = [*report.halted, *_g001(items)]
    blocking = [*items.findings, *_g002(items)]

    notes: list[str] = []
    diff = None
    if baseline is not None and baseline.commit != history.head:
        diff = contract_since(repo, baseline.commit, report, notes)
        if diff and not _api_update_recorded(repo, baseline.commit, folder, items):
            blocking.append(_g004(report, diff))

    reviews = req.reviews if req.reviews is not None else rv.from_trailers(history.commits)
    source = req.source if req.reviews is not None else "git trailers"
    status = evaluate(history, reviews, report.design.project.gate, halting=halting,
                      blocking=blocking, interventions=items.items, pr=req.pr, marks=marks,
                      source=source)
    if status.escalated:
        status.findings.append(_g003(report, status))
    return GateResult(status, report, baseline, diff, notes)


def _span(report: Report, *keys: str) -> Span | None:
    """The project file's ``keys`` (or the nearest part of it that is written)."""
    loc = report.design.project.loc
    return loc.at(*keys).key_span if loc is not None else None


def _g001(items: Interventions) -> list[Finding]:
    return [Finding("G001", Severity.ERROR,
                    f"immediate intervention '{i.title}' is active: process it, then move it "
                    "to human-interventions/processed/", Span(i.path, 1, 1))
            for i in items.items if i.halts]


def _g002(items: Interventions) -> list[Finding]:
    return [Finding("G002", Severity.ERROR,
                    f"end-of-phase intervention '{i.title}' is not processed: integrate it and "
                    "move it to human-interventions/processed/ before approval",
                    Span(i.path, 1, 1)) for i in items.items if i.blocks_approval]


def _g003(report: Report, status: GateStatus) -> Finding:
    return Finding("G003", Severity.ERROR,
                   f"{status.cycles_used} revision cycles used of {status.max_cycles}: the gate "
                   f"is escalated to {status.settings.orchestrator}",
                   _span(report, "gate", "max_revision_cycles"))


def _g004(report: Report, diff: ContractDiff) -> Finding:
    return Finding("G004", Severity.ERROR,
                   f"the API contract changed since the approved baseline ({diff.summary()}) "
                   "with no intervention record; run `designgate intervention new --api-update`",
                   _span(report, "version"))


def contract_since(repo: Repo, commit: str, report: Report,
                   notes: list[str] | None = None) -> ContractDiff | None:
    """The contract diff from the design at ``commit`` to the checked design (None: unknown)."""
    from designgate.generate import build_openapi

    old = design_contract_at(repo, commit, notes)
    if old is None:
        return None
    return diff_contracts(old, build_openapi(report.design).document)


def design_contract_at(repo: Repo, commit: str, notes: list[str] | None = None) -> Any:
    from designgate.generate import build_openapi

    with tempfile.TemporaryDirectory(prefix="designgate-baseline-") as tmp:
        folder = repo.design_tree(commit, Path(tmp))
        if folder is None:
            if notes is not None:
                notes.append(f"the approved baseline {commit[:12]} has no design folder")
            return None
        try:
            loaded = load_design(folder)
        except DesignLoadError as exc:
            if notes is not None:
                notes.append(f"the design at the approved baseline cannot be loaded: {exc}")
            return None
        return build_openapi(loaded.design).document


def _api_update_recorded(repo: Repo, baseline: str, folder: Path, items: Interventions) -> bool:
    """An api-update intervention record exists that was not in the baseline's tree."""
    records = [i for i in items.items if i.kind == "api-update"]
    if not records:
        return False
    try:
        rel = Path(os.path.relpath(folder.resolve(), repo.root)).as_posix()
    except ValueError:
        return True
    before: set[str] = set()
    for path in repo.paths_at(baseline, rel):
        pp = PurePosixPath(path)
        before.update(pp.parts)
        before.add(pp.stem)
    return any(i.name not in before for i in records)


__all__ = ["GateRequest", "GateResult", "GitError", "History", "gate_status"]
