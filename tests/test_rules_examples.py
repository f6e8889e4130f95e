"""Example rules (E): examples present, and valid against their schemas."""

from __future__ import annotations

from pathlib import Path

from support import assert_finding, check, edit, in_endpoint, line_in, line_of, only

API = "design/api/notes.yaml"
SCHEMAS = "design/schemas/notes.yaml"


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"




def test_scaffold_has_no_example_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("E")] == []


# --- E001 / E002: examples present ------------------------------------------------------------


def test_e001_request_without_example(design: Path) -> None:
    in_endpoint(design, "createNote",
                 '      example: {title: Groceries, body: "Milk, eggs.", tag: home}\n', "")
    f = assert_finding(check(design), "E001", API, line_in(design, "createNote", "request:"))
    assert "createNote" in f.message and "example" in f.message


def test_e002_success_response_without_example(design: Path) -> None:
    api = _api(design)
    text = api.read_text(encoding="utf-8")
    head, sep, tail = text.partition("id: getNote\n")
    start = tail.index("      example:\n")
    end = tail.index("    errors:")
    api.write_text(head + sep + tail[:start] + tail[end:], encoding="utf-8")
    f = assert_finding(check(design), "E002", API, line_in(design, "getNote", "response:"))
    assert "200 response of 'getNote'" in f.message


def test_e002_error_response_with_own_schema_without_example(design: Path) -> None:
    in_endpoint(design, "createNote", "    errors: [401, 403, 422]\n",
                 "    errors:\n      - 401\n      - 403\n      - 422\n"
                 "      - status: 409\n        schema: {$ref: \"#/components/schemas/Note\"}\n")
    f = assert_finding(check(design), "E002", API, line_in(design, "createNote", "status: 409"))
    assert "409 error response" in f.message


def test_e002_not_for_204_or_standard_errors(design: Path) -> None:
    # deleteNote answers 204 without a body; its errors use the standard problem format.
    assert only(check(design), "E002") == []


# --- E003: examples valid -----------------------------------------------------------------


def test_e003_response_example_value_wrong_format(design: Path) -> None:
    in_endpoint(design, "getNote", "        id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69\n",
                 "        id: note-1\n")
    f = assert_finding(check(design), "E003", API, line_in(design, "getNote", "id: note-1"))
    assert "'note-1' is not a 'uuid'" in f.message
    assert "200 response of 'getNote'" in f.message


def test_e003_nested_through_named_schema_refs(design: Path) -> None:
    # NotePage → data[] → Note: the error lands on the line of the bad value.
    in_endpoint(design, "listNotes", '            created_at: "2026-11-02T09:30:00Z"\n',
                 '            created_at: "yesterday"\n')
    f = assert_finding(check(design), "E003", API,
                       line_in(design, "listNotes", 'created_at: "yesterday"'))
    assert "(at /data/0/created_at)" in f.message


def test_e003_request_example_missing_required_field(design: Path) -> None:
    in_endpoint(design, "createNote",
                 '      example: {title: Groceries, body: "Milk, eggs.", tag: home}\n',
                 '      example: {body: "Milk, eggs.", tag: home}\n')
    f = assert_finding(check(design), "E003", API, line_in(design, "createNote", "example:"))
    assert "'title' is a required property" in f.message


def test_e003_additional_property(design: Path) -> None:
    in_endpoint(design, "updateNote", "      example: {title: Groceries for Sunday}\n",
                 "      example: {title: Groceries for Sunday, colour: red}\n")
    f = assert_finding(check(design), "E003", API, line_in(design, "updateNote", "colour: red"))
    assert "colour" in f.message


def test_e003_parameter_examples(design: Path) -> None:
    in_endpoint(design, "listNotes", "        example: work\n",
                 "        example: " + "w" * 41 + "\n")
    in_endpoint(design, "deleteNote", "        example: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69\n",
                 "        example: 42\n")
    report = check(design)
    f = assert_finding(report, "E003", API, line_in(design, "listNotes", "www"))
    assert "query parameter 'tag'" in f.message and "too long" in f.message
    f = assert_finding(report, "E003", API, line_in(design, "deleteNote", "example: 42"))
    assert "path parameter 'noteId'" in f.message


def test_e003_custom_error_example_against_problem(design: Path) -> None:
    in_endpoint(design, "createNote", "    errors: [401, 403, 422]\n",
                 "    errors:\n      - 401\n      - 403\n      - 422\n"
                 "      - status: 409\n        description: Title taken.\n"
                 "        example: {title: Conflict, status: conflict}\n")
    report = check(design)
    line = line_in(design, "createNote", "example: {title: Conflict")
    hits = [f for f in only(report, "E003") if f.span and f.span.line == line]
    messages = " | ".join(f.message for f in hits)
    assert "'type' is a required property" in messages
    assert "'conflict' is not of type 'integer'" in messages


def test_e003_example_inside_a_named_schema(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n  NotePatch:",
         "      tag: {type: string, maxLength: 40, description: Optional tag., example: 7}\n"
         "  NotePatch:")
    schemas = design / "schemas" / "notes.yaml"
    f = assert_finding(check(design), "E003", SCHEMAS, line_of(schemas, "example: 7"))
    assert "schema 'NoteInput'" in f.message


def test_e003_webhook_payload_example(design: Path) -> None:
    (design / "integrations.yaml").write_text(
        "kind: integrations\nwebhooks:\n  - name: note.created\n    fr_ids: [FR-001]\n"
        "    payload:\n      schema: {$ref: \"#/components/schemas/Note\"}\n"
        "      example: {id: 1, title: Groceries}\n"
        "    signing: {algorithm: hmac-sha256, header: X-Signature}\n"
        "    retries: {max_attempts: 3}\n", encoding="utf-8")
    report = check(design)
    hits = [f for f in only(report, "E003") if f.span and f.span.file == "design/integrations.yaml"]
    assert {f.span.line for f in hits if f.span} == {7}
    messages = " | ".join(f.message for f in hits)
    assert "webhook 'note.created'" in messages
    assert "1 is not of type 'string'" in messages
    assert "'created_at' is a required property" in messages


def test_e003_skips_examples_of_broken_schemas(design: Path) -> None:
    # The schema itself is wrong (O001 reports it); the example check does not crash.
    edit(design / "schemas" / "notes.yaml", "  NoteInput:\n    type: object",
         "  NoteInput:\n    type: objekt")
    report = check(design)
    assert [f for f in only(report, "E003") if "NoteInput" in f.message] == []
    assert only(report, "O001")


# --- E004: parameter examples --------------------------------------------------------------


def test_e004_filter_without_example(design: Path) -> None:
    in_endpoint(design, "listNotes", "        example: work\n", "")
    f = assert_finding(check(design), "E004", API, line_in(design, "listNotes", "- name: tag"))
    assert "filter 'tag' of 'listNotes'" in f.message


def test_e004_query_parameter_without_example(design: Path) -> None:
    in_endpoint(design, "getNote", "    path_params:\n",
                 "    query:\n      - name: fields\n        schema: {type: string}\n"
                 "    path_params:\n")
    f = assert_finding(check(design), "E004", API,
                       line_in(design, "getNote", "- name: fields"))
    assert "query parameter 'fields'" in f.message
