"""The review package's contents, computed from a checked design (no git, no network).

The seed's "BACKEND DESIGN COMPLETE — HUMAN REVIEW REQUIRED": the artifacts checklist
evaluated from the checks, the prioritization summary and the review checklist. Shared by
the gate comment (``designgate.gate.report``) and the site's gate page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from designgate.check import Report
from designgate.findings import Finding, Severity
from designgate.model.design import QUADRANT_ORDER, Design


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    title: str
    families: str  # rule families whose open findings leave the item unchecked
    present: Callable[[Design], bool]


ARTIFACTS = (
    ChecklistItem("Endpoint Inventory (all endpoints mapped to FR-IDs)", "T",
                  lambda d: bool(d.endpoints)),
    ChecklistItem("OpenAPI Spec (request/response schemas, error format)", "RO",
                  lambda d: bool(d.endpoints)),
    ChecklistItem("Schema Design (tables, columns, indexes, migration plan)", "S",
                  lambda d: bool(d.tables) and bool(d.migrations)),
    ChecklistItem("Auth & Permission Model (roles, permissions, endpoint mapping)", "A",
                  lambda d: bool(d.roles)),
    ChecklistItem("Integration Points Specification (webhooks, third-party contracts)", "I",
                  lambda d: bool(d.webhooks or d.events or d.third_parties)),
    ChecklistItem("Complete OpenAPI 3.x Spec + Examples", "EOP", lambda d: bool(d.endpoints)),
)
REVIEW_CHECKLIST = (
    ("Contract-first: the OpenAPI document is complete and valid", "O"),
    ("Traceability: every endpoint maps to at least one FR-ID", "T"),
    ("Schema alignment: the data dictionary drives the schema; no orphan columns", "S"),
    ("Error states: every endpoint defines its error responses", "R"),
    ("Pagination by default: every list endpoint is paginated", "P"),
    ("Auth on every endpoint, RLS on every table with user data", "A"),
    ("Handoff accepted: no No-Go condition open", "H"),
)


def open_findings(findings: list[Finding], families: str) -> list[Finding]:
    return [f for f in findings if f.rule[0] in families and f.severity >= Severity.WARNING]


def checklist(report: Report) -> list[tuple[str, bool, int]]:
    return [(item.title, item.present(report.design) and not open_findings(report.findings, item.families),
             len(open_findings(report.findings, item.families))) for item in ARTIFACTS]


def priorities(design: Design) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {q: [] for q in QUADRANT_ORDER}
    out["unscored"] = []
    for ep in design.endpoints:
        out[ep.quadrant or "unscored"].append(ep.id)
    return out


def review_package(report: Report) -> dict[str, Any]:
    """Everything the package shows, as plain data for templates."""
    return {
        "artifacts": [{"title": t, "ok": ok, "open": n} for t, ok, n in checklist(report)],
        "priorities": priorities(report.design),
        "review": [{"title": t, "open": len(open_findings(report.findings, fams))}
                   for t, fams in REVIEW_CHECKLIST],
    }
