"""Pagination rules (P): list endpoints page by the convention, bounded, with an envelope."""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Severity
from support import assert_finding, check, edit, line_of, only

API = "design/api/notes.yaml"
PAGINATION = "pagination: {style: cursor, default_page_size: 25, max_page_size: 100}"


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"


def _mvp(design: Path) -> None:
    edit(design / "project.yaml", "release: full", "release: mvp")


def _fr002_mvp(design: Path, mvp: bool) -> None:
    edit(design / "prd.yaml", "    mvp: true\n    stories:\n      - id: US-002",
         f"    mvp: {str(mvp).lower()}\n    stories:\n      - id: US-002")


def _pagination(design: Path, new: str) -> int:
    edit(_api(design), PAGINATION, new)
    return line_of(_api(design), new)


def test_scaffold_has_no_pagination_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("P")] == []


def test_p001_list_without_pagination(design: Path) -> None:
    edit(_api(design), f"    {PAGINATION}\n", "")
    f = assert_finding(check(design), "P001", API, line_of(_api(design), "id: listNotes"))
    assert "listNotes" in f.message


@pytest.mark.parametrize(
    ("mvp_mode", "fr002_mvp", "fires"),
    [
        (False, True, True),
        (False, False, True),   # full mode: every list pages
        (True, True, True),     # mvp mode, MVP list: must page
        (True, False, False),   # mvp mode, non-MVP list: may defer (T004 flags it instead)
    ],
)
def test_p001_scope(design: Path, mvp_mode: bool, fr002_mvp: bool, fires: bool) -> None:
    if mvp_mode:
        _mvp(design)
    _fr002_mvp(design, fr002_mvp)
    edit(_api(design), f"    {PAGINATION}\n", "")
    report = check(design)
    assert [f.span.line for f in only(report, "P001")] == (
        [line_of(_api(design), "id: listNotes")] if fires else []
    )
    if mvp_mode and not fr002_mvp:
        assert len(only(report, "T004")) == 1


def test_p001_singleton_get_is_not_a_list(design: Path) -> None:
    edit(_api(design), f"    {PAGINATION}\n", "    singleton: true\n")
    assert only(check(design), "P001") == []


def test_p002_style_differs_from_convention(design: Path) -> None:
    line = _pagination(design, "pagination: {style: page, max_page_size: 100}")
    f = assert_finding(check(design), "P002", API, line)
    assert "'cursor'" in f.message


@pytest.mark.parametrize(
    ("new", "expect"),
    [
        ("pagination: {max_page_size: 500}", "above the project maximum 100"),
        ("pagination: {default_page_size: 200}", "default page size 200 is above the maximum 100"),
        ("pagination: {default_page_size: 30, max_page_size: 20}", "default page size 30"),
        ("pagination: {max_page_size: 0}", "at least 1"),
    ],
)
def test_p003_unbounded_or_inconsistent_page_size(design: Path, new: str, expect: str) -> None:
    line = _pagination(design, new)
    f = assert_finding(check(design), "P003", API, line)
    assert expect in f.message


def test_p003_convention_default_above_its_maximum(design: Path) -> None:
    project = design / "project.yaml"
    edit(project, "default_page_size: 25", "default_page_size: 250")
    report = check(design)
    assert_finding(report, "P003", "design/project.yaml", line_of(project, "default_page_size"))
    # listNotes sets its own default (25), so only the convention is wrong.
    assert len(only(report, "P003")) == 1


def test_p003_a_convention_maximum_that_bounds_nothing(design: Path) -> None:
    """Before: `max_page_size: 1000000` in the convention passed."""
    project = design / "project.yaml"
    edit(project, "max_page_size: 100", "max_page_size: 1000000")
    f = assert_finding(check(design), "P003", "design/project.yaml",
                       line_of(project, "max_page_size"))
    assert "1,000,000 rows bounds nothing" in f.message
    edit(project, "max_page_size: 1000000", "max_page_size: 1000")
    assert only(check(design), "P003") == []


def test_p003_inherited_sizes_are_reported_once_at_the_convention(design: Path) -> None:
    project = design / "project.yaml"
    edit(project, "default_page_size: 25", "default_page_size: 250")
    _pagination(design, "pagination: {style: cursor}")
    report = check(design)
    assert [f.span.file for f in only(report, "P003")] == ["design/project.yaml"]


def test_p003_endpoint_maximum_below_the_inherited_default(design: Path) -> None:
    line = _pagination(design, "pagination: {max_page_size: 20}")
    f = assert_finding(check(design), "P003", API, line)
    assert "default page size 25 is above the maximum 20" in f.message


def test_p004_envelope_without_next_cursor(design: Path) -> None:
    schemas = design / "schemas" / "notes.yaml"
    edit(schemas, "    required: [data, next_cursor]\n", "    required: [data]\n")
    edit(schemas, "      next_cursor:\n        type: [string, \"null\"]\n        maxLength: 512\n"
         "        description: Pass as `cursor` to get the next page; null on the last page.\n", "")
    f = assert_finding(check(design), "P004", API,
                       line_of(_api(design), 'schema: {$ref: "#/components/schemas/NotePage"}'))
    assert "next cursor `next_cursor`" in f.message


def test_p004_items_not_an_array(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml", "        type: array\n        maxItems: 100\n        items: {$ref",
         "        type: object\n        x-items: {$ref")
    f = assert_finding(check(design), "P004", API,
                       line_of(_api(design), 'schema: {$ref: "#/components/schemas/NotePage"}'))
    assert "`data` typed as an array" in f.message


def test_p004_bare_array_response(design: Path) -> None:
    edit(_api(design), 'schema: {$ref: "#/components/schemas/NotePage"}',
         'schema: {type: array, items: {$ref: "#/components/schemas/Note"}}')
    f = assert_finding(check(design), "P004", API, line_of(_api(design), "schema: {type: array"))
    assert "items array `data`" in f.message and "next_cursor" in f.message


def test_p004_reads_envelopes_through_all_of(design: Path) -> None:
    schemas = design / "schemas" / "notes.yaml"
    edit(schemas, "  NotePage:\n    type: object\n",
         "  Cursor:\n    type: object\n    properties:\n"
         "      next_cursor: {type: [string, \"null\"]}\n"
         "  NotePage:\n    allOf:\n      - {$ref: \"#/components/schemas/Cursor\"}\n"
         "    type: object\n")
    edit(schemas, "      next_cursor:\n        type: [string, \"null\"]\n        maxLength: 512\n"
         "        description: Pass as `cursor` to get the next page; null on the last page.\n", "")
    edit(schemas, "    additionalProperties: false\n    properties:\n      data:",
         "    properties:\n      data:")
    assert only(check(design), "P004") == []


def test_p004_survives_circular_references(design: Path) -> None:
    schemas = design / "schemas" / "notes.yaml"
    edit(schemas, "  NotePage:\n    type: object\n",
         "  Loop:\n    allOf: [{$ref: \"#/components/schemas/Loop\"}]\n"
         "  NotePage:\n    allOf: [{$ref: \"#/components/schemas/NotePage\"}]\n"
         "    type: object\n")
    edit(schemas, "        type: array\n        maxItems: 100\n"
         "        items: {$ref: \"#/components/schemas/Note\"}\n",
         "        $ref: \"#/components/schemas/Loop\"\n")
    f = assert_finding(check(design), "P004", API,
                       line_of(_api(design), 'schema: {$ref: "#/components/schemas/NotePage"}'))
    assert "`data` typed as an array" in f.message


def test_p004_page_style_needs_the_total(design: Path) -> None:
    edit(design / "project.yaml", "style: cursor", "style: page")
    _pagination(design, "pagination: {style: page, max_page_size: 100}")
    report = check(design)
    f = assert_finding(report, "P004", API,
                       line_of(_api(design), 'schema: {$ref: "#/components/schemas/NotePage"}'))
    assert "total count `total`" in f.message
    assert only(report, "P002") == []


def test_p005_pagination_on_an_item(design: Path) -> None:
    api = _api(design)
    edit(api, "    path: /notes/{noteId}\n",
         "    path: /notes/{noteId}\n    pagination: {max_page_size: 10}\n")
    f = assert_finding(check(design), "P005", API, line_of(api, "pagination: {max_page_size: 10}"))
    assert f.severity == Severity.WARNING and "getNote" in f.message
