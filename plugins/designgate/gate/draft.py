"""Draft the intervention record of a post-approval API contract change."""

from __future__ import annotations

from pathlib import Path

from designgate.check import check_design
from designgate.findings import Span
from designgate.gate.git import GitError, Repo
from designgate.gate.interventions import ACTIVE, API_UPDATE, NOTIFY, default_folder
from designgate.gate.report import md
from designgate.gate.run import contract_since


def _where(span: Span | None) -> str:
    return md(f"{span.file}:{span.line}") if span else "-"


class DraftError(Exception):
    """Nothing to draft, or the record exists; one line."""


def draft_api_update(design_dir: Path, root: Path | None, folder: Path | None, day: str) -> Path:
    """Write ``<folder>/active/<day>-04-api-update/content.md``; its path."""
    repo = Repo(design_dir)
    marks = repo.approvals()
    if not marks:
        raise GitError("no approved baseline in git history (a 'Design-Gate: approve' commit "
                       "or a designgate/approved/* tag): there is no approved contract to "
                       "compare with")
    baseline = marks[0]
    report = check_design(design_dir, root)
    notes: list[str] = []
    diff = contract_since(repo, baseline.commit, report, notes)
    if diff is None:
        raise DraftError(notes[0] if notes else "the approved contract cannot be rebuilt")
    if not diff:
        raise DraftError(f"the contract has not changed since the approved baseline "
                         f"{baseline.commit[:12]}; no record is needed")
    target = (folder or default_folder(design_dir)) / ACTIVE / f"{day}-04-{API_UPDATE}"
    path = target / "content.md"
    if path.exists():
        raise DraftError(f"'{path}' exists; edit it, or pass --date for another record")
    head = repo.head()
    lines = [
        "---",
        f"phase: {NOTIFY[0]}",
        "urgency: end-of-phase",
        f"kind: {API_UPDATE}",
        f"baseline: {baseline.commit}",
        f"covers: {diff.digest()}",
        f"notify: [{', '.join(NOTIFY)}]",
        "---",
        "",
        f"# API contract update after approval ({day})",
        "",
        f"The contract approved at `{baseline.commit[:12]}` ({md(baseline.source)}, "
        f"{baseline.time.date().isoformat()}"
        + (f", approved by {', '.join(md(r) for r in baseline.reviewers)}" if baseline.reviewers
           else "") + f") changed in the design at `{head[:12]}`: {diff.summary()}.",
        "",
        "Notify: " + ", ".join(NOTIFY) + ".",
        "",
        "## Changes since the approved baseline",
        "",
        "Classified by `designgate diff` (most severe first; `designgate explain ID` says "
        "what each check means).",
        "",
        "| Level | Check | Change | Base → head | Fingerprint |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {c.level} | `{c.id}` | {md(c.message)} | {_where(c.base)} → "
              f"{_where(c.head)} | `{c.fingerprint}` |" for c in diff.changes]
    breaking = diff.breaking
    if breaking:
        lines += ["", "## What the breaking changes reach", "",
                  "From the traceability graph of both designs:", ""]
        for c in breaking:
            reach = "; ".join(f"{k.replace('_', ' ')}: {', '.join(md(x) for x in v)}"
                              for k, v in c.impact.as_dict().items() if v)
            lines.append(f"- `{c.id}` {md(c.message)} — {reach or 'nothing traced'}")
    lines += [
        "",
        "## Why",
        "",
        "<!-- What changed and why. For schema changes, what changed in the database design. -->",
        "",
        "## Impact assessment",
        "",
        "<!-- Required for breaking changes (listed above with what they reach): who calls "
        "them, what implementation and integration must change, the migration path. -->",
        "",
        "## Agent interpretation",
        "",
        "<!-- How the design was updated; then move this record to "
        "human-interventions/processed/. -->",
        "",
    ]
    if breaking:
        lines.insert(lines.index("## Why"), f"**Breaking:** {len(breaking)} change"
                     f"{'s' if len(breaking) != 1 else ''} break existing clients, data or "
                     "roles; complete the impact assessment before going on.\n")
    target.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
