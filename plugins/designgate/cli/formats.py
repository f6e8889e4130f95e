"""Output formatters: a check report as text, JSON, SARIF 2.1.0 or GitHub workflow commands.

Each style is one function ``(report, options) -> str`` registered in :data:`FORMATTERS`;
the rule listings of ``designgate rules`` work the same way (:data:`RULE_FORMATTERS`).
Pure functions: the command decides where the text goes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from designgate import __version__
from designgate.check import Report
from designgate.findings import Finding, Severity
from designgate.rules.registry import Rule, all_rules

#: Version of the JSON report layout; bumped only on incompatible changes.
JSON_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True, slots=True)
class Options:
    color: bool = False
    show_waived: bool = False
    fail_on: Severity | None = Severity.ERROR  # None: never fail


# --- shared pieces -----------------------------------------------------------------------


def counts(report: Report) -> dict[str, int]:
    return {
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
        "waived": len(report.waived),
    }


def summary_line(report: Report) -> str:
    """``2 errors, 1 warning, 0 infos (1 waived)``."""
    c = counts(report)
    parts = [_plural(c[k], k[:-1]) for k in ("errors", "warnings", "infos")]
    return f"{', '.join(parts)} ({c['waived']} waived)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_ANSI = {"bold": "1", "dim": "2", "red": "31", "yellow": "33", "blue": "34", "green": "32"}
_SEVERITY_COLOR = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _paint(text: str, style: str, on: bool) -> str:
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if on else text


def _one_line(text: str) -> str:
    # Messages may quote YAML values; keep one finding per line for grep and editors.
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": str(f.severity),
        "message": f.message,
        "file": f.span.file if f.span else None,
        "line": f.span.line if f.span else None,
        "column": f.span.column if f.span else None,
        "pointer": f.json_pointer(),
    }


# --- text --------------------------------------------------------------------------------


def format_text(report: Report, opts: Options) -> str:
    """One line per finding, ``file:line:col RULE severity message``, then the summary."""
    on = opts.color
    lines = []
    for f in report.findings:
        sev = _paint(str(f.severity), _SEVERITY_COLOR[f.severity], on)
        lines.append(f"{_paint(f.location, 'bold', on)} {_paint(f.rule, 'bold', on)} {sev} "
                     f"{_one_line(f.message)}")
    if opts.show_waived:
        for f in report.waived:
            lines.append(_paint(f"{f.location} {f.rule} {f.severity} {_one_line(f.message)} "
                                f"[waived: {_one_line(f.waived_by or '')}]", "dim", on))
    summary = summary_line(report)
    if on:
        summary = _paint(summary, "red" if report.fails(opts.fail_on) else "green", on)
    lines.append(summary)
    return "\n".join(lines)


# --- JSON --------------------------------------------------------------------------------


def format_json(report: Report, opts: Options) -> str:
    summary: dict[str, Any] = dict(counts(report))
    summary["halted"] = len(report.halted)
    summary["fail_on"] = str(opts.fail_on) if opts.fail_on is not None else "never"
    summary["failed"] = report.fails(opts.fail_on)
    doc = {
        "version": JSON_VERSION,
        "tool": "designgate",
        "tool_version": __version__,
        "summary": summary,
        "findings": [_finding_dict(f) for f in report.findings],
        "waived": [{**_finding_dict(f), "reason": f.waived_by} for f in report.waived],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


# --- SARIF 2.1.0 -------------------------------------------------------------------------

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    explanation = rule.explanation or rule.summary
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": explanation.split("\n\n")[0].replace("\n", " ")},
        "help": {"text": explanation, "markdown": explanation},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": [rule.family]},
    }


def _sarif_result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": f.rule}
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    result["level"] = _SARIF_LEVEL[f.severity]
    result["message"] = {"text": f.message}
    if f.span is not None:
        result["locations"] = [{
            "physicalLocation": {
                "artifactLocation": {"uri": f.span.file, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.span.line, "startColumn": f.span.column},
            }
        }]
    if f.waived_by is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": f.waived_by}]
    return result


def format_sarif(report: Report, opts: Options) -> str:
    """SARIF 2.1.0; waived findings are results with an in-source suppression."""
    rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "designgate",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(r) for r in rules],
            }},
            # Columns count characters, as YAML marks do (SARIF's default is UTF-16 units).
            "columnKind": "unicodeCodePoints",
            "results": [_sarif_result(f, index) for f in [*report.findings, *report.waived]],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


# --- GitHub workflow commands ------------------------------------------------------------

_GITHUB_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (as actions/toolkit's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (as actions/toolkit's ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github_line(command: str, f: Finding, title: str, message: str) -> str:
    props: list[tuple[str, str]] = []
    if f.span is not None:
        props += [("file", f.span.file), ("line", str(f.span.line)), ("col", str(f.span.column))]
    props.append(("title", title))
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{command} {prop_text}::{escape_data(message)}"


def format_github(report: Report, opts: Options) -> str:
    """One annotation per finding (waived ones as notices with --show-waived), then the summary."""
    lines = [_github_line(_GITHUB_COMMAND[f.severity], f, f.rule, f.message) for f in report.findings]
    if opts.show_waived:
        lines += [_github_line("notice", f, f"{f.rule} (waived)",
                               f"{f.message} [waived: {f.waived_by}]") for f in report.waived]
    lines.append(f"designgate: {summary_line(report)}")
    return "\n".join(lines)


Formatter = Callable[[Report, Options], str]
FORMATTERS: dict[str, Formatter] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
}


def render(report: Report, style: str, opts: Options) -> str:
    return FORMATTERS[style](report, opts)


# --- the rule registry -------------------------------------------------------------------


def _rule_row(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": str(rule.severity),
        "family": rule.family,
        "summary": rule.summary,
        "halts": rule.halts,
        "scope": rule.scope,
        "explanation": rule.explanation,
    }


def rules_text(rules: Sequence[Rule]) -> str:
    cols = [(r.id, r.name, str(r.severity), r.family, r.summary) for r in rules]
    widths = [max((len(c[i]) for c in cols), default=0) for i in range(4)]
    return "\n".join(
        "  ".join(c[i].ljust(widths[i]) for i in range(4)) + "  " + c[4] for c in cols
    )


def rules_json(rules: Sequence[Rule]) -> str:
    doc = {"version": JSON_VERSION, "rules": [_rule_row(r) for r in rules]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_markdown(rules: Sequence[Rule]) -> str:
    lines = ["| Rule | Name | Severity | Family | Summary |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.id} | `{r.name}` | {r.severity} | {r.family} | {_cell(r.summary)} |" for r in rules
    ]
    return "\n".join(lines)


RULE_FORMATTERS: dict[str, Callable[[Sequence[Rule]], str]] = {
    "text": rules_text,
    "json": rules_json,
    "markdown": rules_markdown,
}


def explain(rule: Rule) -> str:
    """The full documentation of one rule, as Markdown."""
    traits = [f"severity {rule.severity} (default)", f"family {rule.family}"]
    if rule.halts:
        traits.append("halts the gate (Handoff No-Go)")
    if rule.scope:
        traits.append("narrowed to MVP-tagged FR-IDs in release mode mvp")
    line = "; ".join(traits)
    parts = [f"# {rule.id} {rule.name}", line[0].upper() + line[1:] + ".", rule.summary]
    if rule.explanation:
        parts.append(rule.explanation)
    return "\n\n".join(parts)
