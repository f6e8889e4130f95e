"""The loader: every bad input becomes a finding at its exact place (rules L001-L019).

Each test mutates a copy of the clean scaffold design and asserts the rule id, the file, the
line and (where it means something) the column. Assertions are limited to the loading family
so that rules other helpers add do not change what these tests prove.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from designgate import DesignLoadError, Finding, Report, Severity, load_design
from support import FIXTURES, assert_finding, check, edit, line_of, synth

LOADER = FIXTURES / "loader"
NOTES = "design/api/notes.yaml"


def loading(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule.startswith("L")]


def col_of(path: Path, line: int, needle: str) -> int:
    """1-based column of ``needle`` on ``line`` of ``path``."""
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert needle in text, f"{needle!r} not on line {line}: {text!r}"
    return text.index(needle) + 1


def assert_at(report: Report, rule: str, file: str, line: int, column: int) -> Finding:
    f = assert_finding(report, rule, file, line)
    assert f.span is not None and f.span.column == column, f"{f.location} {f.message}"
    return f


def test_clean_scaffold_has_no_loading_findings(design: Path) -> None:
    report = check(design)
    assert loading(report) == []
    assert len(report.design.sources) == len(list(design.rglob("*.yaml")))


# --- L001 syntax -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        pytest.param(
            "kind: flows\nflows:\n  - id: UF-09\n    name: x\n   steps: []\n", 5, "steps",
            id="bad-indentation",
        ),
        pytest.param(
            'kind: flows\nflows:\n  - id: "UF-09\n    name: x\n', 3, '"UF-09', id="unclosed-quote"
        ),
        pytest.param("kind: flows\nflows:\n\t- id: UF-09\n", 3, "\t", id="tab"),
        pytest.param(
            "kind: flows\nflows: []\n---\nkind: flows\nflows: []\n", 3, "---", id="two-documents"
        ),
        pytest.param("kind: flows\nflows: [UF-09, UF-10\nx: 1\n", 3, ": 1", id="unclosed-bracket"),
    ],
)
def test_yaml_syntax_error(design: Path, text: str, line: int, needle: str) -> None:
    bad = design / "extra.yaml"
    bad.write_text(text, encoding="utf-8")
    report = check(design)
    f = assert_at(report, "L001", "design/extra.yaml", line, col_of(bad, line, needle))
    assert f.severity is Severity.ERROR
    # The broken file is skipped; the rest of the design still loads.
    assert [x.rule for x in loading(report)] == ["L001"]
    assert len(report.design.endpoints) == 5


def test_syntax_error_in_a_real_file_loses_only_that_file(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    method: POST\n", "    method: POST\n\tpath: /x\n")
    line = line_of(path, "\tpath")
    report = check(design)
    assert_at(report, "L001", NOTES, line, 1)
    assert report.design.endpoints == []
    assert "notes" in report.design.tables


# --- L002 duplicate keys -----------------------------------------------------------------


def test_duplicate_top_level_key(design: Path) -> None:
    path = design / "auth.yaml"
    edit(path, "description: Bearer", "strategy: session\ndescription: Bearer")
    line = line_of(path, "strategy: session")
    report = check(design)
    f = assert_at(report, "L002", "design/auth.yaml", line, 1)
    assert f"line {line_of(path, 'strategy: jwt')}" in f.message
    assert report.design.auth is not None and report.design.auth.strategy == "jwt"


def test_duplicate_nested_key(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "      description: One page of notes.\n",
         "      description: One page of notes.\n      description: A page.\n")
    line = line_of(path, "description: A page.")
    report = check(design)
    f = assert_at(report, "L002", NOTES, line, 7)
    assert "'description'" in f.message
    assert f"line {line - 1}" in f.message
    resp = report.design.endpoints[0].response
    assert resp is not None and resp.description == "One page of notes."


def test_duplicate_key_inside_a_flow_mapping(design: Path) -> None:
    path = design / "auth.yaml"
    edit(path, "{name: notes:read, description: Read own notes.}",
         "{name: notes:read, description: Read own notes., name: notes:list}")
    line = line_of(path, "notes:list")
    report = check(design)
    assert_at(report, "L002", "design/auth.yaml", line, col_of(path, line, "name: notes:list"))


# --- L003 unknown keys -------------------------------------------------------------------


def test_unknown_key_points_at_the_key_and_suggests(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    effort: 2\n", "    efort: 2\n")
    line = line_of(path, "efort")
    report = check(design)
    f = assert_at(report, "L003", NOTES, line, 5)
    assert f.message == "unknown key 'efort'; did you mean 'effort'?"
    assert f.pointer == ("endpoints", 0, "efort")


def test_unknown_key_deep_inside_a_flow_mapping(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "{style: cursor, default_page_size: 25",
         "{style: cursor, default_pagesize: 25")
    line = line_of(path, "default_pagesize")
    report = check(design)
    f = assert_at(report, "L003", NOTES, line, col_of(path, line, "default_pagesize"))
    assert "did you mean 'default_page_size'?" in f.message


def test_unknown_key_without_a_close_match_has_no_suggestion(design: Path) -> None:
    path = design / "tables" / "notes.yaml"
    edit(path, "    description: Accounts.\n", "    description: Accounts.\n    zzqx: 1\n")
    line = line_of(path, "zzqx")
    report = check(design)
    f = assert_at(report, "L003", "design/tables/notes.yaml", line, 5)
    assert f.message == "unknown key 'zzqx'"


def test_extension_keys_are_allowed(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    effort: 2\n", "    effort: 2\n    x-team: core\n")
    assert loading(check(design)) == []


# --- L004 wrong types --------------------------------------------------------------------


def test_wrong_scalar_type(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    impact: 5\n", "    impact: high\n")
    line = line_of(path, "impact: high")
    report = check(design)
    f = assert_at(report, "L004", NOTES, line, 13)
    assert f.message == "expected an integer, got string"


def test_list_where_a_mapping_is_expected(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    pagination: {style: cursor, default_page_size: 25, max_page_size: 100}\n",
         "    pagination: [cursor]\n")
    line = line_of(path, "pagination: [cursor]")
    report = check(design)
    f = assert_at(report, "L004", NOTES, line, 17)
    assert f.message == "expected a mapping, got array"


def test_yes_is_not_a_boolean(design: Path) -> None:
    path = design / "handoff.yaml"
    edit(path, "    preserve: true\n", "    preserve: yes\n")
    line = line_of(path, "preserve: yes")
    report = check(design)
    f = assert_at(report, "L004", "design/handoff.yaml", line, 15)
    assert f.message == "expected a boolean, got string"


def test_a_file_that_is_a_list(design: Path) -> None:
    (design / "list.yaml").write_text("# items\n- a\n- b\n", encoding="utf-8")
    assert_at(check(design), "L004", "design/list.yaml", 2, 1)


def test_unquoted_date_stays_a_string(design: Path) -> None:
    # `received: 2026-11-01` is a date in YAML 1.1 and would fail the string type.
    edit(design / "handoff.yaml", 'received: "2026-11-01"', "received: 2026-11-01")
    report = check(design)
    assert loading(report) == []
    assert report.design.handoff is not None and report.design.handoff.received == "2026-11-01"


# --- L005 missing fields -----------------------------------------------------------------


def test_missing_required_field_points_at_the_item(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    summary: Create a note\n", "")
    line = line_of(path, "id: createNote")
    report = check(design)
    f = assert_at(report, "L005", NOTES, line, 5)
    assert f.message == "missing required field 'summary'"
    assert f.pointer == ("endpoints", 1)


def test_missing_required_top_level_field(design: Path) -> None:
    path = design / "flows.yaml"
    path.write_text("# flows\nkind: flows\n", encoding="utf-8")
    f = assert_at(check(design), "L005", "design/flows.yaml", 2, 1)
    assert "'flows'" in f.message


# --- L006 invalid values -----------------------------------------------------------------


def test_invalid_enum_value_suggests(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    method: DELETE\n", "    method: DELEET\n")
    line = line_of(path, "DELEET")
    f = assert_at(check(design), "L006", NOTES, line, 13)
    assert "use one of GET, POST, PUT, PATCH, DELETE" in f.message
    assert f.message.endswith("did you mean 'DELETE'?")


def test_pattern_mismatch(design: Path) -> None:
    path = design / "auth.yaml"
    edit(path, "{name: notes:delete,", "{name: NotesDelete,")
    line = line_of(path, "NotesDelete")
    assert_at(check(design), "L006", "design/auth.yaml", line, col_of(path, line, "NotesDelete"))


def test_invalid_severity_setting_is_a_finding_not_a_crash(design: Path) -> None:
    path = design / "project.yaml"
    edit(path, "gate:\n", "rules:\n  L006: warn\ngate:\n")
    line = line_of(path, "L006: warn")
    f = assert_at(check(design), "L006", "design/project.yaml", line, 9)
    assert "did you mean 'warning'?" in f.message


# --- L007 encoding -----------------------------------------------------------------------


def test_non_utf8_byte_on_line_3(design: Path) -> None:
    path = design / "flows.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2] + b" caf\xe9"
    path.write_bytes(b"\n".join(lines))
    report = check(design)
    f = assert_at(report, "L007", "design/flows.yaml", 3, len(lines[2]))
    assert "0xe9" in f.message
    assert report.design.flows == []


def test_utf8_byte_order_mark_is_accepted(design: Path) -> None:
    path = design / "flows.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = check(design)
    assert loading(report) == []
    assert len(report.design.flows) == 2


def test_dangling_symlink_is_a_finding(design: Path) -> None:
    os.symlink(design / "gone.yaml", design / "broken.yaml")
    f = assert_at(check(design), "L020", "design/broken.yaml", 1, 1)
    assert "symlink" in f.message


# --- L020, L021 regular files inside design/, bounded ------------------------------------------


def test_a_symlink_to_a_file_outside_is_not_read(design: Path, tmp_path: Path) -> None:
    """Before: a symlink in design/ to a file elsewhere was loaded as design."""
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text((design / "flows.yaml").read_text("utf-8"), "utf-8")
    (design / "flows.yaml").unlink()
    os.symlink(outside, design / "flows.yaml")
    report = check(design)
    f = assert_at(report, "L020", "design/flows.yaml", 1, 1)
    assert str(outside) in f.message
    assert report.design.flows == []  # nothing of it was loaded


def test_a_symlink_to_dev_zero_is_refused_at_once(design: Path) -> None:
    """Before: read until 3 GB."""
    os.symlink("/dev/zero", design / "zero.yaml")
    assert_at(check(design), "L020", "design/zero.yaml", 1, 1)


def test_a_fifo_is_refused_without_blocking(design: Path) -> None:
    """Before: `check` hung forever on a FIFO named x.yaml (nobody writes to it)."""
    os.mkfifo(design / "x.yaml")
    f = assert_at(check(design), "L020", "design/x.yaml", 1, 1)
    assert "FIFO" in f.message


def test_a_symlinked_folder_is_reported_not_silently_skipped(design: Path,
                                                               tmp_path: Path) -> None:
    elsewhere = tmp_path / "more"
    elsewhere.mkdir()
    (elsewhere / "extra.yaml").write_text("kind: flows\nflows: []\n", "utf-8")
    os.symlink(elsewhere, design / "more")
    report = check(design)
    assert_at(report, "L020", "design/more", 1, 1)
    assert all("extra.yaml" not in s.rel for s in report.design.sources)


def test_a_file_over_8_mib_is_not_read(design: Path) -> None:
    big = design / "big.yaml"
    big.write_text("kind: flows\nflows: []\n" + "#" * (8 * 1024 * 1024) + "\n", "utf-8")
    f = assert_at(check(design), "L021", "design/big.yaml", 1, 1)
    assert "8,388,608" in f.message


def test_a_ref_to_a_fifo_or_symlink_escaping_is_a_finding(design: Path, tmp_path: Path) -> None:
    os.mkfifo(design / "pipe.json")
    outside = tmp_path / "outside.json"
    outside.write_text('{"type": "string"}', "utf-8")
    os.symlink(outside, design / "link.json")
    api = design / "api" / "notes.yaml"
    api.write_text(api.read_text("utf-8").replace('{$ref: "#/components/schemas/NoteInput"}',
                                                  '{$ref: "../pipe.json"}', 1), "utf-8")
    report = check(design)  # returns: the FIFO is not opened
    assert any(f.rule == "L010" and "pipe.json" in f.message for f in report.findings)
    api.write_text(api.read_text("utf-8").replace('{$ref: "../pipe.json"}',
                                                  '{$ref: "../link.json"}', 1), "utf-8")
    report = check(design)
    assert any(f.rule == "L009" and "link.json" in f.message for f in report.findings)


# --- L011-L013 hostile YAML ------------------------------------------------------------


def test_alias_bomb(design: Path) -> None:
    shutil.copy(LOADER / "billion_laughs.yaml", design / "bomb.yaml")
    line = line_of(design / "bomb.yaml", "f: &f")
    report = check(design)
    assert_at(report, "L011", "design/bomb.yaml", line, 8)
    assert all(s.rel != "design/bomb.yaml" for s in report.design.sources)
    assert len(report.design.flows) == 2


def test_absurd_nesting(design: Path) -> None:
    (design / "deep.yaml").write_text("kind: flows\nflows: " + "[" * 10_000 + "\n",
                                      encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "L012", "design/deep.yaml", 2)
    assert "flatten" in f.message
    assert [x.rule for x in loading(report)] == ["L012"]


def test_python_tag_is_refused_and_never_run(design: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = design / "flows.yaml"
    edit(path, "flows:\n", f"x-hook: !!python/object/apply:os.system ['touch {marker}']\nflows:\n")
    line = line_of(path, "x-hook")
    report = check(design)
    f = assert_at(report, "L013", "design/flows.yaml", line, 9)
    assert "python/object/apply:os.system" in f.message
    assert not marker.exists()


# --- L014 file kind ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing here yet\n"])
def test_empty_file(design: Path, text: str) -> None:
    (design / "empty.yaml").write_text(text, encoding="utf-8")
    f = assert_at(check(design), "L014", "design/empty.yaml", 1, 1)
    assert "empty" in f.message


def test_missing_kind(design: Path) -> None:
    (design / "nokind.yaml").write_text("# header\nflows: []\n", encoding="utf-8")
    f = assert_at(check(design), "L014", "design/nokind.yaml", 2, 1)
    assert "missing `kind:`" in f.message


def test_unknown_kind_suggests(design: Path) -> None:
    (design / "odd.yaml").write_text("kind: endpoint\nendpoints: []\n", encoding="utf-8")
    f = assert_at(check(design), "L014", "design/odd.yaml", 1, 7)
    assert f.message == "unknown kind 'endpoint'; did you mean 'endpoints'?"


def test_files_outside_yaml_and_hidden_files_are_ignored(design: Path) -> None:
    (design / "notes.txt").write_text("kind: nonsense\n", encoding="utf-8")
    (design / ".draft.yaml").write_text("kind: nonsense\n", encoding="utf-8")
    (design / ".cache").mkdir()
    (design / ".cache" / "x.yaml").write_text("kind: nonsense\n", encoding="utf-8")
    assert loading(check(design)) == []


# --- L015 duplicates across files --------------------------------------------------------


def test_duplicate_endpoint_id_across_files(design: Path) -> None:
    other = design / "api" / "more.yaml"
    other.write_text(
        "kind: endpoints\nendpoints:\n  - id: getNote\n    method: GET\n"
        "    path: /other\n    summary: Other\n",
        encoding="utf-8",
    )
    # Files load in path order, so api/more.yaml is first and api/notes.yaml repeats the id.
    line = line_of(design / "api" / "notes.yaml", "id: getNote")
    f = assert_at(check(design), "L015", NOTES, line, 9)
    assert "design/api/more.yaml:3:9" in f.message


def test_duplicate_table_and_requirement(design: Path) -> None:
    (design / "tables" / "zz.yaml").write_text(
        "kind: tables\ntables:\n  - name: notes\n    columns: []\n", encoding="utf-8"
    )
    (design / "zz_prd.yaml").write_text(
        "kind: requirements\nrequirements:\n  - id: FR-002\n    title: Again\n    priority: P2\n",
        encoding="utf-8",
    )
    report = check(design)
    assert_at(report, "L015", "design/tables/zz.yaml", 3, 11)
    assert_at(report, "L015", "design/zz_prd.yaml", 3, 9)
    assert len(report.design.tables["notes"].columns) == 7


# --- L016 project file -------------------------------------------------------------------


def test_no_project_file(design: Path) -> None:
    (design / "project.yaml").unlink()
    report = check(design)
    hits = [f for f in report.findings if f.rule == "L016"]
    assert len(hits) == 1
    assert hits[0].span is None  # there is no file to point at
    assert "design/project.yaml" in hits[0].message


def test_two_project_files(design: Path) -> None:
    shutil.copy(design / "project.yaml", design / "project2.yaml")
    report = check(design)
    f = assert_at(report, "L016", "design/project2.yaml", line_of(design / "project2.yaml",
                                                                  "kind: project"), 7)
    assert "design/project.yaml" in f.message
    assert report.design.project.loc is not None
    assert report.design.project.loc.file == "design/project.yaml"


# --- L017-L019 waivers and rule configuration ------------------------------------------


def test_waiver_without_reason(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    effort: 2\n", "    effort: 2\n    waivers:\n      - rule: L003\n")
    line = line_of(path, "rule: L003")
    f = assert_at(check(design), "L017", NOTES, line, 9)
    assert "L003" in f.message


def test_waiver_with_blank_reason(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    effort: 2\n", "    effort: 2\n    waivers: [{rule: L003, reason: '  '}]\n")
    line = line_of(path, "waivers:")
    assert_at(check(design), "L017", NOTES, line, col_of(path, line, "{rule"))


def test_unused_waiver(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "    effort: 2\n",
         "    effort: 2\n    waivers:\n      - {rule: L003, reason: Kept for the old client.}\n")
    line = line_of(path, "rule: L003")
    f = assert_at(check(design), "L018", NOTES, line, 9)
    assert f.severity is Severity.WARNING


def test_unknown_rule_in_project_rules(design: Path) -> None:
    path = design / "project.yaml"
    edit(path, "gate:\n", "rules:\n  L003: warning\n  Z999: off\ngate:\n")
    line = line_of(path, "Z999")
    f = assert_at(check(design), "L019", "design/project.yaml", line, 3)
    assert "'Z999'" in f.message


def test_waiver_naming_an_unknown_rule(design: Path) -> None:
    path = design / "tables" / "notes.yaml"
    edit(path, "    description: Accounts.\n",
         "    description: Accounts.\n    waivers: [{rule: Z998, reason: Legacy.}]\n")
    line = line_of(path, "Z998")
    f = assert_at(check(design), "L019", "design/tables/notes.yaml", line,
                  col_of(path, line, "{rule"))
    assert "'Z998'" in f.message


# --- severities and waivers applied ------------------------------------------------------


def _unknown_key(design: Path) -> int:
    path = design / "api" / "notes.yaml"
    edit(path, "    effort: 2\n", "    effort: 2\n    owner: core team\n")
    return line_of(path, "owner: core team")


def test_severity_override_to_warning(design: Path) -> None:
    line = _unknown_key(design)
    edit(design / "project.yaml", "gate:\n", "rules:\n  L003: warning\ngate:\n")
    f = assert_at(check(design), "L003", NOTES, line, 5)
    assert f.severity is Severity.WARNING


def test_severity_override_off(design: Path) -> None:
    _unknown_key(design)
    edit(design / "project.yaml", "gate:\n", "rules:\n  L003: off\ngate:\n")
    report = check(design)
    assert loading(report) == []
    assert report.waived == []


def test_unused_waiver_can_be_turned_off(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    effort: 2\n",
         "    effort: 2\n    waivers: [{rule: L003, reason: Kept for the old client.}]\n")
    edit(design / "project.yaml", "gate:\n", "rules:\n  L018: off\ngate:\n")
    assert loading(check(design)) == []


def test_waiver_moves_the_finding_to_waived_with_its_reason(design: Path) -> None:
    line = _unknown_key(design)
    edit(design / "api" / "notes.yaml", "    owner: core team\n",
         "    owner: core team\n    waivers:\n      - rule: L003\n"
         "        reason: The code generator reads `owner`.\n")
    report = check(design)
    assert loading(report) == []
    assert len(report.waived) == 1
    w = report.waived[0]
    assert (w.rule, w.span and w.span.file, w.span and w.span.line) == ("L003", NOTES, line)
    assert w.waived_by == "The code generator reads `owner`."


def test_waiver_covers_only_its_own_item(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    # The unknown key sits on listNotes; the waiver on createNote does not cover it.
    line = _unknown_key(design)
    edit(path, "    summary: Create a note\n",
         "    summary: Create a note\n    waivers: [{rule: L003, reason: Not this one.}]\n")
    report = check(design)
    assert_at(report, "L003", NOTES, line, 5)
    assert_finding(report, "L018", NOTES, line_of(path, "Not this one."))
    assert report.waived == []


# --- positions of model objects ----------------------------------------------------------


def test_model_locations_are_exact(design: Path) -> None:
    report = check(design)
    d = report.design
    api = design / "api" / "notes.yaml"
    get = next(e for e in d.endpoints if e.id == "getNote")
    line = line_of(api, "id: getNote")
    assert (get.loc.span.file, get.loc.span.line, get.loc.span.column) == (NOTES, line, 5)
    fr = get.loc.at("fr_ids", 1).span
    fr_line = line_of(api, "fr_ids: [FR-001, FR-002]")
    assert (fr.line, fr.column) == (fr_line, col_of(api, fr_line, "FR-002"))
    param = get.path_params["noteId"].loc
    p_line = line_of(api, "noteId:", 1)
    assert (param.key_span.line, param.key_span.column) == (p_line, 7)
    assert (param.span.line, param.span.column) == (p_line + 1, 9)

    tables = design / "tables" / "notes.yaml"
    col = d.tables["notes"].column("author_id")
    assert col is not None and col.references is not None
    ref_line = line_of(tables, "references: {table: users")
    assert col.references.loc.span.line == ref_line
    assert col.references.loc.span.column == col_of(tables, ref_line, "{table")
    assert col.loc.at("references", "on_delete").span.column == col_of(tables, ref_line, "cascade")
    title = d.tables["notes"].column("title")
    assert title is not None
    t_line = line_of(tables, "name: title")
    assert (title.loc.span.line, title.loc.span.column) == (t_line, col_of(tables, t_line, "{"))


def test_defaulted_values_are_not_marked_as_written(design: Path) -> None:
    d = check(design).design
    body = d.tables["notes"].column("body")
    assert body is not None and body.nullable
    assert not body.loc.has("nullable")
    title = d.tables["notes"].column("title")
    assert title is not None and title.loc.has("nullable")


def test_merge_keys_in_a_design_file(design: Path) -> None:
    path = design / "api" / "shared.yaml"
    path.write_text(
        "kind: endpoints\n"
        "x-common: &common\n"
        "  fr_ids: [FR-001]\n"
        "  permission: notes:read\n"
        "  tables: [notes]\n"
        "endpoints:\n"
        "  - <<: *common\n"
        "    id: countNotes\n"
        "    method: GET\n"
        "    path: /notes/count\n"
        "    summary: Count my notes\n"
        "    singleton: true\n"
        "    permision: notes:write\n",
        encoding="utf-8",
    )
    report = check(design)
    ep = next(e for e in report.design.endpoints if e.id == "countNotes")
    assert (ep.permission, ep.fr_ids, ep.tables) == ("notes:read", ["FR-001"], ["notes"])
    assert (ep.loc.span.line, ep.loc.span.column) == (7, 5)  # the item starts at `<<`
    assert ep.loc.at("id").span.line == 8
    # A typo next to a merge is still found at its own line.
    f = assert_at(report, "L003", "design/api/shared.yaml", 13, 5)
    assert "did you mean 'permission'?" in f.message


# --- whole-design errors -----------------------------------------------------------------


def test_missing_design_directory_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(DesignLoadError, match="does not exist"):
        load_design(tmp_path / "nope")


def test_design_directory_without_yaml_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "design").mkdir()
    (tmp_path / "design" / "README.md").write_text("hi", encoding="utf-8")
    with pytest.raises(DesignLoadError, match="no design files"):
        load_design(tmp_path / "design")


def test_paths_are_relative_to_an_explicit_root(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    effort: 2\n", "    efort: 2\n")
    result = load_design(design, root=design)
    files = {f.span.file for f in result.findings if f.span}
    assert files == {"api/notes.yaml"}


# --- a large multi-file design (the benchmark generator) ---------------------------------


@pytest.mark.parametrize("n", [1, 7, 60])
def test_generated_design_loads_every_item(tmp_path: Path, n: int) -> None:
    design_dir = synth().generate(n, tmp_path)
    report = check(design_dir)
    d = report.design
    resources = (n + 4) // 5
    assert loading(report) == []
    assert len(d.endpoints) == n
    assert len({e.id for e in d.endpoints}) == n
    assert len(d.tables) == resources + 1  # plus users
    assert len(d.requirements) == len(d.flows) == len(d.screens) == resources
    assert len(d.migrations) == resources + 1  # users first; enable_rls grants per table
    # one policy per command a resource's endpoints use (list and get share select), + users
    assert len(d.policies) == n // 5 * 4 + {0: 0, 1: 1, 2: 2, 3: 2, 4: 3}[n % 5] + 1
    assert len(d.roles) == 4 + n // 250


def test_generated_design_is_check_clean(tmp_path: Path) -> None:
    """The benchmarks measure a clean design; a rule firing here means synth.py fell behind."""
    report = check(synth().generate(250, tmp_path))  # 250: also the roles beyond the first 4
    assert [f"{f.location} {f.rule} {f.message}" for f in report.findings] == [], (
        "update benchmarks/synth.py so the generated design satisfies every rule"
    )
