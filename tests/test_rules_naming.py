"""Naming rules (N): paths, operation ids, tables, columns and indexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from designgate import Severity
from designgate.rules.naming import is_plural, pluralize
from support import assert_finding, check, edit, line_of, only

API = "design/api/notes.yaml"
TABLES = "design/tables/notes.yaml"


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"


def _set_list_path(design: Path, path: str) -> int:
    """Give listNotes (the first `path: /notes`) a new path; return its line."""
    edit(_api(design), "path: /notes\n", f"path: {path}\n")
    return line_of(_api(design), f"path: {path}")


def test_scaffold_has_no_naming_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("N")] == []


@pytest.mark.parametrize(
    ("path", "suggestion"), [("/myNotes", "my-notes"), ("/my_notes", "my-notes"), ("/Notes", "notes")]
)
def test_n001_literal_segment_not_kebab_case(design: Path, path: str, suggestion: str) -> None:
    line = _set_list_path(design, path)
    f = assert_finding(check(design), "N001", API, line)
    assert "kebab-case" in f.message and f"'{suggestion}'" in f.message


def test_n001_path_parameter_not_camel_case(design: Path) -> None:
    api = _api(design)
    edit(api, "path: /notes/{noteId}", "path: /notes/{note_id}")  # getNote
    edit(api, "      noteId:\n        description", "      note_id:\n        description")
    f = assert_finding(check(design), "N001", API, line_of(api, "{note_id}"))
    assert "camelCase" in f.message


def test_n001_parameter_mixed_with_literal_text(design: Path) -> None:
    api = _api(design)
    edit(api, "path: /notes/{noteId}", "path: /notes/{noteId}.json")
    f = assert_finding(check(design), "N001", API, line_of(api, "{noteId}.json"))
    assert "whole segment" in f.message


def test_n002_singular_collection_before_parameter(design: Path) -> None:
    api = _api(design)
    edit(api, "path: /notes/{noteId}", "path: /note/{noteId}")  # getNote
    f = assert_finding(check(design), "N002", API, line_of(api, "path: /note/{noteId}"))
    assert f.severity == Severity.WARNING and "'notes'" in f.message


def test_n002_singular_last_segment_of_a_list(design: Path) -> None:
    line = _set_list_path(design, "/note")
    f = assert_finding(check(design), "N002", API, line)
    assert "singleton: true" in f.message


def test_n002_singleton_is_exempt(design: Path) -> None:
    _set_list_path(design, "/note")
    edit(_api(design), "    summary: List my notes\n",
         "    summary: List my notes\n    singleton: true\n")
    assert only(check(design), "N002") == []


def test_n002_sub_collection_last_segment(design: Path) -> None:
    api = _api(design)
    edit(api, "path: /notes\n", "path: /notes/{noteId}/history\n")
    edit(api, "    fr_ids: [FR-002]\n",
         "    fr_ids: [FR-002]\n    path_params:\n      noteId: {schema: {type: string}}\n")
    assert only(check(design), "N002") == []  # uncountable noun


@pytest.mark.parametrize(
    "word",
    ["tasks", "api-keys", "people", "data", "metadata", "feedback", "statuses", "addresses",
     "categories", "menus", "apis", "children", "media", "series", "user-groups"],
)
def test_is_plural_accepts_plurals_and_uncountables(word: str) -> None:
    assert is_plural(word)


@pytest.mark.parametrize(
    "word",
    ["task", "status", "address", "analysis", "alias", "canvas", "person", "api-key",
     "category", "bus", "me", "class"],
)
def test_is_plural_rejects_singulars(word: str) -> None:
    assert not is_plural(word)


@pytest.mark.parametrize(
    ("word", "plural"),
    [("task", "tasks"), ("category", "categories"), ("status", "statuses"),
     ("person", "people"), ("api-key", "api-keys"), ("day", "days"), ("box", "boxes")],
)
def test_pluralize(word: str, plural: str) -> None:
    assert pluralize(word) == plural


@pytest.mark.parametrize(
    ("path", "verb"),
    [("/get-notes", "get"), ("/createNote", "create"), ("/notes/search", "search")],
)
def test_n003_verb_in_path(design: Path, path: str, verb: str) -> None:
    line = _set_list_path(design, path)
    f = assert_finding(check(design), "N003", API, line)
    assert f"'{verb}'" in f.message and "/tasks/{taskId}/assignments" in f.message


def test_n003_action_segment_after_item(design: Path) -> None:
    api = _api(design)
    # updateNote is the second `/notes/{noteId}` path.
    text = api.read_text(encoding="utf-8")
    head, sep, tail = text.partition("id: updateNote")
    tail = tail.replace("path: /notes/{noteId}", "path: /notes/{noteId}/archive", 1)
    api.write_text(head + sep + tail, encoding="utf-8")
    assert_finding(check(design), "N003", API, line_of(api, "/archive"))


@pytest.mark.parametrize(
    "path", ["/note-exports", "/settings", "/posts", "/search-results", "/password-resets"]
)
def test_n003_nouns_are_not_verbs(design: Path, path: str) -> None:
    _set_list_path(design, path)
    assert only(check(design), "N003") == []


@pytest.mark.parametrize(
    ("path", "what"),
    [("/notes/", "ends with a slash"), ("/notes?tag=work", "query string"),
     ("/notes//drafts", "empty segment")],
)
def test_n004_path_syntax(design: Path, path: str, what: str) -> None:
    line = _set_list_path(design, path)
    f = assert_finding(check(design), "N004", API, line)
    assert what in f.message


def test_n005_same_method_and_path_with_other_parameter_name(design: Path) -> None:
    api = _api(design)
    text = api.read_text(encoding="utf-8")
    head, sep, tail = text.partition("id: updateNote")
    tail = tail.replace("method: PATCH", "method: GET", 1)
    api.write_text(head + sep + tail, encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "N005", API, line_of(api, "path: /notes/{noteId}", 2))
    assert "getNote" in f.message and f"{API}:{line_of(api, 'path: /notes/{noteId}')}" in f.message
    assert len(only(report, "N005")) == 1


def test_n009_same_path_with_different_parameter_names(design: Path) -> None:
    api = _api(design)
    text = api.read_text(encoding="utf-8")
    head, sep, tail = text.partition("id: deleteNote")
    tail = tail.replace("{noteId}", "{id}", 1).replace("      noteId:", "      id:", 1)
    api.write_text(head + sep + tail, encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "N009", API, line_of(api, "path: /notes/{id}"))
    assert "getNote" in f.message
    assert only(report, "N005") == []  # different methods: not ambiguous, just inconsistent


@pytest.mark.parametrize("name", ["Notes", "note-items"])
def test_n006_table_name_not_snake_case(design: Path, name: str) -> None:
    tables = design / "tables" / "notes.yaml"
    edit(tables, "  - name: notes\n", f"  - name: {name}\n")
    f = assert_finding(check(design), "N006", TABLES, line_of(tables, f"name: {name}"))
    assert "snake_case" in f.message


def test_n006_table_name_too_long_for_postgres(design: Path) -> None:
    tables = design / "tables" / "notes.yaml"
    long = "notes_" + "x" * 60
    edit(tables, "  - name: notes\n", f"  - name: {long}\n")
    f = assert_finding(check(design), "N006", TABLES, line_of(tables, long))
    assert "63 bytes" in f.message


def test_n007_column_name_not_snake_case(design: Path) -> None:
    tables = design / "tables" / "notes.yaml"
    edit(tables, "{name: body, type: text}", "{name: bodyText, type: text}")
    f = assert_finding(check(design), "N007", TABLES, line_of(tables, "bodyText"))
    assert "'body_text'" in f.message


def test_n007_index_name_not_snake_case(design: Path) -> None:
    tables = design / "tables" / "notes.yaml"
    edit(tables, "name: notes_author_tag_idx", "name: notes-author-tag-idx")
    assert_finding(check(design), "N007", TABLES, line_of(tables, "notes-author-tag-idx"))


@pytest.mark.parametrize(
    ("op_id", "suggestion"),
    [("list-notes", "listNotes"), ("ListNotes", "listNotes"), ("list_notes", "listNotes"),
     ("notes.list", "notesList")],
)
def test_n008_operation_id_not_camel_case(design: Path, op_id: str, suggestion: str) -> None:
    api = _api(design)
    edit(api, "id: listNotes", f"id: {op_id}")
    f = assert_finding(check(design), "N008", API, line_of(api, f"id: {op_id}"))
    assert f.severity == Severity.ERROR and f"'{suggestion}'" in f.message
