"""The output formatters, on reports built in memory (exact text, documented fields)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from designgate import Finding, Report, Severity, Span
from designgate.cli.formats import (
    FORMATTERS,
    RULE_FORMATTERS,
    Options,
    escape_data,
    escape_property,
    explain,
    render,
    summary_line,
)
from designgate.rules.registry import all_rules, get_rule
from support import check

FINDING_KEYS = {"rule", "severity", "message", "file", "line", "column", "pointer"}


@pytest.fixture
def report(design: Path) -> Report:
    """A report with an error, a warning, an info, a finding without location and a waiver."""
    d = check(design).design
    findings = [
        Finding("L003", Severity.ERROR, "unknown key 'colour'; did you mean 'column'?",
                Span("design/api/notes.yaml", 12, 5), ("endpoints", 0, "colour")),
        Finding("L018", Severity.WARNING, "waiver of L003 matches no finding here; remove it",
                Span("design/tables/notes.yaml", 30, 9), ("tables", 1, "waivers", 0)),
        Finding("L006", Severity.INFO, "100% sure, with a\nsecond line",
                Span("design/a,b:c.yaml", 3, 1), ("x/y", "a~b")),
        Finding("L016", Severity.ERROR, "no project file; add design/project.yaml"),
    ]
    waived = [Finding("L004", Severity.ERROR, "expected a string, got integer",
                      Span("design/prd.yaml", 7, 12), ("requirements", 0, "title"),
                      waived_by="Legacy title, fixed in FR-009.")]
    return Report(d, findings, waived)


def test_formatters_are_the_documented_styles() -> None:
    assert list(FORMATTERS) == ["text", "json", "sarif", "github"]
    assert list(RULE_FORMATTERS) == ["text", "json", "markdown"]


def test_summary_line_counts_and_plurals(report: Report) -> None:
    assert summary_line(report) == "2 errors, 1 warning, 1 info (1 waived)"


def test_text_one_line_per_finding_then_summary(report: Report) -> None:
    out = render(report, "text", Options())
    assert out.splitlines() == [
        "design/api/notes.yaml:12:5 L003 error unknown key 'colour'; did you mean 'column'?",
        "design/tables/notes.yaml:30:9 L018 warning waiver of L003 matches no finding here; "
        "remove it",
        "design/a,b:c.yaml:3:1 L006 info 100% sure, with a\\nsecond line",
        "<design> L016 error no project file; add design/project.yaml",
        "2 errors, 1 warning, 1 info (1 waived)",
    ]
    assert "\x1b[" not in out


def test_text_shows_waived_with_reason_only_when_asked(report: Report) -> None:
    assert "Legacy title" not in render(report, "text", Options())
    out = render(report, "text", Options(show_waived=True))
    assert ("design/prd.yaml:7:12 L004 error expected a string, got integer "
            "[waived: Legacy title, fixed in FR-009.]") in out.splitlines()


def test_text_colour_only_when_enabled(report: Report) -> None:
    out = render(report, "text", Options(color=True))
    assert "\x1b[31merror\x1b[0m" in out
    assert "\x1b[33mwarning\x1b[0m" in out
    # The summary is red when the report fails at the threshold.
    assert out.splitlines()[-1].startswith("\x1b[31m2 errors")


def test_json_has_the_documented_fields(report: Report) -> None:
    doc = json.loads(render(report, "json", Options(fail_on=Severity.WARNING)))
    assert doc["version"] == 1
    assert doc["tool"] == "designgate"
    assert doc["summary"] == {
        "errors": 2, "warnings": 1, "infos": 1, "waived": 1, "halted": 0,
        "fail_on": "warning", "failed": True,
    }
    assert [set(f) for f in doc["findings"]] == [FINDING_KEYS] * 4
    first = doc["findings"][0]
    assert first == {
        "rule": "L003", "severity": "error",
        "message": "unknown key 'colour'; did you mean 'column'?",
        "file": "design/api/notes.yaml", "line": 12, "column": 5,
        "pointer": "/endpoints/0/colour",
    }
    # JSON Pointer escaping (RFC 6901) and a finding without a location.
    assert doc["findings"][2]["pointer"] == "/x~1y/a~0b"
    assert doc["findings"][3]["file"] is None and doc["findings"][3]["line"] is None
    (w,) = doc["waived"]
    assert set(w) == FINDING_KEYS | {"reason"}
    assert w["reason"] == "Legacy title, fixed in FR-009."


def test_json_failed_follows_fail_on(report: Report) -> None:
    clean = Report(report.design, [report.findings[1]], [])  # one warning
    assert json.loads(render(clean, "json", Options()))["summary"]["failed"] is False
    never = json.loads(render(report, "json", Options(fail_on=None)))["summary"]
    assert never["failed"] is False and never["fail_on"] == "never"


def test_sarif_structure(report: Report) -> None:
    doc = json.loads(render(report, "sarif", Options()))
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "designgate"
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    for r in rules:
        assert set(r) >= {"id", "name", "shortDescription", "fullDescription", "help",
                          "defaultConfiguration"}
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["text"] and r["help"]["markdown"]
        assert r["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    l018 = next(r for r in rules if r["id"] == "L018")
    assert l018["defaultConfiguration"]["level"] == "warning"
    assert l018["help"]["markdown"] == get_rule("L018").explanation  # type: ignore[union-attr]

    results = run["results"]
    assert len(results) == 5  # four findings and the waived one
    for res in results:
        assert set(res) >= {"ruleId", "level", "message"}
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
    first = results[0]
    assert first["level"] == "error"
    (loc,) = first["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "design/api/notes.yaml"
    assert loc["physicalLocation"]["region"] == {"startLine": 12, "startColumn": 5}
    assert [r["level"] for r in results[:3]] == ["error", "warning", "note"]
    assert "locations" not in results[3]  # no span, no invented location
    assert "suppressions" not in first
    assert results[4]["suppressions"] == [
        {"kind": "inSource", "justification": "Legacy title, fixed in FR-009."}
    ]


def test_github_escaping_rules() -> None:
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_data("a:b,c") == "a:b,c"  # only properties escape : and ,
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_annotations(report: Report) -> None:
    lines = render(report, "github", Options()).splitlines()
    assert lines == [
        "::error file=design/api/notes.yaml,line=12,col=5,title=L003::"
        "unknown key 'colour'; did you mean 'column'?",
        "::warning file=design/tables/notes.yaml,line=30,col=9,title=L018::"
        "waiver of L003 matches no finding here; remove it",
        "::notice file=design/a%2Cb%3Ac.yaml,line=3,col=1,title=L006::"
        "100%25 sure, with a%0Asecond line",
        "::error title=L016::no project file; add design/project.yaml",
        "designgate: 2 errors, 1 warning, 1 info (1 waived)",
    ]


def test_github_waived_as_notices_when_asked(report: Report) -> None:
    lines = render(report, "github", Options(show_waived=True)).splitlines()
    assert ("::notice file=design/prd.yaml,line=7,col=12,title=L004 (waived)::"
            "expected a string, got integer [waived: Legacy title, fixed in FR-009.]") in lines


def test_rule_listings() -> None:
    rules = all_rules()
    text = RULE_FORMATTERS["text"](rules).splitlines()
    assert len(text) == len(rules)
    assert text[0].split()[:4] == ["L001", "yaml-syntax", "error", "Loading"]
    doc = json.loads(RULE_FORMATTERS["json"](rules))
    assert [r["id"] for r in doc["rules"]] == [r.id for r in rules]
    assert set(doc["rules"][0]) == {"id", "name", "severity", "family", "summary", "halts",
                                    "scope", "explanation"}
    md = RULE_FORMATTERS["markdown"](rules).splitlines()
    assert md[0] == "| Rule | Name | Severity | Family | Summary |"
    assert len(md) == len(rules) + 2
    assert md[2].startswith("| L001 | `yaml-syntax` | error | Loading |")


def test_explain_is_markdown_with_the_explanation() -> None:
    rule = get_rule("L018")
    assert rule is not None
    out = explain(rule)
    assert out.startswith("# L018 unused-waiver\n\nSeverity warning (default); family Loading.")
    assert rule.explanation in out
