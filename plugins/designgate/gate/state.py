"""The gate's state, computed from the history, the reviews and the interventions.

A pure function of its inputs (:func:`evaluate`), so the CLI, the site and the tests share
it. The rules, in the order they decide:

1. **halted** — a Handoff No-Go finding (H rules) is open, or an ``immediate`` intervention
   for this phase is active.
2. **approved** — at least ``required_approvals`` reviewers' latest decision is APPROVED on a
   commit after which ``design/`` did not change, nobody's latest decision is an unanswered
   REVISE, and nothing blocks approval (an unprocessed ``end-of-phase`` intervention, or a
   post-approval contract change without an intervention record).
3. **escalated** — ``max_revision_cycles`` cycles have been used.
4. **revise** — a REVISE is waiting for design commits (cycle n of max).
5. **draft** — the pull request is a draft, or nobody has reviewed yet outside a pull request.
6. **in-review** — everything else: waiting for reviews.

A **revision cycle** is a REVISE answered by commits changing ``design/`` after the reviewed
commit. The cycle is identified by the first such commit, so several REVISE reviews of one
commit (or of commits with no design change between them) are one cycle, and a REVISE with no
design commit after it is not (yet) a cycle.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from designgate.findings import Finding
from designgate.gate.git import ApprovalMark, Commit, History
from designgate.gate.interventions import Intervention
from designgate.gate.reviews import APPROVE, REVISE, PullRequest, Review
from designgate.model.design import GateSettings

DRAFT, IN_REVIEW, REVISE_STATE = "draft", "in-review", "revise"
APPROVED, ESCALATED, HALTED = "approved", "escalated", "halted"
#: Exit code of ``designgate gate status`` per state (documented in the guide).
EXIT_CODES = {DRAFT: 0, IN_REVIEW: 0, REVISE_STATE: 0, APPROVED: 0, ESCALATED: 1, HALTED: 1}


@dataclass(frozen=True, slots=True)
class Cycle:
    number: int
    reviews: tuple[Review, ...]  # the REVISE reviews it answered
    answered_by: Commit  # the first design commit after them


@dataclass(slots=True)
class GateStatus:
    state: str
    settings: GateSettings
    cycles: list[Cycle] = field(default_factory=list)
    pending: list[Review] = field(default_factory=list)  # REVISE not answered yet
    approvals: list[Review] = field(default_factory=list)  # valid at the current design
    stale_approvals: list[Review] = field(default_factory=list)  # design changed since
    reasons: list[str] = field(default_factory=list)  # why the state is what it is
    findings: list[Finding] = field(default_factory=list)  # G rules (and halting H)
    interventions: list[Intervention] = field(default_factory=list)
    history: list[ApprovalMark] = field(default_factory=list)  # approvals recorded in git
    head: str = ""
    base: str | None = None
    branch: str | None = None
    pr: PullRequest | None = None
    last_design_commit: Commit | None = None
    reviews: list[Review] = field(default_factory=list)
    source: str = "none"  # where the reviews came from

    @property
    def cycles_used(self) -> int:
        return len(self.cycles)

    @property
    def max_cycles(self) -> int:
        return self.settings.max_revision_cycles

    @property
    def current_cycle(self) -> int:
        """The cycle a pending REVISE opens (cycles used + 1 while one waits)."""
        return self.cycles_used + (1 if self.pending else 0)

    @property
    def escalated(self) -> bool:
        return self.cycles_used >= self.max_cycles

    @property
    def approved_commit(self) -> str | None:
        return self.approvals[-1].commit if self.approvals else None

    @property
    def approved_at(self) -> datetime | None:
        return self.approvals[-1].time if self.approvals else None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.state]

    def label(self) -> str:
        if self.state == REVISE_STATE:
            return f"revise (cycle {self.current_cycle} of {self.max_cycles})"
        if self.state == APPROVED:
            who = ", ".join(sorted({r.reviewer for r in self.approvals}))
            return f"approved by {who}"
        if self.state == ESCALATED:
            return f"escalated to {self.settings.orchestrator}"
        return self.state.replace("-", " ")


def latest_decisions(reviews: list[Review]) -> list[Review]:
    """Each reviewer's latest review (a DISMISSED one clears that reviewer's decision)."""
    latest: dict[str, Review] = {}
    for r in sorted(reviews, key=lambda r: r.time):
        latest[r.reviewer] = r
    return list(latest.values())


def evaluate(
    history: History,
    reviews: list[Review],
    settings: GateSettings,
    *,
    halting: list[Finding] | None = None,
    blocking: list[Finding] | None = None,
    interventions: list[Intervention] | None = None,
    pr: PullRequest | None = None,
    marks: list[ApprovalMark] | None = None,
    source: str = "none",
) -> GateStatus:
    """The gate state of ``history`` under ``reviews`` (oldest first)."""
    halting = halting or []
    blocking = blocking or []
    interventions = interventions or []
    commits = history.commits
    index = history.index()
    design_idx = [i for i, c in enumerate(commits) if c.touches_design]
    times = [c.time for c in commits]
    last_design = design_idx[-1] if design_idx else -1

    def position(r: Review) -> int:
        """Index of the reviewed commit in the range (-1: before the range)."""
        if r.commit is not None and r.commit in index:
            return index[r.commit]
        if r.commit is not None and r.commit == history.base:
            return -1
        # Unknown commit (force-pushed away, or outside the range): place it by time.
        return bisect.bisect_right(times, r.time) - 1

    def answer(pos: int) -> int | None:
        k = bisect.bisect_right(design_idx, pos)
        return design_idx[k] if k < len(design_idx) else None

    status = GateStatus(IN_REVIEW, settings, head=history.head, base=history.base,
                        branch=history.branch, pr=pr, reviews=list(reviews), source=source,
                        interventions=list(interventions), history=list(marks or []),
                        last_design_commit=commits[last_design] if last_design >= 0 else None)

    groups: dict[int, list[Review]] = {}
    for r in reviews:
        if r.state != REVISE:
            continue
        a = answer(position(r))
        if a is None:
            continue
        groups.setdefault(a, []).append(r)
    status.cycles = [Cycle(n, tuple(groups[a]), commits[a])
                     for n, a in enumerate(sorted(groups), start=1)]

    for r in latest_decisions(reviews):
        current = position(r) >= last_design
        if r.state == APPROVE:
            (status.approvals if current else status.stale_approvals).append(r)
        elif r.state == REVISE and current:
            status.pending.append(r)
    status.approvals.sort(key=lambda r: r.time)
    status.pending.sort(key=lambda r: r.time)
    status.findings = [*halting, *blocking]

    required = settings.required_approvals
    if halting:
        status.state = HALTED
        status.reasons = [f"{f.rule} {f.message}" for f in halting]
    elif len(status.approvals) >= required and not status.pending and not blocking:
        status.state = APPROVED
        if status.escalated:
            status.reasons.append(f"approved after escalation ({status.cycles_used} cycles)")
    elif status.escalated:
        status.state = ESCALATED
        status.reasons.append(
            f"{status.cycles_used} revision cycles used of {settings.max_revision_cycles}: "
            f"{settings.orchestrator} decides how to go on")
    elif status.pending:
        status.state = REVISE_STATE
        status.reasons.append("changes requested by "
                              + ", ".join(sorted({r.reviewer for r in status.pending})))
    elif (pr is not None and pr.draft) or (pr is None and not reviews):
        status.state = DRAFT
        status.reasons.append("the pull request is a draft" if pr is not None
                              else "no review recorded yet")
    else:
        status.state = IN_REVIEW
        have = len(status.approvals)
        status.reasons.append(f"{have} of {required} required approval"
                              f"{'s' if required != 1 else ''}")
        status.reasons += [f"approval blocked: {f.rule} {f.message}" for f in blocking]
        if status.stale_approvals:
            status.reasons.append("design changed after the approval of "
                                  + ", ".join(sorted({r.reviewer for r in
                                                      status.stale_approvals})))
    return status


def approvers_of(reviews: list[Review], head: str, required: int) -> list[Review]:
    """The approvals that approve ``head`` (a merged pull request's last commit), or [].

    GitHub's own notion: each reviewer's latest decision counts; it must be APPROVED on
    ``head`` itself, nobody's latest may be a REVISE, and ``required`` reviewers must agree.
    """
    latest = latest_decisions(reviews)
    if any(r.state == REVISE for r in latest):
        return []
    ok = sorted((r for r in latest if r.state == APPROVE and r.commit == head),
                key=lambda r: r.time)
    return ok if len(ok) >= required else []
