"""``$ref`` handling: normalised to named schemas or inlined, never fetched (L008-L010)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from designgate import Finding, Report
from support import assert_finding, check, edit, line_of

NOTES = "design/api/notes.yaml"
CREATE_REF = '{$ref: "#/components/schemas/NoteInput"}'


def loading(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.rule.startswith("L")]


def col_of(path: Path, line: int, needle: str) -> int:
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert needle in text, f"{needle!r} not on line {line}: {text!r}"
    return text.index(needle) + 1


def assert_at(report: Report, rule: str, file: str, line: int, column: int) -> Finding:
    f = assert_finding(report, rule, file, line)
    assert f.span is not None and f.span.column == column, f"{f.location} {f.message}"
    return f


def set_request_ref(design: Path, ref: str) -> tuple[Path, int, int]:
    """Point createNote's request schema at ``ref``; returns the file, line and the ref's column."""
    path = design / "api" / "notes.yaml"
    edit(path, CREATE_REF, "{$ref: " + json.dumps(ref) + "}")
    line = line_of(path, "$ref: " + json.dumps(ref))
    return path, line, col_of(path, line, json.dumps(ref))


def request_schema(report: Report) -> Any:
    ep = next(e for e in report.design.endpoints if e.id == "createNote")
    assert ep.request is not None
    return ep.request.schema


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail loudly if anything opens a connection or a URL; returns the attempts made."""
    attempts: list[str] = []

    def refuse(what: str) -> Any:
        def _refuse(*args: Any, **kwargs: Any) -> Any:
            attempts.append(f"{what}{args[1:] if what == 'socket.connect' else args}")
            raise AssertionError(f"network access attempted: {what}")

        return _refuse

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    monkeypatch.setattr(http.client.HTTPConnection, "connect", refuse("HTTPConnection.connect"))
    return attempts


# --- normalisation -----------------------------------------------------------------------


def test_component_refs_are_kept(design: Path) -> None:
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {"$ref": "#/components/schemas/NoteInput"}
    page = report.design.schemas["NotePage"].schema
    assert isinstance(page, dict)
    assert page["properties"]["data"]["items"] == {"$ref": "#/components/schemas/Note"}


def test_file_ref_to_a_named_schema_becomes_a_component_ref(design: Path) -> None:
    set_request_ref(design, "../schemas/notes.yaml#/schemas/NoteInput")
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {"$ref": "#/components/schemas/NoteInput"}


def test_named_schema_ref_keeps_sibling_keywords(design: Path) -> None:
    edit(design / "api" / "notes.yaml", CREATE_REF,
         '{$ref: "../schemas/notes.yaml#/schemas/NoteInput", description: What to store.}')
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {
        "$ref": "#/components/schemas/NoteInput",
        "description": "What to store.",
    }


def test_ref_from_a_schemas_file_to_a_schema_in_another_file(design: Path) -> None:
    (design / "schemas" / "pages.yaml").write_text(
        "kind: schemas\nschemas:\n  NoteList:\n    type: array\n"
        "    items: {$ref: 'notes.yaml#/schemas/Note'}\n",
        encoding="utf-8",
    )
    report = check(design)
    assert loading(report) == []
    assert report.design.schemas["NoteList"].schema == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Note"},
    }


def test_ref_below_a_named_schema_inlines_that_part(design: Path) -> None:
    set_request_ref(design, "../schemas/notes.yaml#/schemas/Note/properties/title")
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {
        "type": "string", "minLength": 1, "maxLength": 200, "description": "Headline.",
    }


def test_plain_json_file_is_inlined_with_its_own_refs_resolved_relative_to_it(
    design: Path,
) -> None:
    shared = design / "shared"
    shared.mkdir()
    (shared / "coord.json").write_text('{"type": "number", "minimum": 0}\n', encoding="utf-8")
    (shared / "point.json").write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {
                    "x": {"$ref": "coord.json"},
                    "label": {"$ref": "#/$defs/Label"},
                    "note": {"$ref": "../schemas/notes.yaml#/schemas/Note"},
                },
                "$defs": {"Label": {"type": "string", "maxLength": 20}},
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    set_request_ref(design, "../shared/point.json")
    report = check(design)
    assert loading(report) == []
    schema = request_schema(report)
    assert schema["type"] == "object"
    assert schema["properties"] == {
        "x": {"type": "number", "minimum": 0},
        "label": {"type": "string", "maxLength": 20},
        "note": {"$ref": "#/components/schemas/Note"},
    }


def test_local_pointer_into_the_same_file_is_inlined(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, "resource:\n", "x-shapes:\n  input: {type: object, required: [title]}\nresource:\n")
    set_request_ref(design, "#/x-shapes/input")
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {"type": "object", "required": ["title"]}


def test_example_ref_inlines_a_json_file(design: Path) -> None:
    (design / "examples").mkdir()
    (design / "examples" / "note-input.json").write_text(
        '{"title": "Groceries", "body": "Milk, eggs.", "tag": "home"}', encoding="utf-8"
    )
    edit(design / "api" / "notes.yaml", '{title: Groceries, body: "Milk, eggs.", tag: home}',
         '{$ref: "../examples/note-input.json"}')
    report = check(design)
    assert loading(report) == []
    ep = next(e for e in report.design.endpoints if e.id == "createNote")
    assert ep.request is not None
    assert ep.request.example == {"title": "Groceries", "body": "Milk, eggs.", "tag": "home"}


def test_ref_values_inside_examples_are_data(design: Path) -> None:
    # `example`, `const`, `default` and `enum` hold data: a "$ref" key there is not followed.
    path = design / "schemas" / "notes.yaml"
    edit(path, "      title: {type: string, minLength: 1, maxLength: 200, description: Headline.}",
         "      title: {type: string, example: {$ref: nowhere.json}, description: Headline.}")
    report = check(design)
    assert [f for f in loading(report) if f.rule == "L010"] == []
    note = report.design.schemas["Note"].schema
    assert isinstance(note, dict)
    assert note["properties"]["title"]["example"] == {"$ref": "nowhere.json"}


# --- L008 remote -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "https://example.com/schemas/note.json",
        "http://127.0.0.1:9/note.json#/Note",
        "file:///etc/passwd",
        "//example.com/note.json",
        "urn:example:note",
    ],
)
def test_remote_ref_is_reported_and_never_fetched(
    design: Path, ref: str, no_network: list[str]
) -> None:
    _, line, column = set_request_ref(design, ref)
    report = check(design)
    f = assert_at(report, "L008", NOTES, line, column)
    assert ref in f.message
    assert request_schema(report) == {}
    assert no_network == []


def test_remote_ref_inside_a_named_schema(design: Path, no_network: list[str]) -> None:
    path = design / "schemas" / "notes.yaml"
    edit(path, "      tag: {type: string, maxLength: 40, description: Optional tag.}",
         "      tag: {$ref: 'https://schemas.test/tag.json'}")
    line = line_of(path, "schemas.test")
    report = check(design)
    assert_at(report, "L008", "design/schemas/notes.yaml", line,
              col_of(path, line, "'https"))
    assert no_network == []


def test_remote_example_ref(design: Path, no_network: list[str]) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, '{title: Groceries, body: "Milk, eggs.", tag: home}',
         '{$ref: "https://examples.test/note.json"}')
    line = line_of(path, "examples.test")
    report = check(design)
    assert_at(report, "L008", NOTES, line, col_of(path, line, '"https'))
    assert no_network == []


def test_remote_ref_inside_an_inlined_file_points_into_that_file(
    design: Path, no_network: list[str]
) -> None:
    (design / "shared").mkdir()
    point = design / "shared" / "point.json"
    point.write_text('{\n  "type": "object",\n  "properties": {\n'
                     '    "x": {"$ref": "https://schemas.test/x.json"}\n  }\n}\n',
                     encoding="utf-8")
    set_request_ref(design, "../shared/point.json")
    report = check(design)
    assert_at(report, "L008", "design/shared/point.json", 4, col_of(point, 4, '"https'))
    assert no_network == []


# --- L009 escaping design/ ---------------------------------------------------------------


def test_ref_with_dotdot_leaving_design(design: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"type": "string"}', encoding="utf-8")
    _, line, column = set_request_ref(design, "../../secret.json")
    report = check(design)
    f = assert_at(report, "L009", NOTES, line, column)
    assert "../../secret.json" in f.message
    assert request_schema(report) == {}


def test_ref_with_an_absolute_path(design: Path) -> None:
    _, line, column = set_request_ref(design, "/etc/hostname")
    assert_at(check(design), "L009", NOTES, line, column)


def test_ref_through_a_symlink_pointing_outside(design: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "shape.json").write_text('{"type": "string"}', encoding="utf-8")
    os.symlink(outside / "shape.json", design / "api" / "shape.json")
    os.symlink(outside, design / "linked")
    for ref in ("shape.json", "../linked/shape.json"):
        path = design / "api" / "notes.yaml"
        text = path.read_text(encoding="utf-8")
        _, line, column = set_request_ref(design, ref)
        report = check(design)
        f = assert_at(report, "L009", NOTES, line, column)
        assert ref in f.message
        assert request_schema(report) == {}
        path.write_text(text, encoding="utf-8")


def test_symlink_inside_design_is_fine(design: Path) -> None:
    (design / "shared").mkdir()
    (design / "shared" / "shape.json").write_text('{"type": "string"}', encoding="utf-8")
    os.symlink(design / "shared" / "shape.json", design / "api" / "shape.json")
    set_request_ref(design, "shape.json")
    report = check(design)
    assert loading(report) == []
    assert request_schema(report) == {"type": "string"}


# --- L010 unresolved ---------------------------------------------------------------------


def test_ref_to_a_missing_file(design: Path) -> None:
    _, line, column = set_request_ref(design, "../schemas/missing.yaml#/schemas/X")
    f = assert_at(check(design), "L010", NOTES, line, column)
    assert "does not exist" in f.message


def test_ref_with_a_pointer_to_nothing(design: Path) -> None:
    _, line, column = set_request_ref(design, "../schemas/notes.yaml#/schemas/NoteImput")
    f = assert_at(check(design), "L010", NOTES, line, column)
    assert "nothing at '#/schemas/NoteImput'" in f.message


def test_ref_with_a_malformed_pointer(design: Path) -> None:
    _, line, column = set_request_ref(design, "../schemas/notes.yaml#schemas/Note")
    f = assert_at(check(design), "L010", NOTES, line, column)
    assert "invalid JSON pointer" in f.message


def test_unknown_component_schema(design: Path) -> None:
    _, line, column = set_request_ref(design, "#/components/schemas/NoteInputs")
    report = check(design)
    f = assert_at(report, "L010", NOTES, line, column)
    assert "'NoteInputs'" in f.message
    assert request_schema(report) == {}


def test_unknown_component_inside_a_named_schema(design: Path) -> None:
    path = design / "schemas" / "notes.yaml"
    edit(path, 'items: {$ref: "#/components/schemas/Note"}',
         'items: {$ref: "#/components/schemas/Nte"}')
    line = line_of(path, "schemas/Nte")
    assert_at(check(design), "L010", "design/schemas/notes.yaml", line,
              col_of(path, line, '"#/'))


def test_ref_that_is_not_a_string(design: Path) -> None:
    path = design / "api" / "notes.yaml"
    edit(path, CREATE_REF, "{$ref: 42}")
    line = line_of(path, "$ref: 42")
    report = check(design)
    assert_at(report, "L010", NOTES, line, col_of(path, line, "42"))
    assert request_schema(report) == {}


def test_ref_to_a_file_that_is_not_yaml(design: Path) -> None:
    (design / "shared").mkdir()
    (design / "shared" / "bad.json").write_text('{"type": "string",', encoding="utf-8")
    _, line, column = set_request_ref(design, "../shared/bad.json")
    f = assert_at(check(design), "L010", NOTES, line, column)
    assert "not valid" in f.message


def test_circular_inlined_refs_stop(design: Path) -> None:
    shared = design / "shared"
    shared.mkdir()
    (shared / "a.json").write_text('{"type": "object", "properties": {"b": {"$ref": "b.json"}}}',
                                   encoding="utf-8")
    (shared / "b.json").write_text('{"type": "object", "properties": {"a": {"$ref": "./a.json"}}}',
                                   encoding="utf-8")
    set_request_ref(design, "../shared/a.json")
    report = check(design)
    hits = [f for f in report.findings if f.rule == "L010"]
    assert len(hits) == 1
    assert "circular" in hits[0].message
    assert hits[0].span is not None and hits[0].span.file == "design/shared/b.json"


def test_same_local_pointer_in_two_files_is_not_circular(design: Path) -> None:
    shared = design / "shared"
    shared.mkdir()
    (shared / "outer.json").write_text(json.dumps({
        "$defs": {"T": {"type": "object", "properties": {"in": {"$ref": "inner.json"}}}},
        "$ref": "#/$defs/T",
    }), encoding="utf-8")
    (shared / "inner.json").write_text(json.dumps({
        "$defs": {"T": {"type": "integer"}},
        "$ref": "#/$defs/T",
    }), encoding="utf-8")
    set_request_ref(design, "../shared/outer.json")
    report = check(design)
    assert loading(report) == []
    schema = request_schema(report)
    assert schema["type"] == "object"
    assert schema["properties"]["in"]["type"] == "integer"


def test_ref_bomb_is_bounded(design: Path) -> None:
    # Each level inlines the next one twice: 2^40 nodes if expanded in full.
    defs: dict[str, Any] = {f"L{i}": {"type": "array", "prefixItems": [
        {"$ref": f"#/$defs/L{i + 1}"}, {"$ref": f"#/$defs/L{i + 1}"}]} for i in range(40)}
    defs["L40"] = {"type": "string"}
    (design / "shared").mkdir()
    (design / "shared" / "bomb.json").write_text(
        json.dumps({"$defs": defs, "$ref": "#/$defs/L0"}), encoding="utf-8"
    )
    set_request_ref(design, "../shared/bomb.json")
    report = check(design)
    hits = [f for f in report.findings if f.rule == "L011"]
    assert len(hits) == 1
    assert hits[0].span is not None and hits[0].span.file == "design/shared/bomb.json"
    assert "named schemas" in hits[0].message


@pytest.mark.parametrize("keyword", ["$dynamicRef", "$recursiveRef"])
def test_remote_dynamic_ref_is_reported_and_never_fetched(
    design: Path, keyword: str, no_network: list[str]
) -> None:
    path = design / "schemas" / "notes.yaml"
    edit(path, "      tag: {type: [string, \"null\"], maxLength: 40, description: Optional tag.}",
         f"      tag: {{{keyword}: 'https://schemas.test/tag.json'}}")
    line = line_of(path, "schemas.test")
    report = check(design)
    f = assert_at(report, "L008", "design/schemas/notes.yaml", line,
                  col_of(path, line, "'https"))
    assert keyword in f.message
    assert no_network == []
