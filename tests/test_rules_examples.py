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


# --- E003: jsonschema-rs decides, python-jsonschema explains ----------------------------------
#
# jsonschema-rs only answers "does it fit?"; a "no" goes to python-jsonschema for the message.
# Each case below is one where python-jsonschema finds an error: the fast path must not hide it.

COMPONENTS = {
    "Count": {"type": "integer", "format": "int32"},
    "Big": {"type": "integer", "format": "int64", "maximum": 10},
    "Tagged": {"type": "object", "properties": {
        "example": {"$ref": "#/components/schemas/Count"},   # a property called `example`
        "enum": {"type": "string", "format": "uuid"},        # ... and one called `enum`
    }},
    "Choice": {"enum": [{"$ref": "#/components/schemas/Count"}, "plain"]},  # data, not a ref
}
MISFITS = [
    ({"$ref": "#/components/schemas/Count"}, 2**31),
    ({"$ref": "#/components/schemas/Count"}, -(2**31) - 1),
    ({"type": "integer", "format": "int32", "minimum": -5}, -6),
    ({"type": "integer", "format": "int64"}, 2**63),
    ({"$ref": "#/components/schemas/Big"}, 11),
    ({"$ref": "#/components/schemas/Tagged"}, {"example": 2**40}),
    ({"$ref": "#/components/schemas/Tagged"}, {"enum": "not-a-uuid"}),
    ({"$ref": "#/components/schemas/Choice"}, {"$ref": "#/components/schemas/Other"}),
    ({"type": "string", "format": "date-time"}, "yesterday"),
    ({"type": "string", "format": "date"}, "2026-02-30"),
    ({"type": "string", "format": "email"}, "nobody"),
    ({"type": "string", "format": "ipv4"}, "300.1.1.1"),
    ({"type": "string", "pattern": "^[a-z]+$"}, "Abc"),
    ({"type": "array", "items": {"$ref": "#/components/schemas/Count"}, "maxItems": 1}, [1, 2]),
    ({"type": "object", "properties": {"n": {"$ref": "#/components/schemas/Count"}},
      "additionalProperties": False}, {"n": 1, "m": 2}),
]


def _python_only(schema: object, instance: object) -> list[str]:
    from designgate.generate.jsonschema_tools import _python_validator

    root = _python_validator({"components": {"schemas": COMPONENTS}})
    return sorted(e.message for e in root.evolve(schema=schema).iter_errors(instance))


def test_e003_every_misfit_python_jsonschema_finds_is_reported() -> None:
    from designgate.generate.jsonschema_tools import ExampleValidator

    validator = ExampleValidator(COMPONENTS)
    for schema, instance in MISFITS:
        expected = _python_only(schema, instance)
        assert expected, (schema, instance)  # the case is a real misfit
        assert sorted(e.message for e in validator.errors(schema, instance)) == expected, \
            (schema, instance)


def test_e003_fitting_examples_need_no_python_jsonschema() -> None:
    from designgate.generate.jsonschema_tools import ExampleValidator

    validator = ExampleValidator(COMPONENTS)
    fits = [({"$ref": "#/components/schemas/Count"}, 2**31 - 1),
            ({"$ref": "#/components/schemas/Tagged"}, {"example": 3, "enum": str(UUID_TEXT)}),
            ({"$ref": "#/components/schemas/Choice"}, "plain")]
    for schema, instance in fits:
        assert validator.errors(schema, instance) == []
    assert validator._root is None  # python-jsonschema was never asked


UUID_TEXT = "6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69"


def test_e003_int32_example_out_of_range_through_a_named_schema(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n"
         "      rank: {type: integer, format: int32, minimum: 0, description: Order.}\n", count=1)
    in_endpoint(design, "createNote",
                '      example: {title: Groceries, body: "Milk, eggs.", tag: home}\n',
                '      example: {title: Groceries, body: "Milk, eggs.", tag: home,'
                ' rank: 4294967296}\n')
    f = assert_finding(check(design), "E003", API, line_in(design, "createNote", "rank:"))
    assert "4294967296 is not a 'int32'" in f.message and "(at /rank)" in f.message
