"""The gate's state, computed from the history, the reviews and the interventions.

A pure function of its inputs (:func:`evaluate`), so the CLI, the site, ``gate tag`` and the
tests share one definition. **Who counts**: a review counts only when its author has write
access (GitHub's ``author_association`` OWNER, MEMBER or COLLABORATOR; records written by
``designgate gate record`` in local use) and is not the pull request's author; the others
are listed with the reason they do not count. The states, in the order they decide:

1. **halted** — a Handoff No-Go finding (H rules) is open, an ``immediate`` intervention for
   this phase is active, or the orchestrator decided ``stop``.
2. **escalated** — ``max_revision_cycles`` cycles are used and the orchestrator has not
   decided since (``approve`` lifts the escalation, ``continue`` grants another
   ``max_revision_cycles``); ordinary approvals are shown but do not clear it.
3. **approved** — at least ``required_approvals`` counted reviewers' latest decision is an
   approval of the design content under review (the ``design/`` tree at HEAD is the tree of
   the approved commit: any later change, merges included, makes it stale); no counted
   reviewer's latest decision is a REVISE (GitHub's rule: answered or not, a request for
   changes holds until its reviewer approves or it is dismissed); a code owner of every
   changed design file approved (``require_code_owners``); nothing blocks approval.
4. **revise** — a REVISE waits for a design change (cycle n of max).
5. **draft** — the pull request is a draft, or nobody has reviewed yet outside a pull request.
6. **in-review** — everything else: the reasons say what is missing.

**Revision cycles are matched to content, not commit ids.** Each review is placed on the
*design delta* of the commit it reviewed: the design files that commit changes against its
fork point from the base branch (:meth:`designgate.gate.git.Repo.design_delta`). A rebase or
an amend that keeps the changes, and merges from the base branch, leave the delta as it was;
commits that are gone from the clone are asked of the review host. REVISE reviews of one
delta, with no design change between them, are one cycle; the cycle is used when the delta
changed after them. A dismissed REVISE that had been answered when it was dismissed (the
head at dismissal, or a later review, shows other content) stays counted: dismissing
reviews cannot give cycles back.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from designgate.findings import Finding
from designgate.gate.git import ApprovalMark, Commit, History
from designgate.gate.interventions import Intervention
from designgate.gate.reviews import (
    APPROVE,
    DECIDE_APPROVE,
    DECIDE_CONTINUE,
    DECIDE_STOP,
    LOCAL,
    REVISE,
    WRITE_ACCESS,
    PullRequest,
    Review,
)
from designgate.model.design import GateSettings

Delta = frozenset[tuple[str, str]]

DRAFT, IN_REVIEW, REVISE_STATE = "draft", "in-review", "revise"
APPROVED, ESCALATED, HALTED = "approved", "escalated", "halted"
#: Exit code of ``designgate gate status`` per state (documented in the guide).
EXIT_CODES = {DRAFT: 0, IN_REVIEW: 0, REVISE_STATE: 0, APPROVED: 0, ESCALATED: 1, HALTED: 1}


@dataclass(slots=True)
class Content:
    """What is known of the design content: the ``design/`` tree and the design delta of
    commits (a missing key: unknown; the resolver asks git, then the review host)."""

    head_tree: str | None = None
    head_delta: Delta | None = None
    trees: dict[str, str | None] = field(default_factory=dict)
    deltas: dict[str, Delta | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Cycle:
    number: int
    reviews: tuple[Review, ...]  # the REVISE reviews it answered
    answered_by: Commit | None  # the first commit with other design content (None: unknown)


@dataclass(frozen=True, slots=True)
class Ignored:
    review: Review
    reason: str


@dataclass(slots=True)
class GateStatus:
    state: str
    settings: GateSettings
    cycles: list[Cycle] = field(default_factory=list)
    pending: list[Review] = field(default_factory=list)  # REVISE not answered yet
    awaiting: list[Review] = field(default_factory=list)  # REVISE answered, not re-reviewed
    approvals: list[Review] = field(default_factory=list)  # valid at the current design
    stale_approvals: list[Review] = field(default_factory=list)  # design changed since
    ignored: list[Ignored] = field(default_factory=list)  # reviews that do not count, and why
    owners_missing: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    decisions: list[Review] = field(default_factory=list)  # the orchestrator's, counted
    decided: Review | None = None  # the decision that ended the last escalation
    escalated: bool = False  # an escalation waits for the orchestrator
    escalations: int = 0  # how often the cycle budget ran out
    budget: int = 0  # cycles allowed before the next escalation
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
            return f"revise (cycle {self.current_cycle} of {self.budget or self.max_cycles})"
        if self.state == APPROVED:
            who = ", ".join(sorted({r.reviewer for r in self.approvals}))
            return f"approved by {who}"
        if self.state == ESCALATED:
            return f"escalated to {self.settings.orchestrator}"
        return self.state.replace("-", " ")


def latest_decisions(reviews: list[Review]) -> list[Review]:
    """Each reviewer's latest decision (a dismissed one clears that reviewer's decision)."""
    latest: dict[str, Review] = {}
    for r in sorted(reviews, key=lambda r: r.time):
        if r.decision is None:
            latest[r.reviewer.lower()] = r
    return [r for r in latest.values() if r.dismissed is None and r.state in (APPROVE, REVISE)]


def ignored_reason(r: Review, author: str | None) -> str | None:
    """Why ``r`` does not count (None: it counts)."""
    if r.ghost:
        return "the account was deleted"
    if author and r.reviewer.lower() == author.lower():
        return "the pull request's author"
    if r.association == LOCAL:
        return None
    if r.association is None:
        return "no author_association (write access unknown)"
    if r.association not in WRITE_ACCESS:
        return f"no write access ({r.association})"
    return None


def evaluate(
    history: History,
    reviews: list[Review],
    settings: GateSettings,
    *,
    content: Content | None = None,
    owners: dict[str, tuple[str, ...]] | None = None,
    halting: list[Finding] | None = None,
    blocking: list[Finding] | None = None,
    interventions: list[Intervention] | None = None,
    pr: PullRequest | None = None,
    marks: list[ApprovalMark] | None = None,
    source: str = "none",
) -> GateStatus:
    """The gate state of ``history`` under ``reviews``.

    ``owners`` maps each design file the change touches to the logins (lower case, ``@``
    removed) of its code owners; a file with no owners needs none.
    """
    halting = halting or []
    blocking = blocking or []
    commits = history.commits
    index = history.index()
    times = [c.time for c in commits]
    if content is None:  # local history only: every commit's tree, deltas unknown
        content = Content(history.head_tree, None, {c.sha: c.tree for c in commits}, {})
    last_design = max((i for i, c in enumerate(commits) if c.touches_design), default=-1)
    status = GateStatus(IN_REVIEW, settings, head=history.head, base=history.base,
                        branch=history.branch, pr=pr, reviews=list(reviews), source=source,
                        interventions=list(interventions or []), history=list(marks or []),
                        last_design_commit=commits[last_design] if last_design >= 0 else None,
                        budget=settings.max_revision_cycles)

    author = pr.author if pr is not None else None
    deciders = settings.deciders()

    def decides(r: Review) -> bool:
        who = r.reviewer.strip().lower()
        return who.lstrip("@") in deciders or (
            r.association == LOCAL and who == settings.orchestrator.strip().lower())

    counted: list[Review] = []
    for r in sorted(reviews, key=lambda r: r.time):
        why = ignored_reason(r, author)
        if r.decision is not None:
            if why is None and not decides(r):
                why = f"a decision, and not by the orchestrator ({settings.orchestrator})"
            if why is None:
                status.decisions.append(r)
            else:
                status.ignored.append(Ignored(r, why))
            continue
        if why is not None:
            status.ignored.append(Ignored(r, why))
            continue
        counted.append(r)
        if decides(r) and r.dismissed is None:
            status.decisions.append(r)  # the orchestrator's own review decides too

    def placed(commit: str | None, when: datetime) -> int | None:
        """Index of the commit in the range, or of the last commit before ``when``."""
        if commit is not None and commit in index:
            return index[commit]
        if commit is not None and commit == history.base:
            return -1
        if commit is not None and (content.deltas.get(commit) is not None
                                   or content.trees.get(commit) is not None):
            return None  # known content, outside the range
        return bisect.bisect_right(times, when) - 1 if commits else None

    def delta(commit: str | None, when: datetime) -> object:
        """The design delta a review saw (an opaque key; a unique object when unknown)."""
        if commit is not None and content.deltas.get(commit) is not None:
            return content.deltas[commit]
        pos = placed(commit, when)
        if pos is not None and pos >= 0 and content.deltas.get(commits[pos].sha) is not None:
            return content.deltas[commits[pos].sha]
        if pos is not None and pos >= 0:
            return ("tree", commits[pos].tree)
        return ("unknown", commit, when)

    head_key: object = content.head_delta if content.head_delta is not None else (
        ("tree", history.head_tree) if commits else ("unknown", "head", 0))

    def key_of_commit(i: int) -> object:
        c = commits[i]
        got = content.deltas.get(c.sha)
        return got if got is not None else ("tree", c.tree)

    # --- revision cycles -------------------------------------------------------------
    revises = [r for r in counted if r.state == REVISE]
    groups: list[tuple[object, list[Review]]] = []
    for r in revises:
        k = delta(r.commit, r.time)
        if groups and groups[-1][0] == k and not _changed_between(groups[-1][1][-1], r, placed,
                                                                    commits):
            groups[-1][1].append(r)
        else:
            groups.append((k, [r]))
    later_keys: list[list[tuple[datetime, object]]] = []
    for gi in range(len(groups)):
        later_keys.append([(r.time, k) for k, rs in groups[gi + 1:] for r in rs])
    for gi, (k, members) in enumerate(groups):
        answered = False
        for r in members:
            if r.dismissed is None:
                answered = answered or bool(later_keys[gi]) or head_key != k
                continue
            # a dismissed REVISE: counted if its answer came before the dismissal
            at = r.dismissed.head
            seen = content.deltas.get(at) if at else None
            if seen is None and at is not None and at in index:
                seen = key_of_commit(index[at])  # type: ignore[assignment]
            earlier = any(t < r.dismissed.time and kk != k for t, kk in later_keys[gi])
            if (seen is not None and seen != k) or earlier:
                answered = True
        if not answered:
            continue
        start = max(_or(placed(r.commit, r.time), -1) for r in members)
        by = next((commits[i] for i in range(max(start, -1) + 1, len(commits))
                   if commits[i].touches_design and key_of_commit(i) != k), None)
        status.cycles.append(Cycle(len(status.cycles) + 1, tuple(members), by))

    # --- latest decisions: approvals, pending and answered REVISEs ---------------------
    for r in latest_decisions(counted):
        if r.state == APPROVE:
            tree = content.trees.get(r.commit) if r.commit else None
            current = (tree is not None and tree == content.head_tree) or (
                r.commit is not None and r.commit == history.head)
            (status.approvals if current else status.stale_approvals).append(r)
        elif delta(r.commit, r.time) == head_key:
            status.pending.append(r)
        else:
            status.awaiting.append(r)
    status.approvals.sort(key=lambda r: r.time)
    status.pending.sort(key=lambda r: r.time)
    status.awaiting.sort(key=lambda r: r.time)
    status.findings = [*halting, *blocking]

    if settings.require_code_owners and owners:
        approvers = {r.reviewer.lstrip("@").lower() for r in status.approvals}
        status.owners_missing = [(path, who) for path, who in sorted(owners.items())
                                 if who and not approvers & set(who)]

    # --- escalation: the orchestrator decides ----------------------------------------
    stopped: Review | None = None
    decisions = sorted(status.decisions, key=lambda r: r.time)
    budget = settings.max_revision_cycles
    since: datetime | None = None
    for c in status.cycles:
        if c.number < budget:
            continue
        at = max(r.time for r in c.reviews)
        since = at if since is None or at > since else since
        # a decision after the cycle's last REVISE (the same second counts: git and GitHub
        # keep seconds), other than those REVISEs themselves
        d = next((d for d in decisions if d.time >= since and d not in c.reviews
                  and d is not status.decided), None)
        status.escalations += 1
        if d is None:
            status.escalated = True
            break
        since = d.time
        status.decided = d
        kind = d.decision or (DECIDE_APPROVE if d.state == APPROVE else DECIDE_CONTINUE)
        if kind == DECIDE_STOP:
            stopped = d
            break
        if kind == DECIDE_APPROVE:
            budget = 10**9
            break
        budget += settings.max_revision_cycles
    status.budget = budget if budget < 10**9 else status.cycles_used

    required = settings.required_approvals
    approvable = (len(status.approvals) >= required and not status.pending
                  and not status.awaiting and not status.owners_missing and not blocking)
    if halting or stopped is not None:
        status.state = HALTED
        status.reasons = [f"{f.rule} {f.message}" for f in halting]
        if stopped is not None:
            status.reasons.append(f"the orchestrator ({stopped.reviewer}) decided to stop")
    elif status.escalated:
        status.state = ESCALATED
        status.reasons.append(
            f"{status.cycles_used} revision cycles used of {status.budget}: "
            f"{settings.orchestrator} decides how to go on (a review, or a comment "
            "'/designgate approve', '/designgate continue' or '/designgate stop')")
        if approvable:
            status.reasons.append("approved by " + ", ".join(r.reviewer for r in status.approvals)
                                  + ", which does not clear the escalation")
    elif approvable:
        status.state = APPROVED
        if status.decided is not None:
            status.reasons.append(f"escalation decided by {status.decided.reviewer}")
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
    if status.state in (IN_REVIEW, DRAFT, REVISE_STATE):
        have = len(status.approvals)
        status.reasons.append(f"{have} of {required} required approval"
                              f"{'s' if required != 1 else ''}")
    if status.state != APPROVED and status.state != HALTED:
        status.reasons += [f"approval blocked: {f.rule} {f.message}" for f in blocking]
        status.reasons += [f"{r.reviewer} requested changes on an earlier version: waiting "
                           f"for {r.reviewer} to review again (or a dismissal)"
                           for r in status.awaiting]
        status.reasons += [f"needs an approval by a code owner of {path} ("
                           + ", ".join("@" + w for w in who) + ")"
                           for path, who in status.owners_missing]
        if status.stale_approvals:
            status.reasons.append("design changed after the approval of "
                                  + ", ".join(sorted({r.reviewer for r in
                                                      status.stale_approvals})))
    if status.ignored:
        status.reasons.append("not counted: " + "; ".join(
            f"{i.review.reviewer} ({i.reason})" for i in status.ignored))
    return status


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _changed_between(a: Review, b: Review, placed: object, commits: list[Commit]) -> bool:
    """Whether a design commit lies between the commits reviews ``a`` and ``b`` saw (a
    change and its revert between two reviews of the same content is a cycle)."""
    pa = placed(a.commit, a.time)  # type: ignore[operator]
    pb = placed(b.commit, b.time)  # type: ignore[operator]
    if pa is None or pb is None or pb <= pa:
        return False
    return any(commits[i].touches_design for i in range(pa + 1, pb + 1))
