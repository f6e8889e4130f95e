"""Prioritization rules (Q): impact and effort scores on every endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Severity
from support import assert_finding, check, edit, line_of, only

API = "design/api/notes.yaml"


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"


def test_scaffold_has_no_prioritization_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("Q")] == []


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        ("    impact: 2\n    effort: 1\n", "", "no impact and no effort score"),
        ("    impact: 2\n    effort: 1\n", "    impact: 2\n", "no effort score"),
        ("    impact: 2\n    effort: 1\n", "    effort: 1\n", "no impact score"),
    ],
)
def test_q001_missing_scores(design: Path, old: str, new: str, expect: str) -> None:
    edit(_api(design), old, new)  # deleteNote is the only endpoint scored 2/1
    report = check(design)
    f = assert_finding(report, "Q001", API, line_of(_api(design), "id: deleteNote"))
    assert f.severity == Severity.WARNING and expect in f.message
    assert len(only(report, "Q001")) == 1


@pytest.mark.parametrize(("old", "new"), [("impact: 5", "impact: 0"), ("effort: 2", "effort: 6")])
def test_q002_score_outside_range(design: Path, old: str, new: str) -> None:
    edit(_api(design), old, new)  # listNotes is the first endpoint with these scores
    f = assert_finding(check(design), "Q002", API, line_of(_api(design), new))
    assert f.severity == Severity.ERROR and "1 to 5" in f.message
    assert line_of(_api(design), new) < line_of(_api(design), "id: createNote")


def test_q001_wrongly_typed_score_is_left_to_the_loader(design: Path) -> None:
    edit(_api(design), "impact: 2", "impact: high")
    report = check(design)
    assert only(report, "Q001") == []
    assert len(only(report, "L004")) == 1
