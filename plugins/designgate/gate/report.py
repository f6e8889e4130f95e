"""The gate in words: text for terminals, JSON for tools, Markdown for the PR comment.

The Markdown form is the seed's review package ("BACKEND DESIGN COMPLETE — HUMAN REVIEW
REQUIRED"): the artifacts checklist evaluated from the checks, the prioritization summary,
the review checklist, the revision count and the gate state. Text that comes from the
design, reviews or interventions is escaped for Markdown (it lands in a GitHub comment).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from designgate.diff.report import change_dict, format_markdown
from designgate.findings import Severity
from designgate.gate.package import REVIEW_CHECKLIST, checklist, open_findings, priorities
from designgate.gate.revision import AREA_LABELS, Revision
from designgate.gate.run import GateResult

#: The hidden line that identifies designgate's gate comment on a pull request.
COMMENT_MARKER = "<!-- designgate:gate -->"
LABELS = {"revise": "gate:revise", "approved": "gate:approved", "escalated": "gate:escalated",
          "halted": "gate:halted"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~&])")
#: A word joiner after these stops GitHub's mentions (@user, @org/team), issue references
#: (#12, GH-12) and URL autolinks (a backslash does not: GitHub still links ``\@user``).
_AUTOLINK = re.compile(r"([@#]|\bGH(?=-\d)|:(?=//)|\bwww(?=\.))", re.IGNORECASE)
_WJ = "\u2060"
_HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$")
#: A review's feedback is cut to this many characters in the comment (the job summary and
#: ``gate status`` keep it whole).
FEEDBACK_CAP = 4000


def code(text: object) -> str:
    """A code span of untrusted text (backticks cannot close it early)."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return f"`{flat}`"


def md(text: object) -> str:
    """One line of untrusted text, inert in GitHub Markdown (no links, mentions or HTML)."""
    flat = " ".join(str(text).split())
    return _AUTOLINK.sub(lambda m: m.group(1) + _WJ, _MD_SPECIAL.sub(r"\\\1", flat))


def mention(handle: str) -> str:
    """The orchestrator's handle as a real mention (it comes from the base branch's
    settings), or inert text when it is not a GitHub handle."""
    return handle if _HANDLE.match(handle.strip()) else md(handle)


def quote(text: str, cap: int = FEEDBACK_CAP, indent: str = "") -> list[str]:
    """Multi-line untrusted text as a Markdown quote, each line inert, cut at ``cap``."""
    body = text.strip()
    if len(body) > cap:
        body = body[:cap].rstrip() + f" … ({len(text.strip()) - cap} more characters)"
    return [f"{indent}> {md(line)}" if line.strip() else f"{indent}>"
            for line in body.splitlines()]


def to_json(result: GateResult) -> dict[str, Any]:
    s = result.status
    return {
        "state": s.state,
        "label": s.label(),
        "reasons": s.reasons,
        "cycles": {"used": s.cycles_used, "max": s.max_cycles, "current": s.current_cycle,
                   "list": [{"number": c.number,
                             "answered_by": c.answered_by.sha if c.answered_by else None,
                             "reviews": [_review(r) for r in c.reviews]} for c in s.cycles]},
        "approvals": {"required": s.settings.required_approvals,
                      "valid": [_review(r) for r in s.approvals],
                      "stale": [_review(r) for r in s.stale_approvals],
                      "commit": s.approved_commit,
                      "at": s.approved_at.isoformat() if s.approved_at else None},
        "pending_revise": [_review(r) for r in s.pending],
        "awaiting_rereview": [_review(r) for r in s.awaiting],
        "not_counted": [{**_review(i.review), "reason": i.reason} for i in s.ignored],
        "code_owners_missing": [{"file": f, "owners": list(o)} for f, o in s.owners_missing],
        "escalation": {"open": s.escalated, "times": s.escalations, "budget": s.budget,
                       "decided_by": s.decided.reviewer if s.decided else None,
                       "decisions": [_review(r) | {"decision": r.decision}
                                     for r in s.decisions]},
        "orchestrator": s.settings.orchestrator,
        "head": s.head, "base": s.base, "branch": s.branch,
        "pull_request": ({"number": s.pr.number, "repository": s.pr.repository,
                          "draft": s.pr.draft, "url": s.pr.url} if s.pr else None),
        "review_source": s.source,
        "interventions": [{"path": i.path, "title": i.title, "phase": i.phase,
                           "urgency": i.urgency, "processed": i.processed, "kind": i.kind}
                          for i in s.interventions],
        "baseline": ({"commit": result.baseline.commit, "source": result.baseline.source,
                      "at": result.baseline.time.isoformat(),
                      "reviewers": list(result.baseline.reviewers)}
                     if result.baseline else None),
        "approval_history": [{"commit": m.commit, "source": m.source, "at": m.time.isoformat(),
                              "reviewers": list(m.reviewers)} for m in s.history],
        "revisions": [r.as_dict() for r in result.revisions],
        "contract_changes": ([change_dict(c) for c in result.contract.changes]
                             if result.contract is not None else None),
        "findings": [{"rule": f.rule, "severity": str(f.severity), "message": f.message,
                      "file": f.span.file if f.span else None,
                      "line": f.span.line if f.span else None,
                      "column": f.span.column if f.span else None} for f in s.findings],
        "notes": result.notes,
        "label_name": LABELS.get(s.state),
        "exit_code": s.exit_code,
    }


def _review(r: Any) -> dict[str, Any]:
    return {"reviewer": r.reviewer, "state": r.state, "commit": r.commit,
            "at": r.time.isoformat(), "body": r.body, "url": r.url,
            "association": r.association,
            "dismissed_at": r.dismissed.time.isoformat() if r.dismissed else None}


def render_json(result: GateResult) -> str:
    return json.dumps(to_json(result), indent=2, ensure_ascii=False)


def render_text(result: GateResult) -> str:
    s = result.status
    lines = [f"gate: {s.label()}"]
    lines += [f"  {r}" for r in s.reasons]
    lines.append(f"revision cycles: {s.cycles_used} of {s.max_cycles}"
                 + (" (escalated)" if s.escalated else ""))
    revisions = {r.cycle: r for r in result.revisions}
    for c in s.cycles:
        who = ", ".join(sorted({r.reviewer for r in c.reviews}))
        lines.append(f"  cycle {c.number}: REVISE by {who}, answered by {_answer(c)}")
        if c.number in revisions:
            lines += [f"    {line}" for line in _revision_lines(revisions[c.number])]
    lines.append(f"approvals: {len(s.approvals)} of {s.settings.required_approvals} required"
                 + (f" (at {s.approved_commit[:12]})" if s.approved_commit else ""))
    for r in s.approvals:
        lines.append(f"  {r.reviewer} at {r.time.isoformat()}")
    for i in s.ignored:
        lines.append(f"not counted: {i.review.reviewer} ({i.reason})")
    lines.append(f"reviews from: {s.source}")
    if result.baseline:
        lines.append(f"approved baseline: {result.baseline.commit[:12]} ({result.baseline.source})")
    if result.contract:
        lines.append(f"changes since the approved baseline: {result.contract.summary()}")
    active = [i for i in s.interventions if i.concerns_phase and not i.processed]
    done = [i for i in s.interventions if i.concerns_phase and i.processed]
    if active or done:
        lines.append(f"interventions: {len(active)} active, {len(done)} processed")
        lines += [f"  active ({i.urgency}): {i.title} — {i.path}" for i in active]
        lines += [f"  processed: {i.title} — {i.path}" for i in done]
    for f in s.findings:
        lines.append(f"{f.location} {f.rule} {f.severity}: {f.message}")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)


_STATE_ICON = {"draft": "📝", "in-review": "👀", "revise": "✏️", "approved": "✅",
               "escalated": "⚠️", "halted": "⛔"}


def _answer(c: Any) -> str:
    return c.answered_by.sha[:12] if c.answered_by is not None else "a later design version"


def _heading(result: GateResult) -> str:
    s, report = result.status, result.report
    if s.state == "approved":
        return "BACKEND DESIGN APPROVED"
    if s.state == "halted":
        return "BACKEND DESIGN HALTED — HUMAN INTERVENTION REQUIRED"
    if s.state == "escalated":
        return "BACKEND DESIGN ESCALATED — ORCHESTRATOR DECISION REQUIRED"
    if s.state == "revise":
        return f"BACKEND DESIGN IN REVISION — CYCLE {s.current_cycle} OF {s.budget}"
    errors = report.count(Severity.ERROR)
    if errors:
        return f"BACKEND DESIGN INCOMPLETE — {errors} OPEN ERROR{'S' if errors != 1 else ''}"
    return "BACKEND DESIGN COMPLETE — HUMAN REVIEW REQUIRED"


def render_markdown(result: GateResult, limit: int | None = None) -> str:
    """The review package, posted as the pull request's gate comment.

    With ``limit`` (GitHub's 65,536 characters for a comment), feedback is cut shorter until
    the package fits, and as a last resort the package itself is cut, saying so."""
    text = _markdown(result, FEEDBACK_CAP)
    if limit is None or len(text) <= limit:
        return text
    for cap in (1000, 200, 0):
        text = _markdown(result, cap)
        if len(text) <= limit:
            return text
    tail = ("\n\n… the package is cut here: it is longer than a GitHub comment can be. "
            "`designgate gate status --format markdown` prints it whole.\n")
    return text[:limit - len(tail)] + tail


def _markdown(result: GateResult, cap: int) -> str:
    s, report = result.status, result.report
    d = report.design
    out = [COMMENT_MARKER, f"## {_STATE_ICON[s.state]} Design gate: {md(s.label())}"
           + (f" — {mention(s.settings.orchestrator)}" if s.state == "escalated" else ""), ""]
    out += [f"- {md(r)}" for r in s.reasons]
    out += ["", f"**Revision cycles:** {s.cycles_used} of {s.budget}"
            + (f" — escalated to {mention(s.settings.orchestrator)}" if s.escalated else ""),
            f"**Approvals:** {len(s.approvals)} of {s.settings.required_approvals} required"
            + (f" (by {', '.join(md(r.reviewer) for r in s.approvals)} at "
               f"`{s.approved_commit[:12]}`)" if s.approved_commit else ""), ""]
    if s.ignored:
        out += ["**Reviews not counted:**"]
        out += [f"- {md(i.review.reviewer)} ({i.review.state}): {md(i.reason)}"
                for i in s.ignored]
        out.append("")

    out += [f"### {_heading(result)}", "", "**Artifacts produced:**"]
    for title, ok, n in checklist(report):
        out.append(f"- [{'x' if ok else ' '}] {title}"
                   + (f" — {n} open finding{'s' if n != 1 else ''}" if n else ""))
    prio = priorities(d)
    out += ["", "**Prioritization summary:**",
            f"- Quick Wins designed: {_ids(prio['Quick Win'])}",
            f"- Major Projects designed: {_ids(prio['Major Project'])}",
            f"- Fill-Ins designed: {_ids(prio['Fill-In'])}",
            f"- Deferred (Thankless/out of scope): {_ids(prio['Thankless Task'])}"]
    if prio["unscored"]:
        out.append(f"- Not scored: {_ids(prio['unscored'])}")
    out += ["", "**Review checklist:**"]
    for title, fams in REVIEW_CHECKLIST:
        n = len(open_findings(report.findings, fams))
        out.append(f"- [{'x' if not n else ' '}] {title}" + (f" — {n} open" if n else ""))
    open_counts = {sev: report.count(sev) for sev in (Severity.ERROR, Severity.WARNING)}
    out += ["", f"**Open findings:** {open_counts[Severity.ERROR]} errors, "
            f"{open_counts[Severity.WARNING]} warnings, {len(report.waived)} waived"]

    if s.findings:
        out += ["", "**Gate findings:**"]
        out += [f"- `{f.rule}` {md(f.location)}: {md(f.message)}" for f in s.findings]
    if s.cycles or s.pending or s.awaiting:
        out += ["", "**Revision history:**"]
        revisions = {r.cycle: r for r in result.revisions}
        for c in s.cycles:
            out.append(f"- Cycle {c.number}: REVISE by "
                       f"{', '.join(sorted({md(r.reviewer) for r in c.reviews}))}, answered by "
                       f"`{_answer(c)}`")
            for r in c.reviews:
                out += _feedback(r, cap)
            if c.number in revisions:
                out += [f"  - {md(line)}" for line in _revision_lines(revisions[c.number])]
        for r in s.pending:
            out.append(f"- Waiting for a design change: REVISE by {md(r.reviewer)} on "
                       f"`{(r.commit or '?')[:12]}`")
            out += _feedback(r, cap)
        for r in s.awaiting:
            out.append(f"- Waiting for {md(r.reviewer)} to review the changed design")
    active = [i for i in s.interventions if i.concerns_phase and not i.processed]
    done = [i for i in s.interventions if i.concerns_phase and i.processed]
    notices = [i for i in s.interventions if not i.concerns_phase]
    if active or done or notices:
        out += ["", "**Human interventions:**"]
        out += [f"- Active ({i.urgency}): {md(i.title)} — {code(i.path)}" for i in active]
        out += [f"- Processed: {md(i.title)} — {code(i.path)}" for i in done]
        out += [f"- Contract-change notice for {md(i.phase)}: {md(i.title)} — {code(i.path)}"
                for i in notices]
    if result.contract:
        out += ["", f"**Changes since the approved baseline "
                f"`{result.baseline.commit[:12] if result.baseline else '?'}`:** "
                f"{result.contract.summary()}", ""]
        table = format_markdown(result.contract).split("\n", 2)
        out += table[2].splitlines() if len(table) > 2 else []
    out += ["", "**Reply with a pull-request review:** *Approve* → APPROVED (begin 06 Backend "
            "Implementation); *Request changes* with your feedback → REVISE (the design is "
            "updated and re-presented)."]
    if s.escalated:
        out += ["", f"**{mention(s.settings.orchestrator)}, the gate waits for your decision:** "
                "comment `/designgate approve` (approvals approve again), `/designgate "
                "continue` (another round of revision cycles) or `/designgate stop`."]
    out += ["", f"<sub>designgate · head `{s.head[:12]}` · reviews from {md(s.source)}</sub>"]
    return "\n".join(out) + "\n"


def _revision_lines(r: Revision) -> list[str]:
    """What a revision answered: named and touched, item by item, then by area."""
    def names(xs: list[str]) -> str:
        return ", ".join(xs) if xs else "nothing"

    out = [f"feedback named: {names([*r.named_items, *(AREA_LABELS[a] for a in r.named_areas)])}",
           "revision touched: "
           + names([*r.touched_items, *(AREA_LABELS[a] for a in r.touched_areas)])]
    if r.addressed:
        out.append(f"addressed: {names(r.addressed)}")
    if r.not_touched:
        out.append(f"named, not touched: {names(r.not_touched)}")
    if r.beyond:
        out.append(f"touched beyond the feedback: {names(r.beyond)}")
    return out


def _feedback(r: Any, cap: int) -> list[str]:
    if not r.body.strip():
        return []
    if cap <= 0:
        return [f"  - {md(r.reviewer)}: (feedback not shown: the comment is too long)"]
    return [f"  - {md(r.reviewer)} wrote:", *quote(r.body, cap, "    ")]


def _ids(ids: list[str]) -> str:
    return ", ".join(f"`{i.replace('`', '')}`" for i in ids) if ids else "none"


RENDERERS: dict[str, Callable[[GateResult], str]] = {
    "text": render_text, "json": render_json, "markdown": render_markdown,
}
