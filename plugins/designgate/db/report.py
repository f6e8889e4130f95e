"""The verification report as text (with the role x table x command matrix) and JSON."""

from __future__ import annotations

from typing import Any

from designgate.db.verify import Report


def to_json(report: Report) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "server": report.server,
        "database": report.database,
        "steps": [{"phase": p, "what": w, "ok": ok} for p, w, ok in report.steps],
        "problems": [{"phase": p.phase, "message": p.message,
                      "file": p.span.file if p.span else None,
                      "line": p.span.line if p.span else None,
                      "column": p.span.column if p.span else None} for p in report.problems],
        "rls": report.rls.to_json() if report.rls is not None else None,
        "invariants": report.invariants.to_json() if report.invariants is not None else None,
    }


def render_text(report: Report) -> str:
    lines = [f"PostgreSQL {report.server}, scratch database {report.database} (dropped)"]
    for phase, what, ok in report.steps:
        lines.append(f"  {'ok  ' if ok else 'FAIL'} {phase:<8} {what}")
    for p in report.problems:
        where = f"{p.span} " if p.span else ""
        lines.append(f"{where}{p.phase}: {p.message}")
    if report.rls is not None:
        lines.append("")
        lines.append(report.rls.render())
    if report.invariants is not None:
        lines.append("")
        lines.append(report.invariants.render())
    failed = len(report.problems) + (report.rls.failures if report.rls else 0) + (
        len(report.invariants.failures) if report.invariants is not None else 0)
    lines.append("")
    lines.append("db verify: " + ("every check passed" if report.ok else
                                  f"{failed} problem(s)"))
    return "\n".join(lines)
