"""Handoff No-Go rules (H): triggered from a mutated scaffold, in both release modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Severity
from designgate.rules.registry import get_rule
from support import assert_finding, check, edit, line_of, only

PRD = "design/prd.yaml"


def _mvp(design: Path) -> None:
    edit(design / "project.yaml", "release: full", "release: mvp")


def _fr002(design: Path, priority: str, mvp: bool) -> None:
    edit(design / "prd.yaml", "    priority: P0\n    mvp: true\n    stories:\n      - id: US-002",
         f"    priority: {priority}\n    mvp: {str(mvp).lower()}\n    stories:\n"
         "      - id: US-002")


def test_scaffold_has_no_handoff_findings(design: Path) -> None:
    report = check(design)
    assert [f.rule for f in report.findings if f.rule.startswith("H")] == []
    assert report.halted == []


def test_no_go_rules_halt_and_listings_do_not() -> None:
    halting = {r for r in ("H001", "H002", "H003", "H004") if get_rule(r).halts}
    assert halting == {"H001", "H002", "H003", "H004"}
    assert not any(get_rule(r).halts for r in ("H005", "H006", "H007", "H008"))
    assert get_rule("H001").scope and get_rule("H003").scope


def test_h001_no_prd_halts_the_gate(design: Path) -> None:
    (design / "prd.yaml").unlink()
    report = check(design)
    f = assert_finding(report, "H001", "design/project.yaml", 2)
    assert "no PRD" in f.message
    assert [h.rule for h in report.halted] == ["H001"]


def test_h001_prd_without_requirements(design: Path) -> None:
    (design / "prd.yaml").write_text("kind: requirements\nrequirements: []\n", encoding="utf-8")
    assert_finding(check(design), "H001", PRD, 2)


def test_h001_requirement_without_id(design: Path) -> None:
    edit(design / "prd.yaml", "  - id: FR-001\n    title: Write notes", "  - title: Write notes")
    f = assert_finding(check(design), "H001", PRD, line_of(design / "prd.yaml", "title: Write"))
    assert "Write notes" in f.message


def test_h001_invalid_fr_id(design: Path) -> None:
    edit(design / "prd.yaml", "id: FR-002", "id: REQ-2")
    f = assert_finding(check(design), "H001", PRD, line_of(design / "prd.yaml", "id: REQ-2"))
    assert "REQ-2" in f.message


@pytest.mark.parametrize(
    ("mvp_mode", "priority", "mvp", "fires"),
    [
        (False, "P0", False, True),   # full: P0 is in scope, MVP tag irrelevant
        (False, "P1", True, False),   # full: P1 is out of scope
        (True, "P1", True, True),     # mvp: the MVP tag is the scope
        (True, "P0", False, False),   # mvp: P0 without the tag is out of scope
    ],
)
def test_h001_scope(design: Path, mvp_mode: bool, priority: str, mvp: bool, fires: bool) -> None:
    if mvp_mode:
        _mvp(design)
    _fr002(design, priority, mvp)
    edit(design / "prd.yaml", "id: FR-002", "id: REQ-2")
    hits = only(check(design), "H001")
    assert len(hits) == int(fires)
    if fires:
        assert hits[0].span.line == line_of(design / "prd.yaml", "id: REQ-2")


def test_h002_no_dictionary(design: Path) -> None:
    (design / "dictionary.yaml").unlink()
    report = check(design)
    assert_finding(report, "H002", "design/project.yaml", 2)
    assert "H002" in [h.rule for h in report.halted]


def test_h002_dictionary_without_entities(design: Path) -> None:
    (design / "dictionary.yaml").write_text("kind: dictionary\nentities: []\n", encoding="utf-8")
    assert_finding(check(design), "H002", "design/dictionary.yaml", 2)


def test_h002_not_applicable_dictionary_passes(design: Path) -> None:
    (design / "dictionary.yaml").write_text(
        "kind: dictionary\nnot_applicable: Discovery marked phase 5b N/A.\n", encoding="utf-8"
    )
    report = check(design)
    assert only(report, "H002") == []
    assert only(report, "H007") == []  # nothing to compare the wireframes with


def test_h003_story_without_flow(design: Path) -> None:
    edit(design / "flows.yaml", "stories: [US-002]", "stories: []")
    report = check(design)
    f = assert_finding(report, "H003", PRD, line_of(design / "prd.yaml", "id: US-002"))
    assert "US-002" in f.message and "P0" in f.message
    assert "H003" in [h.rule for h in report.halted]


@pytest.mark.parametrize(
    ("mvp_mode", "priority", "mvp", "fires"),
    [
        (False, "P0", False, True),
        (False, "P1", True, False),
        (True, "P1", True, True),
        (True, "P0", False, False),
    ],
)
def test_h003_scope(design: Path, mvp_mode: bool, priority: str, mvp: bool, fires: bool) -> None:
    if mvp_mode:
        _mvp(design)
    _fr002(design, priority, mvp)
    edit(design / "flows.yaml", "stories: [US-002]", "stories: []")
    hits = only(check(design), "H003")
    assert [f.span.line for f in hits] == (
        [line_of(design / "prd.yaml", "id: US-002")] if fires else []
    )
    if fires and mvp_mode:
        assert "MVP-tagged" in hits[0].message


def test_h004_data_dependent_screen_without_wireframe(design: Path) -> None:
    edit(design / "screens.yaml",
         "    wireframe:\n      description: A title field and a body text area with a save "
         "button.\n      shows: [Note.title, Note.body, Note.tag]\n      states: [validation "
         "error]\n", "")
    report = check(design)
    f = assert_finding(report, "H004", "design/screens.yaml",
                       line_of(design / "screens.yaml", "id: SCR-editor"))
    assert "SCR-editor" in f.message
    assert "H004" in [h.rule for h in report.halted]


@pytest.mark.parametrize("shows", ["      shows: []\n", ""])
def test_h004_a_wireframe_that_shows_nothing_is_hollow(design: Path, shows: str) -> None:
    """Before: a data-dependent screen with an empty (or no) `shows:` passed the check."""
    screens = design / "screens.yaml"
    edit(screens, "      shows: [Note.title, Note.body, Note.tag]\n", shows)
    report = check(design)
    f = assert_finding(report, "H004", "design/screens.yaml",
                       line_of(screens, "shows: []") if shows else
                       line_of(screens, "wireframe:", 2) + 1)  # the wireframe's mapping
    assert "shows no data" in f.message and "SCR-editor" in f.message


def test_h004_screen_without_data_needs_no_wireframe(design: Path) -> None:
    edit(design / "screens.yaml",
         "    data_dependent: true\n    wireframe:\n      description: A title field and a body "
         "text area with a save button.\n      shows: [Note.title, Note.body, Note.tag]\n"
         "      states: [validation error]\n", "    data_dependent: false\n")
    assert only(check(design), "H004") == []


@pytest.mark.parametrize("status", ["open", "escalated"])
def test_h005_open_rfi_is_listed_without_halting(design: Path, status: str) -> None:
    edit(design / "handoff.yaml", "status: resolved", f"status: {status}")
    report = check(design)
    f = assert_finding(report, "H005", "design/handoff.yaml",
                       line_of(design / "handoff.yaml", "id: RFI-01"))
    assert f.severity == Severity.INFO and status in f.message
    assert report.halted == []


def test_h006_flagged_assumption_is_listed(design: Path) -> None:
    edit(design / "handoff.yaml", "flagged: false", "flagged: true")
    report = check(design)
    f = assert_finding(report, "H006", "design/handoff.yaml",
                       line_of(design / "handoff.yaml", "id: A-01"))
    assert f.severity == Severity.INFO and "api, schema" in f.message
    assert report.halted == []


def test_h007_wireframe_shows_unknown_attribute(design: Path) -> None:
    edit(design / "screens.yaml", "shows: [Note.title, Note.tag]", "shows: [Note.titel, Note.tag]")
    f = assert_finding(check(design), "H007", "design/screens.yaml",
                       line_of(design / "screens.yaml", "Note.titel"))
    assert f.severity == Severity.WARNING and "did you mean 'Note.title'" in f.message


def test_h007_wireframe_shows_unknown_entity(design: Path) -> None:
    edit(design / "screens.yaml", "shows: [Note.title, Note.tag]", "shows: [Label.name]")
    f = assert_finding(check(design), "H007", "design/screens.yaml",
                       line_of(design / "screens.yaml", "Label.name"))
    assert "entity 'Label'" in f.message


def test_h008_flow_lists_unknown_story(design: Path) -> None:
    edit(design / "flows.yaml", "stories: [US-001]", "stories: [US-010]")
    report = check(design)
    assert_finding(report, "H008", "design/flows.yaml", line_of(design / "flows.yaml", "US-010"))
    # US-001 lost its flow: the halting rule sees that too.
    assert_finding(report, "H003", PRD, line_of(design / "prd.yaml", "id: US-001"))


def test_h008_screen_lists_unknown_flow(design: Path) -> None:
    edit(design / "screens.yaml", "flows: [UF-02]", "flows: [UF-2]")
    f = assert_finding(check(design), "H008", "design/screens.yaml",
                       line_of(design / "screens.yaml", "flows: [UF-2]"))
    assert "did you mean" in f.message


def test_h008_handoff_names_unknown_primary_flow(design: Path) -> None:
    edit(design / "handoff.yaml", "primary_flows: [UF-01, UF-02]", "primary_flows: [UF-01, UF-03]")
    assert_finding(check(design), "H008", "design/handoff.yaml",
                   line_of(design / "handoff.yaml", "primary_flows"))
