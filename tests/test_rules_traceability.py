"""Traceability rules (T): endpoints ↔ FR-IDs, in both release modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Severity
from support import assert_finding, check, edit, line_of, only

API = "design/api/notes.yaml"


def _mvp(design: Path) -> None:
    edit(design / "project.yaml", "release: full", "release: mvp")


def _fr002(design: Path, priority: str, mvp: bool) -> None:
    edit(design / "prd.yaml", "    priority: P0\n    mvp: true\n    stories:\n      - id: US-002",
         f"    priority: {priority}\n    mvp: {str(mvp).lower()}\n    stories:\n"
         "      - id: US-002")


def _unserve_fr002(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    edit(api, "fr_ids: [FR-002]", "fr_ids: [FR-001]")
    edit(api, "fr_ids: [FR-001, FR-002]", "fr_ids: [FR-001]")


def line_of_col(path: Path, needle: str) -> int:
    """1-based column of ``needle`` on the first line that holds it."""
    line = path.read_text(encoding="utf-8").splitlines()[line_of(path, needle) - 1]
    return line.index(needle) + 1


def test_scaffold_has_no_traceability_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("T")] == []


def test_scaffold_in_mvp_mode_is_clean(design: Path) -> None:
    _mvp(design)
    families = tuple("HTNRPQ")
    found = [f"{f.location} {f.rule}" for f in check(design).findings if f.rule[0] in families]
    assert found == []


def test_t001_empty_fr_ids(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    edit(api, "fr_ids: [FR-002]", "fr_ids: []")
    f = assert_finding(check(design), "T001", API, line_of(api, "fr_ids: []"))
    assert "listNotes" in f.message


def test_t001_missing_fr_ids_points_at_the_endpoint_id(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    edit(api, "    fr_ids: [FR-001]\n    permission: notes:delete", "    permission: notes:delete")
    assert_finding(check(design), "T001", API, line_of(api, "id: deleteNote"))


def test_t002_unknown_fr_id_in_endpoint(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    edit(api, "fr_ids: [FR-001, FR-002]", "fr_ids: [FR-001, FR-02]")
    f = assert_finding(check(design), "T002", API, line_of(api, "FR-02]"))
    assert f.span.column == line_of_col(api, "FR-02]")
    assert "getNote" in f.message and "FR-002" in f.message  # did you mean


def test_t002_unknown_fr_id_in_flow(design: Path) -> None:
    edit(design / "flows.yaml", "fr_ids: [FR-002]", "fr_ids: [FR-999]")
    assert_finding(check(design), "T002", "design/flows.yaml",
                   line_of(design / "flows.yaml", "FR-999"))


def test_t002_unknown_fr_ids_in_integrations(design: Path) -> None:
    (design / "integrations.yaml").write_text(
        "kind: integrations\n"
        "webhooks:\n"
        "  - name: note.created\n"
        "    fr_ids: [FR-101]\n"
        "events:\n"
        "  - name: note.deleted\n"
        "    version: 1\n"
        "    fr_ids: [FR-001, FR-102]\n"
        "third_party:\n"
        "  - name: mailer\n"
        "    provider: Postmark\n"
        "    fr_ids: [FR-103]\n",
        encoding="utf-8",
    )
    report = check(design)
    for line in (4, 8, 12):
        assert_finding(report, "T002", "design/integrations.yaml", line)
    assert len(only(report, "T002")) == 3


def test_t002_is_silent_without_requirements(design: Path) -> None:
    (design / "prd.yaml").unlink()
    report = check(design)
    assert only(report, "T002") == []
    assert only(report, "H001")  # the missing PRD is reported once, by the halting rule


def test_t003_requirement_without_endpoint(design: Path) -> None:
    _unserve_fr002(design)
    f = assert_finding(check(design), "T003", "design/prd.yaml",
                       line_of(design / "prd.yaml", "id: FR-002"))
    assert "FR-002" in f.message and "P0" in f.message


def test_t003_can_be_waived_on_the_requirement(design: Path) -> None:
    _unserve_fr002(design)
    edit(design / "prd.yaml", "    title: Browse notes\n",
         "    title: Browse notes\n    waivers:\n"
         "      - {rule: T003, reason: Served by the client cache in this release.}\n")
    report = check(design)
    assert only(report, "T003") == []
    assert [f.rule for f in report.waived] == ["T003"]


@pytest.mark.parametrize(
    ("mvp_mode", "priority", "mvp", "fires"),
    [
        (False, "P0", False, True),
        (False, "P1", True, False),
        (True, "P1", True, True),
        (True, "P0", False, False),
    ],
)
def test_t003_scope(design: Path, mvp_mode: bool, priority: str, mvp: bool, fires: bool) -> None:
    if mvp_mode:
        _mvp(design)
    _fr002(design, priority, mvp)
    _unserve_fr002(design)
    hits = only(check(design), "T003")
    assert [f.span.line for f in hits] == (
        [line_of(design / "prd.yaml", "id: FR-002")] if fires else []
    )


def test_t004_endpoint_outside_mvp_in_mvp_mode(design: Path) -> None:
    _mvp(design)
    _fr002(design, "P0", False)
    api = design / "api" / "notes.yaml"
    report = check(design)
    # listNotes serves only FR-002; getNote also serves FR-001, which is MVP.
    f = assert_finding(report, "T004", API, line_of(api, "fr_ids: [FR-002]"))
    assert f.severity == Severity.WARNING and "listNotes" in f.message
    assert len(only(report, "T004")) == 1


def test_t004_never_fires_in_full_mode(design: Path) -> None:
    _fr002(design, "P1", False)
    assert only(check(design), "T004") == []


def test_t004_leaves_unknown_fr_ids_to_t002(design: Path) -> None:
    _mvp(design)
    edit(design / "api" / "notes.yaml", "fr_ids: [FR-002]", "fr_ids: [FR-404]")
    report = check(design)
    assert only(report, "T004") == []
    assert len(only(report, "T002")) == 1
