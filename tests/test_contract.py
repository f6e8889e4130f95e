"""What the contract's consumers rely on (issue: mock servers, fuzzers, linters, client
generators take it as it is): every reference resolves, defaults and headers are designed
parts, raw OpenAPI cannot undo the design, inputs are bounded, examples speak of each
operation's own input. Each expectation is derived from the design, not from the output.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from designgate import load_design
from designgate.generate import build_openapi
from openapi_spec_validator import validate
from support import REPO, assert_finding, check, edit, in_endpoint, line_in, line_of, only

API = "design/api/notes.yaml"
SCHEMAS = "design/schemas/notes.yaml"
PROJECT = "design/project.yaml"


def _doc(design: Path) -> dict[str, Any]:
    loaded = load_design(design)
    assert [f"{f.location} {f.rule} {f.message}" for f in loaded.findings] == []
    return build_openapi(loaded.design).document




def _pointer(doc: Any, ref: str) -> Any:
    """Follow a local JSON Pointer reference the way JSON-pointer tools (Prism) do."""
    assert ref.startswith("#/"), ref
    node = doc
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _refs(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.append((path, v))
            elif k not in ("example", "examples", "default", "enum", "const"):
                out.extend(_refs(v, (*path, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_refs(v, (*path, i)))
    return out


@pytest.fixture(scope="module")
def example_doc() -> dict[str, Any]:
    return _doc(REPO / "design")


# --- every reference resolves, extensions included -----------------------------------------


def test_every_ref_of_the_example_resolves_against_the_document(
        example_doc: dict[str, Any]) -> None:
    refs = _refs(example_doc)
    assert any(path[0] == "x-events" for path, _ in refs)  # the bundled event payloads
    for path, ref in refs:
        try:
            _pointer(example_doc, ref)
        except (KeyError, IndexError, ValueError) as exc:
            raise AssertionError(f"{'/'.join(map(str, path))}: {ref} does not resolve") from exc


def test_o001_reports_a_dangling_ref_inside_an_extension(design: Path) -> None:
    in_endpoint(design, "getNote", "    impact: 4\n",
                 "    impact: 4\n    openapi:\n      x-audit:\n"
                 "        schema: {$ref: '#/components/schemas/Nowhere'}\n")
    f = assert_finding(check(design), "O001", API,
                       line_in(design, "getNote", "$ref: '#/components/schemas/Nowhere'"))
    assert "Unresolvable reference" in f.message and "x-audit" in f.message


# --- error responses: headers, and a message that names the key -----------------------------


def test_error_response_carries_headers(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    errors: [401, 403, 422]\n",
         "    errors:\n      - 401\n      - 403\n      - 422\n      - status: 409\n"
         "        description: A note with this title exists.\n        headers:\n"
         "          Link: {description: The existing note., schema: {type: string, "
         "maxLength: 2048}}\n")
    conflict = _doc(design)["paths"]["/notes"]["post"]["responses"]["409"]
    assert conflict["headers"]["Link"] == {"description": "The existing note.",
                                           "schema": {"type": "string", "maxLength": 2048}}


def test_unknown_key_in_an_error_response_is_named(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    errors: [401, 403, 422]\n",
         "    errors:\n      - 401\n      - status: 409\n        colour: red\n")
    f = assert_finding(check(design), "L003", API, line_of(design / "api" / "notes.yaml",
                                                           "colour: red"))
    assert "unknown key 'colour'" in f.message
    assert not any("mapping given" in x.message for x in check(design).findings)


# --- response defaults ---------------------------------------------------------------------


def test_default_400_goes_to_every_operation_with_input_and_no_other(
        example_doc: dict[str, Any]) -> None:
    design = load_design(REPO / "design").design
    for ep in design.endpoints:
        op = example_doc["paths"][ep.path][ep.method.lower()]
        takes_input = bool(op.get("parameters") or op.get("requestBody"))
        assert ("400" in op["responses"]) == takes_input, ep.id
        for status in ("429", "500", "503"):
            assert status in op["responses"], (ep.id, status)


def test_rate_limit_and_cors_headers(example_doc: dict[str, Any]) -> None:
    headers = example_doc["components"]["headers"]
    assert headers["RateLimit-Policy"]["example"] == '"default";q=600;w=60'
    assert headers["Retry-After"]["schema"] == {"type": "integer", "format": "int32",
                                                "minimum": 0, "maximum": 86400}
    shared = example_doc["components"]["responses"]
    for path, item in example_doc["paths"].items():
        for method, op in item.items():
            for status, resp in op["responses"].items():
                resp = shared[resp["$ref"].rsplit("/", 1)[1]] if "$ref" in resp else resp
                names = set(resp.get("headers", {}))
                assert "Access-Control-Allow-Origin" in names, (path, method, status)
                if status[0] in "24":
                    assert {"RateLimit", "RateLimit-Policy"} <= names, (path, method, status)
                if status in ("429", "503"):
                    assert "Retry-After" in names, (path, method, status)


def test_endpoint_default_errors_replace_the_project_list(design: Path) -> None:
    in_endpoint(design, "listNotes", "    errors: [400, 401, 403]\n",
                 "    errors: [401, 403]\n    default_errors: [503]\n")
    responses = _doc(design)["paths"]["/notes"]["get"]["responses"]
    assert set(responses) == {"200", "401", "403", "503"}


def test_scaffold_post_documents_400_for_an_unreadable_body(design: Path) -> None:
    bad = _doc(design)["paths"]["/notes"]["post"]["responses"]["400"]
    example = bad["content"]["application/problem+json"]["example"]
    assert example["detail"] == "The request body is not valid JSON."


# --- 400/422 examples speak of the operation's own input -----------------------------------


def _schema_props(doc: dict[str, Any], schema: Any) -> set[str]:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = _pointer(doc, schema["$ref"])
    props = set((schema or {}).get("properties") or {})
    for part in (schema or {}).get("allOf") or []:
        props |= _schema_props(doc, part)
    return props


def test_validation_examples_name_the_operations_own_fields(
        example_doc: dict[str, Any]) -> None:
    checked = 0
    for item in example_doc["paths"].values():
        for op in item.values():
            own_params = {p["name"] for p in op.get("parameters", [])}
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
            fields = _schema_props(example_doc, body["schema"]) if body else set()
            resp = op["responses"].get("422")
            if resp is not None:
                for err in resp["content"]["application/problem+json"]["example"]["errors"]:
                    if err.get("pointer"):
                        assert err["pointer"][1:].split("/")[0] in fields, op["operationId"]
                    else:
                        assert err.get("parameter") in own_params | {None}, op["operationId"]
                    checked += 1
            resp = op["responses"].get("400")
            if resp is not None:
                detail = resp["content"]["application/problem+json"]["example"]["detail"]
                named = detail.split("'")[1] if "'" in detail else None
                assert (named in own_params) if named else body is not None, \
                    (op["operationId"], detail)
    assert checked > 10


# --- O005: arrays say what they hold -------------------------------------------------------


def test_o005_array_without_items(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml", "      tag: {type: string, maxLength: 40, "
         "description: Optional tag.}\n  NotePatch:",
         "      tag: {type: string, maxLength: 40, description: Optional tag.}\n"
         "      links: {type: array, maxItems: 5}\n  NotePatch:")
    f = assert_finding(check(design), "O005", SCHEMAS,
                       line_of(design / "schemas" / "notes.yaml", "links: {type: array"))
    assert "NoteInput" in f.message


# --- O006: raw OpenAPI merges, and does not contradict ---------------------------------------


def test_raw_parameters_merge_with_the_generated_ones(design: Path) -> None:
    in_endpoint(design, "listNotes", "    impact: 5\n",
                 "    impact: 5\n    openapi:\n      parameters:\n"
                 "        - {name: X-Request-Id, in: header, schema: {type: string, "
                 "maxLength: 64}}\n        - {name: tag, in: query, explode: false}\n")
    report = check(design)
    assert only(report, "O006") == []
    params = {p["name"]: p for p in _doc(design)["paths"]["/notes"]["get"]["parameters"]}
    assert list(params) == ["tag", "sort", "cursor", "limit", "X-Request-Id"]
    assert params["tag"]["explode"] is False and params["tag"]["schema"]["maxLength"] == 40


def test_o006_raw_parameter_contradicting_the_design(design: Path) -> None:
    in_endpoint(design, "listNotes", "    impact: 5\n",
                 "    impact: 5\n    openapi:\n      parameters:\n"
                 "        - name: limit\n          in: query\n"
                 "          schema: {maximum: 500}\n")
    f = assert_finding(check(design), "O006", API, line_in(design, "listNotes",
                                                            "schema: {maximum: 500}"))
    assert "schema.maximum to 500" in f.message and "generates 100" in f.message


def test_o006_raw_security_that_undoes_the_permission(design: Path) -> None:
    in_endpoint(design, "deleteNote", "    impact: 2\n",
                 "    impact: 2\n    openapi:\n      security: []\n")
    f = assert_finding(check(design), "O006", API, line_in(design, "deleteNote",
                                                            "security: []"))
    assert "notes:delete" in f.message


# --- O007: inputs are bounded --------------------------------------------------------------


def test_o007_unbounded_request_string(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml",
         "      body: {type: string, maxLength: 10000, description: The note's text.}",
         "      body: {type: string, description: The note's text.}")
    f = assert_finding(check(design), "O007", SCHEMAS,
                       line_of(design / "schemas" / "notes.yaml",
                               "body: {type: string, description"))
    assert "NoteInput" in f.message and "maxLength" in f.message


def test_o007_ignores_response_only_and_read_only_fields(design: Path) -> None:
    # Note (a response) loses its bound: not an input.
    edit(design / "schemas" / "notes.yaml",
         "      body: {type: [string, \"null\"], maxLength: 10000, description: The note's text.}",
         "      body: {type: [string, \"null\"], description: The note's text.}")
    assert only(check(design), "O007") == []


def test_o007_unbounded_filter(design: Path) -> None:
    in_endpoint(design, "listNotes", "schema: {type: string, maxLength: 40}",
                 "schema: {type: string}")
    assert_finding(check(design), "O007", API,
                   line_in(design, "listNotes", "schema: {type: string}"))


# --- O008, O009 and designed headers -------------------------------------------------------


def test_201_gets_location_from_the_item_path(design: Path) -> None:
    created = _doc(design)["paths"]["/notes"]["post"]["responses"]["201"]
    location = created["headers"]["Location"]
    assert "/notes/{noteId}" in location["description"]
    assert location["example"] == "/v1/notes/6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69"


def test_o008_created_without_an_item_path(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    text = api.read_text(encoding="utf-8").replace("/notes/{noteId}", "/notes/{noteId}/body")
    api.write_text(text, encoding="utf-8")
    assert_finding(check(design), "O008", API, line_in(design, "createNote", "status: 201"))


def test_o009_idempotency_key_on_delete(design: Path) -> None:
    in_endpoint(design, "deleteNote", "    impact: 2\n",
                 "    impact: 2\n    idempotency_key: optional\n")
    assert_finding(check(design), "O009", API,
                   line_in(design, "deleteNote", "idempotency_key"))


def test_optimistic_concurrency_and_idempotency_key(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "resource:\n  name: notes\n",
         "resource:\n  name: notes\n  concurrency: etag\n")
    in_endpoint(design, "createNote", "    impact: 5\n",
                 "    impact: 5\n    idempotency_key: required\n")
    doc = _doc(design)
    validate(doc)
    patch = doc["paths"]["/notes/{noteId}"]["patch"]
    if_match = {p["name"]: p for p in patch["parameters"]}["If-Match"]
    assert if_match["in"] == "header" and if_match["required"] is True
    assert {"412", "428"} <= set(patch["responses"])
    assert "ETag" in patch["responses"]["200"]["headers"]
    assert "ETag" in doc["paths"]["/notes/{noteId}"]["get"]["responses"]["200"]["headers"]
    get = doc["paths"]["/notes/{noteId}"]["get"]
    assert "If-Match" not in {p["name"] for p in get.get("parameters", [])}
    post = doc["paths"]["/notes"]["post"]
    key = {p["name"]: p for p in post["parameters"]}["Idempotency-Key"]
    assert key["required"] is True and key["schema"]["maxLength"] == 255
    assert {"409", "422"} <= set(post["responses"])


def test_request_headers_are_first_class(design: Path) -> None:
    in_endpoint(design, "getNote", "    impact: 4\n",
                 "    impact: 4\n    headers:\n      - name: Accept-Language\n"
                 "        description: Preferred language.\n"
                 "        schema: {type: string, maxLength: 35}\n        example: pt-BR\n")
    get = _doc(design)["paths"]["/notes/{noteId}"]["get"]
    param = {p["name"]: p for p in get["parameters"]}["Accept-Language"]
    assert param == {"name": "Accept-Language", "in": "header", "required": False,
                     "description": "Preferred language.",
                     "schema": {"type": "string", "maxLength": 35}, "example": "pt-BR"}


def test_permission_is_in_every_operation_description(example_doc: dict[str, Any]) -> None:
    design = load_design(REPO / "design").design
    for ep in design.endpoints:
        op = example_doc["paths"][ep.path][ep.method.lower()]
        expected = "**Public**" if ep.public else f"`{ep.permission}`"
        assert expected in op["description"], ep.id


def test_webhook_operation_ids_are_camel_case(example_doc: dict[str, Any]) -> None:
    ids = [item["post"]["operationId"] for item in example_doc["webhooks"].values()]
    assert ids and all(i[0].islower() and i.isalnum() for i in ids), ids
    assert "onTaskCreated" in ids


def test_generated_parts_are_bounded(example_doc: dict[str, Any]) -> None:
    """Everything designgate writes itself has an upper bound (strings, integers, arrays)."""
    problem = example_doc["components"]["schemas"]["Problem"]
    cursor = {p["name"]: p for p in example_doc["paths"]["/tasks"]["get"]["parameters"]}
    for schema in (*problem["properties"].values(), cursor["cursor"]["schema"],
                   cursor["limit"]["schema"], *(
                       h["schema"] for h in example_doc["components"]["headers"].values())):
        kind = schema["type"]
        if kind == "string":
            assert "maxLength" in schema or "enum" in schema, schema
        elif kind == "integer":
            assert {"format", "minimum", "maximum"} <= set(schema), schema
        elif kind == "array":
            assert "maxItems" in schema, schema


def test_example_and_scaffold_check_clean(tmp_path: Path) -> None:
    """The bundled example and the scaffold follow every new rule (no waivers)."""
    shutil.copytree(REPO / "design", tmp_path / "design")
    assert [f"{f.location} {f.rule}" for f in check(tmp_path / "design").findings] == []
