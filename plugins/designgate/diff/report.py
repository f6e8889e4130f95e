"""``designgate diff`` output: text, JSON, Markdown (pull-request comments), GitHub workflow
commands and SARIF 2.1.0. Pure functions of the diff."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from designgate import __version__
from designgate.diff.catalog import AREAS, CATALOG, Level
from designgate.diff.changes import Change, DesignDiff
from designgate.findings import Span
from designgate.render.text import anchor

#: Version of the JSON layout (documented in the guide's output formats).
JSON_VERSION = 1
MARKDOWN_SHOWN = 10


def _where(span: Span | None) -> str:
    return f"{span.file}:{span.line}" if span else "-"


def _one(text: str) -> str:
    return " ".join(str(text).split())


def _impact_text(c: Change) -> str:
    imp = c.impact.as_dict()
    parts = [f"{k.replace('_', ' ')}: {', '.join(v)}" for k, v in imp.items() if v]
    return "; ".join(parts)


def format_text(diff: DesignDiff, fail_on: Level | None = Level.BREAKING) -> str:
    lines = [f"{diff.base_ref} → {diff.head_ref}"]
    for c in diff.changes:
        ack = f" [acknowledged: {_one(c.acknowledged)}]" if c.acknowledged else ""
        lines.append(f"{_where(c.head or c.base)} {c.level} {c.id} {_one(c.message)} "
                     f"(base {_where(c.base)}, head {_where(c.head)}; {c.fingerprint}){ack}")
        if c.migration:
            lines.append(f"    migration: {c.migration}")
        if c.level == Level.BREAKING and c.impact:
            lines.append(f"    impact: {_impact_text(c)}")
        if c.suspects:
            lines.append(f"    suspect until re-audited: {', '.join(c.suspects)}")
    lines += [f"note: {n}" for n in diff.notes]
    lines.append(diff.summary())
    return "\n".join(lines)


def change_dict(c: Change) -> dict[str, Any]:
    def span(s: Span | None) -> dict[str, Any] | None:
        return {"file": s.file, "line": s.line, "column": s.column} if s else None

    return {
        "id": c.id,
        "level": str(c.level),
        "area": c.area,
        "subject": c.subject,
        "message": c.message,
        "fingerprint": c.fingerprint,
        "base": span(c.base),
        "head": span(c.head),
        "detail": list(c.detail),
        "before": c.before,
        "after": c.after,
        "impact": c.impact.as_dict(),
        "suspects": list(c.suspects),
        "migration": c.migration,
        "acknowledged": c.acknowledged,
    }


def format_json(diff: DesignDiff, fail_on: Level | None = Level.BREAKING) -> str:
    doc = {
        "version": JSON_VERSION,
        "tool": "designgate",
        "tool_version": __version__,
        "base": diff.base_ref,
        "head": diff.head_ref,
        "summary": {
            "breaking": diff.count(Level.BREAKING),
            "warnings": diff.count(Level.WARNING),
            "infos": diff.count(Level.INFO),
            "acknowledged": sum(1 for c in diff.changes if c.acknowledged),
            "fail_on": str(fail_on) if fail_on is not None else "never",
            "failed": diff.fails(fail_on),
        },
        "changes": [change_dict(c) for c in diff.changes],
        "notes": list(diff.notes),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell of a GitHub comment: no HTML, no mention, no
    table break, no auto-link."""
    out = _one(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;") \
        .replace(">", "&gt;")
    for token in ("@", "#", "://", "www."):
        out = out.replace(token, token[0] + "\u2060" + token[1:])
    return out


def _md_row(c: Change) -> str:
    icon = {Level.BREAKING: "🔴", Level.WARNING: "🟠", Level.INFO: "🔵"}[c.level]
    impact = _md(_impact_text(c)) if c.level == Level.BREAKING else ""
    if c.suspects:
        impact = (impact + "; " if impact else "") + "suspect: " + _md(", ".join(c.suspects))
    ack = f" (acknowledged: {_md(c.acknowledged)})" if c.acknowledged else ""
    return (f"| {icon} {c.level} | `{c.id}` | {_md(c.message)}{ack} | "
            f"{_md(_where(c.base))} → {_md(_where(c.head))} | {impact} | `{c.fingerprint}` |")


def format_markdown(diff: DesignDiff, fail_on: Level | None = Level.BREAKING,
                    shown: int = MARKDOWN_SHOWN) -> str:
    """Most severe first; the first ``shown`` changes in a table, the rest collapsed."""
    lines = [f"**Changes** {_md(diff.base_ref)} → {_md(diff.head_ref)}: {diff.summary()}", ""]
    if not diff.changes:
        return lines[0] + "\n\nNo change."
    head = ["| Level | Check | Change | Base → head | Impact | Fingerprint |",
            "|---|---|---|---|---|---|"]
    first, rest = diff.changes[:shown], diff.changes[shown:]
    lines += head + [_md_row(c) for c in first]
    if rest:
        lines += ["", f"<details><summary>{len(rest)} more</summary>", "", *head,
                  *[_md_row(c) for c in rest], "", "</details>"]
    return "\n".join(lines)


_GITHUB = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def format_github(diff: DesignDiff, fail_on: Level | None = Level.BREAKING) -> str:
    from designgate.cli.formats import escape_data, escape_property

    lines = []
    for c in diff.changes:
        span = c.head or c.base
        props = [("file", span.file), ("line", str(span.line)), ("col", str(span.column))] \
            if span else []
        props.append(("title", f"{c.id} ({c.level})"))
        text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
        cmd = "notice" if c.acknowledged else _GITHUB[c.level]
        lines.append(f"::{cmd} {text}::{escape_data(c.message)}")
    lines.append(f"designgate diff: {diff.summary()}")
    return "\n".join(lines)


_SARIF = {Level.BREAKING: "error", Level.WARNING: "warning", Level.INFO: "note"}


def format_sarif(diff: DesignDiff, fail_on: Level | None = Level.BREAKING) -> str:
    used = sorted({c.id for c in diff.changes})
    index = {cid: i for i, cid in enumerate(used)}
    rules = [{
        "id": cid,
        "shortDescription": {"text": CATALOG[cid].summary},
        "help": {"text": CATALOG[cid].why},
        "defaultConfiguration": {"level": _SARIF[CATALOG[cid].level]},
        "properties": {"tags": [AREAS[CATALOG[cid].area]]},
    } for cid in used]
    results = []
    for c in diff.changes:
        r: dict[str, Any] = {"ruleId": c.id, "ruleIndex": index[c.id], "level": _SARIF[c.level],
                             "message": {"text": c.message},
                             "partialFingerprints": {"designgateChange/v1": c.fingerprint}}
        span = c.head or c.base
        if span:
            r["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": span.file, "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": span.line, "startColumn": span.column}}}]
        if c.acknowledged:
            r["suppressions"] = [{"kind": "inSource", "justification": c.acknowledged}]
        results.append(r)
    doc = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "designgate", "version": __version__,
                                         "rules": rules}},
                     "columnKind": "unicodeCodePoints", "results": results}]}
    return json.dumps(doc, indent=2, ensure_ascii=False)


FORMATTERS: dict[str, Callable[..., str]] = {
    "text": format_text,
    "json": format_json,
    "markdown": format_markdown,
    "github": format_github,
    "sarif": format_sarif,
}


def catalog_markdown() -> str:
    """The reference page of every change check, by area."""
    out = ["# Change checks", "",
           "Every change `designgate diff` reports, by area. Level: **breaking** (existing "
           "clients, data or roles break), **warning** (review it), **info** (news). "
           "`designgate explain ID` prints one.", ""]
    for area, title in AREAS.items():
        kinds = [k for k in CATALOG.values() if k.area == area]
        out += [f"## {title}", "", "| Id | Level | Change | Why | oasdiff |",
                "|---|---|---|---|---|"]
        out += [f'| <a id="{anchor("check", k.id)}"></a>`{k.id}` | {k.level} | '
                f"{_cell(k.summary)} | {_cell(k.why)} | "
                f"{f'`{k.oasdiff}`' if k.oasdiff else ''} |" for k in kinds]
        out.append("")
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
