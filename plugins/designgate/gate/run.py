"""Put the gate together: check the design, read git and interventions, evaluate.

The one entry point the CLI and the MkDocs plugin share (:func:`gate_status`). Reviews
come from the caller (a file, the GitHub API, an event); with none, from the commit
trailers ``designgate gate record`` wrote.

**The approved baseline** is the newest approval recorded in git on HEAD's history. On a
review host (``host`` set) only the tags the publish workflow writes count
(``designgate/approved/pr-<n>``), each checked with the host: the pull request was merged
into that commit, and the reviewers the tag names approved it. In local use a commit with the
trailer ``Design-Gate: approve`` (its ``Design-Gate-Reviewed`` commit is the approved one)
counts too. The contract at that commit is the approved contract; revision cycles are counted
after it when no ``--base`` is given.

**The bar is the base branch's**: with a base, the gate settings and CODEOWNERS are read from
the base commit, never from the change under review.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from designgate.check import Report, check_design
from designgate.diff.changes import DesignDiff
from designgate.findings import Finding, Severity, Span
from designgate.gate import owners as owners_mod
from designgate.gate import reviews as rv
from designgate.gate.git import ApprovalMark, GitError, History, Repo
from designgate.gate.interventions import Interventions, default_folder, load_interventions
from designgate.gate.revision import Revision, named, touched
from designgate.gate.state import Content, GateStatus, evaluate
from designgate.load.loader import DesignLoadError, load_design
from designgate.model.design import Design, GateSettings


@dataclass(slots=True)
class Host:
    """The review host the reviews came from (GitHub): asked for what the clone lacks."""

    client: Any  # designgate.gate.github.GitHub
    repository: str


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
    host: Host | None = None  # reviews from a host: trailers and unverified tags do not count
    head: str | None = None  # the commit under review (default: HEAD)


@dataclass(slots=True)
class GateResult:
    status: GateStatus
    report: Report
    baseline: ApprovalMark | None = None
    contract: DesignDiff | None = None
    notes: list[str] = field(default_factory=list)
    #: For each answered REVISE: what its feedback named against what the revision touched.
    revisions: list[Revision] = field(default_factory=list)


def gate_status(req: GateRequest, report: Report | None = None) -> GateResult:
    """Evaluate the gate. Raises ``GitError``, ``DesignLoadError`` or ``ReviewDataError``."""
    report = report or check_design(req.design_dir, req.root)
    root = Path(req.root) if req.root is not None else Path(req.design_dir).resolve().parent
    repo = Repo(req.design_dir)
    repo.require_full_history()
    if req.require_branch and req.base is None and repo.branch() is None:
        raise GitError("HEAD is detached; check out the branch under review, or pass "
                       "--base REF to compare with")
    notes: list[str] = []
    base_sha = repo.resolve(req.base) if req.base else None
    settings = report.design.project.gate if base_sha is None else settings_at(repo, base_sha,
                                                                                notes)
    marks = trusted_marks(repo, req.host, notes)
    baseline = marks[0] if marks else None
    since = baseline.commit if baseline is not None and base_sha is None else None
    history = repo.history(base_sha, since, req.head)

    folder = req.interventions_dir or default_folder(req.design_dir)
    items = load_interventions(folder, root)
    halting = [*report.halted, *_g001(items)]
    blocking = [*items.findings, *_g002(items)]

    diff = None
    if baseline is not None and baseline.commit != history.head:
        diff = contract_since(repo, baseline.commit, report, notes)
        if diff and diff.breaking and \
                not _api_update_recorded(repo, baseline.commit, folder, items, diff):
            blocking.append(_g004(report, diff))

    if req.reviews is not None:
        reviews = req.reviews
        source = req.source
    elif req.host is not None:
        reviews, source = [], req.source
    else:
        reviews, source = rv.from_trailers(history.commits), "git trailers"
    content = resolve_content(repo, history, reviews, req.host)
    owners: dict[str, tuple[str, ...]] = {}
    if base_sha is not None and settings.require_code_owners:
        owners = code_owners(repo, base_sha, history.head, req.host, notes)
    status = evaluate(history, reviews, settings, content=content, owners=owners,
                      halting=halting, blocking=blocking, interventions=items.items,
                      pr=req.pr, marks=marks, source=source)
    if status.escalated:
        status.findings.append(_g003(report, status))
    revisions = answered_revisions(repo, status, report, history.head, notes)
    return GateResult(status, report, baseline, diff, notes, revisions)


def answered_revisions(repo: Repo, status: GateStatus, report: Report, head: str,
                       notes: list[str]) -> list[Revision]:
    """For each answered cycle: the design its REVISE reviewed against the version that
    answered it (the one the next REVISE reviewed, else the checked design)."""
    from designgate.diff import diff_designs

    designs: dict[str, Design | None] = {}

    def at(sha: str) -> Design | None:
        if sha not in designs:
            designs[sha] = design_at(repo, sha) if repo.has_commit(sha) else None
        return designs[sha]

    later = [*[min(c.reviews, key=lambda r: r.time) for c in status.cycles[1:]],
             *sorted(status.pending, key=lambda r: r.time)[:1]]
    out: list[Revision] = []
    for n, cycle in enumerate(status.cycles):
        if cycle.answered_by is None:
            continue
        last = max(cycle.reviews, key=lambda r: r.time)
        answer = later[n].commit if n < len(later) else None
        old = at(last.commit) if last.commit else None
        new = (at(answer) if answer else report.design)
        if old is None or new is None:
            notes.append(f"cycle {cycle.number}: the reviewed design cannot be read from git, "
                         "so what its revision touched is not shown")
            continue
        diff = diff_designs(old, new, base_ref=str(last.commit), head_ref=answer or "head")
        files = repo.changed_design_files(str(last.commit), answer or head)
        areas, items = named("\n".join(r.body for r in cycle.reviews), [old, new])
        t_areas, t_items = touched([(c.area, c.subject) for c in diff.changes], files,
                                   [old, new])
        out.append(Revision(cycle.number, sorted({r.reviewer for r in cycle.reviews}),
                            str(last.commit), answer or "head", areas, items, t_areas,
                            t_items, files))
    return out


def settings_at(repo: Repo, commit: str, notes: list[str] | None = None) -> GateSettings:
    """The gate settings of the design at ``commit`` (defaults when it has none)."""
    with tempfile.TemporaryDirectory(prefix="designgate-base-") as tmp:
        folder = repo.design_tree(commit, Path(tmp))
        if folder is None:
            if notes is not None:
                notes.append(f"the base {commit[:12]} has no design folder: the gate uses "
                             "its default settings")
            return GateSettings()
        try:
            return load_design(folder).design.project.gate
        except DesignLoadError as exc:
            if notes is not None:
                notes.append(f"the design at the base {commit[:12]} cannot be loaded ({exc}): "
                             "the gate uses its default settings")
            return GateSettings()


def trusted_marks(repo: Repo, host: Host | None, notes: list[str]) -> list[ApprovalMark]:
    """The approved baselines the gate may believe, newest first."""
    if host is None:
        return repo.approvals()
    marks = []
    for m in repo.tag_approvals():
        why = _unverified(m, host)
        if why is None:
            marks.append(m)
        else:
            notes.append(f"baseline {m.source} is not used: {why}")
    return repo.newest_first(marks)


def _unverified(mark: ApprovalMark, host: Host) -> str | None:
    """Why the host does not confirm ``mark`` (None: it does)."""
    number = mark.pull_number
    if number is None:
        return "on a review host only designgate/approved/pr-<n> tags count"
    from designgate.gate.github import GitHubError

    try:
        pull = host.client.pull(host.repository, number)
    except GitHubError as exc:
        if exc.status == 404:
            return f"#{number} does not exist"
        raise
    if not pull.get("merged_at") or pull.get("merge_commit_sha") != mark.commit:
        return f"#{number} was not merged into {mark.commit[:12]}"
    head = str((pull.get("head") or {}).get("sha") or "")
    reviews = host.client.pull_reviews(host.repository, number)
    approvers = {r.reviewer.lower() for r in reviews if r.state == rv.APPROVE
                 and r.commit == head and r.association in rv.WRITE_ACCESS}
    named = {r.lower() for r in mark.reviewers}
    if not named or not named <= approvers:
        return f"the reviewers it names did not approve #{number}'s last commit"
    return None


def resolve_content(repo: Repo, history: History, reviews: list[rv.Review],
                    host: Host | None) -> Content:
    """Trees and design deltas of HEAD, the range and every reviewed commit."""
    base = history.base
    trees: dict[str, str | None] = {c.sha: c.tree for c in history.commits}
    deltas: dict[str, frozenset[tuple[str, str]] | None] = {}
    if base is not None:
        for c in history.commits:
            first = c.parents[0] if c.parents else None
            if not c.touches_design and len(c.parents) == 1 and first in deltas:
                deltas[c.sha] = deltas[first]
            else:
                deltas[c.sha] = repo.design_delta(c.sha, base)
    wanted = {r.commit for r in reviews if r.commit} | {
        r.dismissed.head for r in reviews if r.dismissed is not None and r.dismissed.head}
    for sha in sorted(wanted - trees.keys()):
        if repo.has_commit(sha):
            trees[sha] = repo.design_tree_of(sha)
            if base is not None:
                deltas[sha] = repo.design_delta(sha, base)
        elif host is not None:
            trees[sha] = host.client.design_tree(host.repository, sha, repo.design_path)
            if base is not None:
                deltas[sha] = host.client.design_delta(host.repository, base, sha,
                                                       repo.design_path)
    head_delta = deltas.get(history.head)
    if head_delta is None and base is not None:
        head_delta = repo.design_delta(history.head, base)
    return Content(history.head_tree, head_delta, trees, deltas)


def code_owners(repo: Repo, base: str, head: str, host: Host | None,
                notes: list[str]) -> dict[str, tuple[str, ...]]:
    """Each design file the change touches → the logins of its code owners (base's file)."""
    found = repo.codeowners_at(base)
    if found is None:
        return {}
    path, text = found
    rules, problems = owners_mod.parse(text)
    notes += [f"{path} {p}" for p in problems]
    members = None
    if host is not None:
        def members(org: str, slug: str) -> list[str] | None:
            return host.client.team_members(org, slug)
    out: dict[str, tuple[str, ...]] = {}
    said: set[str] = set()
    for f in repo.changed_design_files(base, head):
        logins, why = owners_mod.expand(owners_mod.owners_of(rules, f), members)
        if logins:
            out[f] = logins
        for n in why:
            if n not in said:
                said.add(n)
                notes.append(n)
    return out


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
                   f"{status.cycles_used} revision cycles used of {status.budget}: the gate "
                   f"is escalated to {status.settings.orchestrator}",
                   _span(report, "gate", "max_revision_cycles"))


def _g004(report: Report, diff: DesignDiff) -> Finding:
    first = diff.breaking[0]
    n = len(diff.breaking)
    return Finding("G004", Severity.ERROR,
                   f"{n} breaking change{'s' if n != 1 else ''} since the approved baseline "
                   f"({first.id}: {first.message}{', ...' if n > 1 else ''}) with no "
                   "intervention record; run `designgate intervention new --api-update`, or "
                   "acknowledge the change in `acknowledged_changes:`",
                   first.head or _span(report, "version"))


def contract_since(repo: Repo, commit: str, report: Report,
                   notes: list[str] | None = None) -> DesignDiff | None:
    """Every change from the design at ``commit`` to the checked design, classified by the
    change catalog (None: the design at ``commit`` cannot be read)."""
    from designgate.diff import diff_designs

    old = design_at(repo, commit, notes)
    if old is None:
        return None
    return diff_designs(old, report.design, base_ref=f"approved {commit[:12]}",
                        head_ref="head")


def design_at(repo: Repo, commit: str, notes: list[str] | None = None) -> Design | None:
    """The design as it was at ``commit``, its paths as in the repository."""
    with tempfile.TemporaryDirectory(prefix="designgate-baseline-") as tmp:
        folder = repo.design_tree(commit, Path(tmp))
        if folder is None:
            if notes is not None:
                notes.append(f"the approved baseline {commit[:12]} has no design folder")
            return None
        try:
            return load_design(folder, tmp).design
        except DesignLoadError as exc:
            if notes is not None:
                notes.append(f"the design at the approved baseline cannot be loaded: {exc}")
            return None


def _api_update_recorded(repo: Repo, baseline: str, folder: Path, items: Interventions,
                         diff: DesignDiff) -> bool:
    """A committed api-update record, added since the baseline, covers exactly these changes.

    The record's front matter says ``covers: <digest>`` (``intervention new --api-update``
    writes it): the digest of the list of changes it describes. A later contract change
    has another digest and needs its own record; a draft that is not committed covers
    nothing.
    """
    digest = diff.digest()
    records = [i for i in items.items if i.kind == "api-update" and i.covers == digest]
    if not records:
        return False
    try:
        rel = Path(os.path.relpath(folder.resolve(), repo.root)).as_posix()
    except ValueError:
        return False
    before = repo.paths_at(baseline, rel)
    head = repo.head()
    committed = repo.paths_at(head, rel)
    for i in records:
        try:
            inside = Path(i.abspath).resolve().relative_to(repo.root).as_posix()
        except ValueError:
            continue
        if inside in committed and inside not in before:
            text = repo.text_at(head, inside)
            if text is not None and f"covers: {digest}" in text:
                return True
    return False


__all__ = ["GateRequest", "GateResult", "GitError", "History", "gate_status"]
