"""OpenAPI rules (O): the generated document is valid, and contract problems it cannot show."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from designgate import load_design
from designgate.generate import build_openapi
from designgate.generate.jsonschema_tools import openapi_errors
from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation import keywords as kw
from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError
from support import REPO, assert_finding, check, edit, in_endpoint, line_in, line_of, only

API = "design/api/notes.yaml"
SCHEMAS = "design/schemas/notes.yaml"

DocPath = tuple[str | int, ...]


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"




def test_scaffold_has_no_openapi_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("O")] == []


# --- O001 ---------------------------------------------------------------------------------


def test_o001_invalid_keyword_in_a_named_schema(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml",
         "      body: {type: string, maxLength: 10000, description: The note's text.}",
         "      body: {type: strin, maxLength: 10000, description: The note's text.}")
    schemas = design / "schemas" / "notes.yaml"
    f = assert_finding(check(design), "O001", SCHEMAS, line_of(schemas, "type: strin,"))
    assert "strin" in f.message
    assert "(at openapi pointer /components/schemas/NoteInput/properties/body/type)" \
        in f.message


def test_o001_invalid_inline_parameter_schema(design: Path) -> None:
    in_endpoint(design, "listNotes", "schema: {type: string, maxLength: 40}",
                 "schema: {type: string, maxLength: -1}")
    f = assert_finding(check(design), "O001", API, line_in(design, "listNotes", "maxLength: -1"))
    assert "/paths/~1notes/get/parameters/0/schema/maxLength" in f.message


def test_o001_escape_hatch_value_openapi_rejects(design: Path) -> None:
    in_endpoint(design, "getNote", "    impact: 4\n",
                 "    impact: 4\n    openapi:\n      externalDocs: {description: Guide}\n")
    f = assert_finding(check(design), "O001", API,
                       line_in(design, "getNote", "externalDocs: {description: Guide}"))
    assert "'url' is a required property" in f.message or '"url" is a required' in f.message
    assert "/paths/~1notes~1{noteId}/get/externalDocs" in f.message


def test_o001_escape_hatch_duplicate_operation_id(design: Path) -> None:
    in_endpoint(design, "deleteNote", "    impact: 2\n",
                 "    impact: 2\n    openapi:\n      operationId: getNote\n")
    f = assert_finding(check(design), "O001", API,
                       line_in(design, "deleteNote", "operationId: getNote"))
    assert "Operation ID 'getNote'" in f.message and "not unique" in f.message


def test_o001_escape_hatch_dangling_reference(design: Path) -> None:
    in_endpoint(design, "getNote", "    impact: 4\n",
                 "    impact: 4\n    openapi:\n      responses:\n        '410':\n"
                 "          $ref: '#/components/responses/Gone'\n")
    f = assert_finding(check(design), "O001", API,
                       line_in(design, "getNote", "$ref: '#/components/responses/Gone'"))
    assert "Unresolvable reference" in f.message


def test_o001_default_that_does_not_fit(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n  NotePatch:",
         "      tag: {type: string, maxLength: 40, description: Optional tag., default: 3}\n"
         "  NotePatch:")
    schemas = design / "schemas" / "notes.yaml"
    f = assert_finding(check(design), "O001", SCHEMAS, line_of(schemas, "default: 3"))
    assert "3 is not of type 'string'" in f.message



def test_o001_int32_default_out_of_range(design: Path) -> None:
    # jsonschema-rs decides first; it knows no int32, so the bounds must be passed on to it.
    edit(design / "schemas" / "notes.yaml",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n  NotePatch:",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n"
         "      rank: {type: integer, format: int32, default: 2147483648, description: Order.}\n"
         "  NotePatch:")
    schemas = design / "schemas" / "notes.yaml"
    f = assert_finding(check(design), "O001", SCHEMAS, line_of(schemas, "default: 2147483648"))
    assert "2147483648 is not a 'int32'" in f.message


INTEGRATIONS = """\
kind: integrations
webhooks:
  - name: note.created
    fr_ids: [FR-001]
    payload:
      schema:
        type: object
        properties:
          note_id: {type: uuid}
      example: {note_id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}
    signing: {algorithm: hmac-sha256, header: X-Signature}
    retries: {max_attempts: 3}
events:
  - name: note.deleted
    version: 1
    payload:
      schema: {$ref: "#/components/schemas/Deleted"}
      example: {note_id: x}
  - name: note.renamed
    version: 1
    payload:
      schema:
        type: object
        required: note_id
      example: {note_id: x}
"""


def test_o001_webhook_and_event_payload_schemas(design: Path) -> None:
    (design / "integrations.yaml").write_text(INTEGRATIONS, encoding="utf-8")
    schemas = design / "schemas" / "notes.yaml"
    schemas.write_text(schemas.read_text(encoding="utf-8")
                       + "  Deleted:\n    type: object\n    properties:\n"
                       "      note_id: {type: [string, 5]}\n", encoding="utf-8")
    report = check(design)
    integrations = design / "integrations.yaml"
    f = assert_finding(report, "O001", "design/integrations.yaml",
                       line_of(integrations, "note_id: {type: uuid}"))
    assert "/webhooks/note.created/post/requestBody" in f.message
    # A schema only an event uses is not in components; it is checked on its own.
    f = assert_finding(report, "O001", SCHEMAS, line_of(schemas, "type: [string, 5]"))
    assert "invalid schema 'Deleted'" in f.message
    f = assert_finding(report, "O001", "design/integrations.yaml",
                       line_of(integrations, "required: note_id"))
    assert "event 'note.renamed'" in f.message
    # Examples are not checked against schemas that are themselves broken.
    assert [x for x in only(report, "E003") if "note.renamed" in x.message] == []


# --- O002 ---------------------------------------------------------------------------------


def test_o002_path_parameter_not_in_path(design: Path) -> None:
    in_endpoint(design, "getNote", "      noteId:\n", "      id:\n")
    report = check(design)
    f = assert_finding(report, "O002", API, line_in(design, "getNote", "      id:"))
    assert "'id' of 'getNote'" in f.message
    # The parameter is left out of the document, so the validator has nothing to add.
    assert only(report, "O001") == []


# --- O003 ---------------------------------------------------------------------------------


def test_o003_unused_named_schema(design: Path) -> None:
    schemas = design / "schemas" / "notes.yaml"
    schemas.write_text(schemas.read_text(encoding="utf-8")
                       + "  Draft:\n    type: object\n    properties:\n"
                       "      note: {$ref: \"#/components/schemas/Tag\"}\n"
                       "  Tag: {type: string}\n", encoding="utf-8")
    report = check(design)
    f = assert_finding(report, "O003", SCHEMAS, line_of(schemas, "  Draft:"))
    assert "'Draft'" in f.message
    # Tag is referenced only by the unused Draft: it is unused too.
    assert_finding(report, "O003", SCHEMAS, line_of(schemas, "  Tag:"))
    assert {x.severity.name for x in only(report, "O003")} == {"WARNING"}


def test_o003_schemas_used_by_events_or_the_escape_hatch_count(design: Path) -> None:
    schemas = design / "schemas" / "notes.yaml"
    schemas.write_text(schemas.read_text(encoding="utf-8")
                       + "  Deleted:\n    type: object\n    properties:\n"
                       "      note_id: {type: string}\n"
                       "  Etag: {type: string}\n", encoding="utf-8")
    (design / "integrations.yaml").write_text(
        "kind: integrations\nevents:\n  - name: note.deleted\n    version: 1\n"
        "    payload:\n      schema: {$ref: \"#/components/schemas/Deleted\"}\n"
        "      example: {note_id: x}\n", encoding="utf-8")
    in_endpoint(design, "getNote", "    impact: 4\n",
                 "    impact: 4\n    openapi:\n      responses:\n        '200':\n"
                 "          headers:\n            ETag:\n"
                 "              schema: {$ref: \"#/components/schemas/Etag\"}\n")
    assert only(check(design), "O003") == []


# --- conflicting routes (reported by N005/N009; the document keeps the first) -------------


def test_same_method_and_path_keeps_the_first_operation(design: Path) -> None:
    in_endpoint(design, "updateNote", "    method: PATCH\n", "    method: GET\n")
    report = check(design)
    assert_finding(report, "N005", API, line_in(design, "updateNote", "path:"))
    assert build_openapi(report.design).document["paths"]["/notes/{noteId}"]["get"][
        "operationId"] == "getNote"
    assert only(report, "O001") == []  # the conflict is reported once, by its own rule


# --- the validator agrees with openapi-spec-validator -----------------------------------------


def _tag(err: Any, node: Any, rel: DocPath = ()) -> Any:
    if getattr(err, "dg_node", None) is None:
        err.dg_node, err.dg_rel = node, rel
    return err


class _Schema(kw.OpenAPIV31SchemaValidator):
    def __call__(self, schema: Any, require_properties: bool = True,
                 meta_checked: bool = False) -> Iterator[Any]:
        for err in super().__call__(schema, require_properties, meta_checked):
            yield _tag(err, schema.read_value())


class _Default(kw.OpenAPIV31ValueValidator):
    def __call__(self, schema: Any, value: Any) -> Iterator[Any]:
        for err in super().__call__(schema, value):
            yield _tag(err, schema.read_value(), ("default",))


class _Operation(kw.OperationValidator):
    def __call__(self, url: str, name: str, operation: Any, params: Any) -> Iterator[Any]:
        for err in super().__call__(url, name, operation, params):
            rel = ("operationId",) if isinstance(err, DuplicateOperationIDError) else ()
            yield _tag(err, operation.read_value(), rel)


class _Parameters(kw.ParametersValidator):
    def __call__(self, parameters: Any) -> Iterator[Any]:
        for err in super().__call__(parameters):
            yield _tag(err, parameters.read_value())


class _Reference(OpenAPIV31SpecValidator):
    """The library itself, with each error tagged with the document node it belongs to."""

    keyword_validators = {**OpenAPIV31SpecValidator.keyword_validators, "schema": _Schema,
                          "default": _Default, "operation": _Operation,
                          "parameters": _Parameters}


def _reference_paths(doc: dict[str, Any]) -> set[DocPath]:
    validator = _Reference(doc)
    structural = {tuple(e.absolute_path) for e in validator.schema_validator.iter_errors(doc)}
    if structural:
        return structural
    nodes: dict[int, DocPath] = {}
    stack: list[tuple[DocPath, Any]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        if id(node) in nodes:
            continue
        nodes[id(node)] = path
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend(((*path, k), v) for k, v in items if isinstance(v, (dict, list)))
    out = set()
    for err in validator.root_validator(validator.schema_path):
        where = (*nodes[id(err.dg_node)], *err.dg_rel)
        out.add((*where, *err.absolute_path))
    return out


def _broken(doc: dict[str, Any]) -> dict[str, Any]:
    """One error of each kind the library finds after the structural check."""
    doc = copy.deepcopy(doc)
    schemas = doc["components"]["schemas"]
    schemas["Note"]["properties"]["body"]["type"] = "strin"
    schemas["NotePatch"]["properties"]["tag"]["default"] = 5
    schemas["Merged"] = {"allOf": [{"$ref": "#/components/schemas/NoteInput"}],
                         "required": ["title", "ghost"]}
    items = doc["paths"]["/notes"]
    items["get"]["parameters"][0]["schema"]["maxLength"] = -1
    items["get"]["parameters"].append({"name": "tag", "in": "query", "schema": {}})
    items["post"]["operationId"] = "listNotes"
    doc["paths"]["/notes/{noteId}"]["delete"]["parameters"] = []
    return doc


@pytest.mark.parametrize("rust", [True, False], ids=["jsonschema-rs", "python"])
def test_validator_agrees_with_openapi_spec_validator(design: Path, rust: bool) -> None:
    doc = build_openapi(load_design(design).design).document
    assert openapi_errors(doc, rust=rust) == [] and _reference_paths(doc) == set()
    broken = _broken(doc)
    ours = {p for p, _ in openapi_errors(broken, rust=rust)}
    expected = _reference_paths(broken)
    assert len(expected) == 7
    assert ours == expected
    structural = copy.deepcopy(doc)
    structural["paths"]["/notes"]["get"]["responses"] = 5
    structural["info"]["contact"]["url"] = 3
    ours = {p for p, _ in openapi_errors(structural, rust=rust)}
    assert ours == _reference_paths(structural) == {
        ("paths", "/notes", "get", "responses"), ("info", "contact", "url")}


def test_validator_agrees_on_the_example_design() -> None:
    loaded = load_design(REPO / "design")
    doc = build_openapi(loaded.design).document
    assert openapi_errors(doc) == []
    assert _reference_paths(doc) == set()


def test_validator_survives_recursive_schemas() -> None:
    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
           "components": {"schemas": {
               "A": {"allOf": [{"$ref": "#/components/schemas/B"}], "required": ["x"]},
               "B": {"allOf": [{"$ref": "#/components/schemas/A"}],
                     "properties": {"x": {"type": "string"}}},
           }}}
    assert openapi_errors(doc) == []


# --- O004 ---------------------------------------------------------------------------------


def test_o004_server_url_without_base_path(design: Path) -> None:
    project = design / "project.yaml"
    edit(project, "    - url: https://api.notes.test/v1\n", "    - url: https://api.notes.test\n")
    f = assert_finding(check(design), "O004", "design/project.yaml",
                       line_of(project, "url: https://api.notes.test"))
    assert "'/v1'" in f.message and "https://api.notes.test/v1" in f.message


def test_o004_relative_server_and_trailing_slash_are_fine(design: Path) -> None:
    edit(design / "project.yaml", "    - url: https://api.notes.test/v1\n",
         "    - url: https://api.notes.test/v1/\n    - url: /v1\n")
    assert only(check(design), "O004") == []
