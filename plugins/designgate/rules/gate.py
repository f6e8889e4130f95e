"""Gate rules (G): emitted by ``designgate gate status`` and the site's gate page.

They read git history, reviews and ``human-interventions/``, not only the design, so
``designgate check`` does not run them.
"""

from __future__ import annotations

from designgate.findings import Severity
from designgate.rules.registry import declare

E = Severity.ERROR

declare("G001", "intervention-immediate", E,
        "An immediate human intervention for this phase is active: the gate halts.", """
    A file in `human-interventions/active/` with `phase: 04-backend-design` (or `all`) and
    `urgency: immediate` stops the phase: process the intervention first (integrate the
    change it asks for), then move its record to `human-interventions/processed/`. The gate
    summary lists processed interventions.
""")
declare("G002", "intervention-unprocessed", E,
        "An end-of-phase human intervention is still active: approval is blocked.", """
    An `urgency: end-of-phase` intervention for this phase must be integrated before the gate
    is presented. Until its record moves from `human-interventions/active/` to
    `human-interventions/processed/`, approvals do not approve the gate.
""")
declare("G003", "revision-limit", E,
        "The revision limit is reached: the gate escalates to the orchestrator.", """
    Each REVISE (by a reviewer with write access) answered by a change of the design content
    is one revision cycle; rebases, amends, merges from the base branch and dismissals do
    not change the count. At `gate.max_revision_cycles` (default 3, read from the base
    branch) the gate is escalated until the orchestrator named in `gate.orchestrator` (or a
    login in `gate.orchestrator_logins`) decides: a review, or a comment `/designgate approve`
    (the ordinary rules decide again), `/designgate continue` (another round of cycles) or
    `/designgate stop` (the gate halts). Ordinary approvals do not clear the escalation.
""")
declare("G004", "contract-changed-after-approval", E,
        "The design has a breaking change since approval and no intervention record.", """
    After a gate approval, the design is what implementation and integration build on. A
    breaking change since the approved baseline (classified by the change review, see
    `designgate diff --base approved`: an operation removed, a request narrowed, a response
    widened, a column dropped, a role losing access...) needs a record in
    `human-interventions/active/<date>-04-api-update/` that tells the downstream phases.
    `designgate intervention new --api-update` drafts it with the classified changes, their
    impact and the digest of the breaking changes it covers (`covers:`); until a record
    covering them is committed after the baseline, approval is blocked. A later breaking
    change needs a record of its own; one accepted on purpose can be acknowledged by its
    fingerprint in `acknowledged_changes:` instead. Warnings and infos are listed, not
    blocking.
""")
declare("G005", "intervention-invalid", E, "A human-intervention record cannot be read.", """
    Records are Markdown files with YAML front matter: `phase:` (`04-backend-design` or
    `all`) and `urgency:` (`immediate` or `end-of-phase`) between two `---` lines. A record
    the gate cannot read could be an unseen halt, so it is an error: fix the front matter.
    So is what looks like a record but would not be read: a phase that is not one or is a
    typo of `04-backend-design`, a file that is not `.md`, a record folder without
    `content.md`, and anything in `human-interventions/` beside `active/` and `processed/`.
""")
