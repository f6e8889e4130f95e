"""The OpenAPI 3.1 generator, YAML/JSON output and writing files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from designgate import load_design
from designgate.generate import (
    OutputError,
    build_openapi,
    build_traceability,
    dump_yaml,
    write_outputs,
)
from designgate.generate.output import MARKER
from designgate.model.design import Design
from openapi_spec_validator import validate
from support import REPO, edit, golden, line_of

EXAMPLE = REPO / "design"

INTEGRATIONS = """\
kind: integrations
webhooks:
  - name: note.created
    summary: A note was created
    description: Sent to subscribers after a note is stored.
    fr_ids: [FR-001]
    trigger: createNote succeeds
    payload:
      schema: {$ref: "#/components/schemas/NoteEvent"}
      example: {event: note.created, note_id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}
    signing: {algorithm: hmac-sha256, header: X-Signature}
    retries: {max_attempts: 5, backoff: exponential}
    timeout: 10s
events:
  - name: note.deleted
    version: 2
    description: A note was deleted.
    fr_ids: [FR-001]
    producer: api
    consumers: [search-indexer]
    channel: notes
    payload:
      schema: {$ref: "#/components/schemas/NoteDeleted"}
      example: {note_id: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69}
"""
EVENT_SCHEMAS = """\
  NoteEvent:
    type: object
    description: Webhook payload.
    required: [event, note_id]
    properties:
      event: {type: string}
      note_id: {type: string, format: uuid}
  NoteDeleted:
    type: object
    description: Event payload.
    required: [note_id]
    properties:
      note_id: {$ref: "#/components/schemas/NoteId"}
  NoteId: {type: string, format: uuid}
"""


def _load(design_dir: Path) -> Design:
    loaded = load_design(design_dir)
    assert [f"{f.location} {f.rule} {f.message}" for f in loaded.findings] == []
    return loaded.design


def _doc(design_dir: Path) -> dict[str, Any]:
    return build_openapi(_load(design_dir)).document


def _op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][path][method]


def _params(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in op.get("parameters", [])}


def _with_integrations(design: Path) -> None:
    (design / "integrations.yaml").write_text(INTEGRATIONS, encoding="utf-8")
    schemas = design / "schemas" / "notes.yaml"
    schemas.write_text(schemas.read_text(encoding="utf-8") + EVENT_SCHEMAS, encoding="utf-8")


# --- the document -------------------------------------------------------------------------


def test_scaffold_document_is_valid_openapi_31(design: Path) -> None:
    doc = _doc(design)
    validate(doc)  # the reference validator, not ours
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {
        "title": "Notes API", "version": "0.1.0",
        "description": "A small notes service — the starting point `designgate init` writes.",
        "contact": {"name": "API team", "email": "api-team@notes.test"},
        "license": {"name": "MIT", "identifier": "MIT"},
    }
    assert doc["servers"] == [{"url": "https://api.notes.test/v1", "description": "Production",
                               "x-internal": False}]
    assert doc["tags"] == [{"name": "notes", "description": "Notes written by the signed-in user."}]


def test_paths_keep_design_order_and_methods_standard_order(design: Path) -> None:
    doc = _doc(design)
    assert list(doc["paths"]) == ["/notes", "/notes/{noteId}"]
    # getNote, updateNote (PATCH), deleteNote are written in that order; OpenAPI order wins.
    assert list(doc["paths"]["/notes/{noteId}"]) == ["get", "delete", "patch"]
    assert list(doc["paths"]["/notes"]) == ["get", "post"]


def test_servers_default_to_the_base_path(design: Path) -> None:
    edit(design / "project.yaml", "  servers:\n    - url: https://api.notes.test/v1\n"
         "      description: Production\n      internal: false\n", "")
    assert _doc(design)["servers"] == [{"url": "/v1"}]


def test_operation_identity_and_traceability(design: Path) -> None:
    op = _op(_doc(design), "/notes/{noteId}", "get")
    assert op["operationId"] == "getNote"
    assert op["summary"] == "Get one note"
    assert op["tags"] == ["notes"]
    assert op["x-fr-ids"] == ["FR-001", "FR-002"]
    assert "deprecated" not in op


def test_deprecated_flag(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    summary: Get one note\n",
         "    summary: Get one note\n    deprecated: true\n")
    assert _op(_doc(design), "/notes/{noteId}", "get")["deprecated"] is True


def test_security_from_the_jwt_auth_model(design: Path) -> None:
    doc = _doc(design)
    assert doc["components"]["securitySchemes"] == {"bearerAuth": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "Bearer JWTs issued by the identity provider; `sub` is the user id. "
                       "Tokens are handled as RFC8725 (JWT Best Current Practices) asks — one "
                       "signing algorithm, `alg none` refused, `iss`, `aud` and `exp` checked.",
    }}
    op = _op(doc, "/notes", "post")
    assert op["security"] == [{"bearerAuth": []}]
    assert op["x-permission"] == "notes:write"


def test_public_endpoint_has_explicit_empty_security(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    permission: notes:read\n    filters:",
         "    permission: public\n    filters:")
    op = _op(_doc(design), "/notes", "get")
    assert op["security"] == []
    assert "x-permission" not in op


@pytest.mark.parametrize(
    ("strategy", "token", "expected"),
    [
        ("session", "token:\n  cookie: sid\n",
         {"cookieAuth": {"type": "apiKey", "in": "cookie", "name": "sid"}}),
        ("session", "", {"cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session"}}),
        ("api-key", "", {"apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}),
        ("api-key", "token:\n  header: X-Notes-Key\n",
         {"apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-Notes-Key"}}),
        ("oauth2", "token:\n  authorization_url: https://id.notes.test/authorize\n"
                   "  token_url: https://id.notes.test/token\n"
                   "  scopes: {notes:read: Read notes.}\n",
         {"oauth2": {"type": "oauth2", "flows": {"authorizationCode": {
             "authorizationUrl": "https://id.notes.test/authorize",
             "tokenUrl": "https://id.notes.test/token",
             "scopes": {"notes:read": "Read notes."}}}}}),
    ],
)
def test_security_schemes_of_other_strategies(
    design: Path, strategy: str, token: str, expected: dict[str, Any]
) -> None:
    auth = design / "auth.yaml"
    text = auth.read_text(encoding="utf-8")
    head, _, rest = text.partition("strategy: jwt\n")
    rest = rest[rest.index("session_settings:"):]
    auth.write_text(f"{head}strategy: {strategy}\n{token}{rest}", encoding="utf-8")
    doc = _doc(design)
    schemes = doc["components"]["securitySchemes"]
    name = next(iter(expected))
    assert {name: {k: v for k, v in schemes[name].items() if k != "description"}} == expected
    scopes = ["notes:read"] if strategy == "oauth2" else []
    assert _op(doc, "/notes", "get")["security"] == [{name: scopes}]
    assert _op(doc, "/notes", "post")["security"] == [{name: []}]
    validate(doc)


def test_path_parameters_from_design_and_id_format(design: Path) -> None:
    doc = _doc(design)
    p = _params(_op(doc, "/notes/{noteId}", "get"))["noteId"]
    assert p == {"name": "noteId", "in": "path", "required": True,
                 "description": "The note's id.",
                 "schema": {"type": "string", "format": "uuid", "maxLength": 36},
                 "example": "6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69"}


def test_undeclared_path_parameter_gets_the_id_format_schema(design: Path) -> None:
    api = design / "api" / "notes.yaml"
    text = api.read_text(encoding="utf-8")
    block = ("    path_params:\n      noteId:\n        description: The note's id.\n"
             "        schema: {type: string, format: uuid, maxLength: 36}\n"
             "        example: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69\n")
    api.write_text(text.replace(block, ""), encoding="utf-8")
    edit(design / "project.yaml", "id_format: uuid", "id_format: integer")
    p = _params(_op(_doc(design), "/notes/{noteId}", "delete"))["noteId"]
    assert p == {"name": "noteId", "in": "path", "required": True,
                 "schema": {"type": "integer", "format": "int64", "minimum": 1,
                            "maximum": 9223372036854775807}}


def test_filters_sort_and_cursor_pagination(design: Path) -> None:
    params = _params(_op(_doc(design), "/notes", "get"))
    assert list(params) == ["tag", "sort", "cursor", "limit"]
    assert params["tag"] == {"name": "tag", "in": "query", "required": False,
                             "description": "Only notes with this tag.",
                             "schema": {"type": "string", "maxLength": 40}, "example": "work"}
    assert params["sort"]["schema"] == {"type": "string", "enum": ["created_at", "-created_at"]}
    assert "Creation time" in params["sort"]["description"]
    assert params["cursor"]["schema"] == {"type": "string", "maxLength": 512}
    assert "next_cursor" in params["cursor"]["description"]
    assert params["limit"]["schema"] == {"type": "integer", "format": "int32", "minimum": 1,
                                         "maximum": 100, "default": 25}


def test_page_pagination_with_endpoint_bounds(design: Path) -> None:
    edit(design / "api" / "notes.yaml",
         "pagination: {style: cursor, default_page_size: 25, max_page_size: 100}",
         "pagination: {style: page, default_page_size: 10, max_page_size: 50}")
    params = _params(_op(_doc(design), "/notes", "get"))
    assert "cursor" not in params and "limit" not in params
    assert params["page"]["schema"] == {"type": "integer", "format": "int32", "minimum": 1,
                                        "maximum": 2147483647, "default": 1}
    assert params["page_size"]["schema"] == {"type": "integer", "format": "int32", "minimum": 1,
                                             "maximum": 50, "default": 10}


def test_request_body_and_success_response(design: Path) -> None:
    op = _op(_doc(design), "/notes", "post")
    assert op["requestBody"] == {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/NoteInput"},
        "example": {"title": "Groceries", "body": "Milk, eggs.", "tag": "home"}}}}
    created = op["responses"]["201"]
    assert created["description"] == "The note as stored."
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Note"}
    assert created["content"]["application/json"]["example"]["title"] == "Groceries"


def test_204_has_no_content(design: Path) -> None:
    resp = _op(_doc(design), "/notes/{noteId}", "delete")["responses"]["204"]
    assert set(resp) == {"description", "headers"}  # no content
    assert resp["description"] == "The note is gone."


def test_errors_are_shared_problem_json_responses(design: Path) -> None:
    doc = _doc(design)
    responses = _op(doc, "/notes/{noteId}", "patch")["responses"]
    assert responses["404"] == {"$ref": "#/components/responses/NotFound"}
    shared = doc["components"]["responses"]
    # Only the responses some operation uses (no-unused-components); 400 and 422 are each
    # operation's own (their examples name its own input), the rest are shared.
    assert set(shared) == {"Unauthorized", "Forbidden", "NotFound", "TooManyRequests",
                           "InternalServerError"}
    media = responses["422"]["content"]["application/problem+json"]
    assert media["schema"] == {"$ref": "#/components/schemas/Problem"}
    example = media["example"]
    assert example["status"] == 422 and example["title"] == "Unprocessable Content"
    # NotePatch requires nothing: the error names one of its own fields.
    assert example["errors"] == [{"pointer": "/title",
                                  "detail": "This value is not allowed here."}]
    created = _op(doc, "/notes", "post")["responses"]["422"]["content"][
        "application/problem+json"]["example"]
    assert created["errors"] == [{"pointer": "/title", "detail": "This field is required."}]
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert set(problem["properties"]) == {"type", "title", "status", "detail", "instance",
                                          "errors"}
    assert problem["properties"]["type"]["format"] == "uri-reference"


def test_custom_error_response_is_inline(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    errors: [401, 403, 422]\n",
         "    errors:\n      - 401\n      - 403\n      - 422\n"
         "      - status: 409\n        description: A note with this title exists.\n"
         "        example: {type: about:blank, title: Conflict, status: 409,"
         " detail: Title taken.}\n")
    doc = _doc(design)
    conflict = _op(doc, "/notes", "post")["responses"]["409"]
    assert conflict["headers"]["RateLimit"] == {"$ref": "#/components/headers/RateLimit"}
    del conflict["headers"]
    assert conflict == {"description": "A note with this title exists.", "content": {
        "application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {"type": "about:blank", "title": "Conflict", "status": 409,
                        "detail": "Title taken."}}}}
    assert "Conflict" not in doc["components"]["responses"]
    validate(doc)


def test_escape_hatch_is_deep_merged_last(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    impact: 4\n    effort: 1\n",
         "    impact: 4\n    effort: 1\n    openapi:\n"
         "      externalDocs: {url: https://docs.notes.test/get-note}\n"
         "      summary: Get one note by id\n"
         "      responses:\n        '200':\n          headers:\n            ETag:\n"
         "              description: Version of the note.\n"
         "              schema: {type: string}\n")
    doc = _doc(design)
    op = _op(doc, "/notes/{noteId}", "get")
    assert op["externalDocs"] == {"url": "https://docs.notes.test/get-note"}
    assert op["summary"] == "Get one note by id"
    ok = op["responses"]["200"]
    assert ok["headers"]["ETag"]["schema"] == {"type": "string"}
    assert ok["description"] == "The note."  # merged, not replaced
    assert "$ref" in ok["content"]["application/json"]["schema"]
    validate(doc)


def test_webhooks_and_events(design: Path) -> None:
    _with_integrations(design)
    doc = _doc(design)
    validate(doc)
    hook = doc["webhooks"]["note.created"]["post"]
    assert hook["operationId"] == "onNoteCreated"
    assert hook["x-fr-ids"] == ["FR-001"]
    assert hook["tags"] == ["webhooks"]
    assert hook["security"] == []
    media = hook["requestBody"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/NoteEvent"}
    assert media["example"]["event"] == "note.created"
    assert hook["x-signing"] == {"algorithm": "hmac-sha256", "header": "X-Signature"}
    assert hook["x-retries"] == {"max_attempts": 5, "backoff": "exponential"}
    assert set(hook["responses"]) == {"2XX", "default"}
    assert "within 10s" in hook["responses"]["default"]["description"]
    assert {"name": "webhooks", "description": "Outgoing webhooks: requests this API sends "
            "to subscribers."} in doc["tags"]
    (event,) = doc["x-events"]
    assert event["name"] == "note.deleted" and event["version"] == "2"
    assert event["consumers"] == ["search-indexer"]
    # Schemas only events use are bundled into the event, not left "unused" in components.
    # Their references point into the document (a `$ref` in an OpenAPI document resolves
    # against the document, `#/$defs/...` would name its root).
    defs = "#/x-events/0/payload/schema/$defs/"
    assert event["payload"]["schema"] == {
        "$ref": defs + "NoteDeleted",
        "$defs": {
            "NoteDeleted": {"type": "object", "description": "Event payload.",
                            "required": ["note_id"],
                            "properties": {"note_id": {"$ref": defs + "NoteId"}}},
            "NoteId": {"type": "string", "format": "uuid"},
        },
    }
    target: Any = doc
    for part in (defs + "NoteId")[2:].split("/"):
        target = target[int(part)] if isinstance(target, list) else target[part]
    assert target == {"type": "string", "format": "uuid"}
    # The signature header is a parameter of the webhook operation, for generated receivers.
    assert hook["parameters"] == [{
        "name": "X-Signature", "in": "header", "required": True,
        "description": "The hmac-sha256 signature of the raw body; verify it before trusting "
                       "the delivery.",
        "schema": {"type": "string", "maxLength": 1024}}]
    assert "NoteDeleted" not in doc["components"]["schemas"]
    assert "NoteId" not in doc["components"]["schemas"]
    assert "NoteEvent" in doc["components"]["schemas"]


def test_origins_map_document_nodes_to_design_lines(design: Path) -> None:
    result = build_openapi(_load(design))
    api = design / "api" / "notes.yaml"
    loc = result.locate(("paths", "/notes/{noteId}", "get", "operationId"))
    assert loc is not None and loc.span.line == line_of(api, "id: getNote")
    # Inside a named schema the location follows the schema's own keys.
    loc = result.locate(("components", "schemas", "NotePage", "properties", "next_cursor",
                         "type"))
    schemas = design / "schemas" / "notes.yaml"
    assert loc is not None and loc.span.line == line_of(schemas, "      next_cursor:") + 1
    # Generated parts without a line of their own fall back to their endpoint.
    loc = result.locate(("paths", "/notes", "get", "responses", "401"))
    assert loc is not None and loc.span.line == line_of(api, "errors: [400, 401, 403]")


def test_document_is_built_once_per_design(design: Path) -> None:
    d = _load(design)
    assert build_openapi(d) is build_openapi(d)
    assert d.cache["openapi"] is build_openapi(d)


# --- YAML and JSON --------------------------------------------------------------------------


def test_dump_yaml_has_no_aliases_and_keeps_order() -> None:
    shared = {"type": "string"}
    text = dump_yaml({"z": shared, "a": shared, "text": "première\nligne", "n": "200"})
    assert "&" not in text and "*" not in text
    assert text.index("z:") < text.index("a:")
    assert "première" in text
    assert "text: |-\n  première\n  ligne\n" in text
    assert "n: '200'" in text
    assert yaml.safe_load(text) == {"z": shared, "a": shared, "text": "première\nligne",
                                    "n": "200"}


# --- writing files ----------------------------------------------------------------------------


def test_write_outputs_writes_the_artifacts(design: Path, tmp_path: Path) -> None:
    d = _load(design)
    out = tmp_path / "build"
    written = write_outputs(d, out)
    assert [p.relative_to(out).as_posix() for p in written] == [
        "openapi.yaml", "openapi.json", "traceability.json", "schema.sql", "rls.sql",
        "migrations/0001_users.up.sql", "migrations/0001_users.down.sql",
        "migrations/0002_notes.up.sql", "migrations/0002_notes.down.sql"]
    assert (out / MARKER).is_file()
    doc = yaml.safe_load((out / "openapi.yaml").read_text(encoding="utf-8"))
    assert doc == json.loads((out / "openapi.json").read_text(encoding="utf-8"))
    assert doc == build_openapi(d).document
    trace = json.loads((out / "traceability.json").read_text(encoding="utf-8"))
    assert trace == build_traceability(d)
    # Its own output directory is rewritten without asking.
    assert write_outputs(d, out) == written
    # Ordinary files: the user's umask decides, no stray temporary files are left.
    umask = os.umask(0)
    os.umask(umask)
    assert {p.stat().st_mode & 0o777 for p in written} == {0o666 & ~umask}
    assert sorted(p.name for p in out.iterdir()) == [
        MARKER, "migrations", "openapi.json", "openapi.yaml", "rls.sql", "schema.sql",
        "traceability.json"]
    assert sorted(p.name for p in (out / "migrations").iterdir()) == [
        "0001_users.down.sql", "0001_users.up.sql", "0002_notes.down.sql", "0002_notes.up.sql"]


def test_write_outputs_never_overwrites_user_files(design: Path, tmp_path: Path) -> None:
    d = _load(design)
    out = tmp_path / "docs"
    out.mkdir()
    (out / "openapi.yaml").write_text("hand-written\n", encoding="utf-8")
    with pytest.raises(OutputError, match="--force"):
        write_outputs(d, out)
    assert (out / "openapi.yaml").read_text(encoding="utf-8") == "hand-written\n"
    write_outputs(d, out, force=True)
    assert (out / "openapi.yaml").read_text(encoding="utf-8").startswith("openapi: 3.1.0")


def test_write_outputs_into_an_empty_directory_or_onto_a_file(design: Path,
                                                             tmp_path: Path) -> None:
    d = _load(design)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(write_outputs(d, empty)) == 9
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file"):
        write_outputs(d, a_file)


# --- golden files and lint ------------------------------------------------------------------


def test_scaffold_golden(design: Path) -> None:
    doc = _doc(design)
    validate(doc)
    golden("scaffold-openapi.yaml", dump_yaml(doc), "tests/test_generate_openapi.py")


def test_example_design_golden() -> None:
    doc = _doc(EXAMPLE)
    validate(doc)
    golden("example-openapi.yaml", dump_yaml(doc), "tests/test_generate_openapi.py")


def _redocly() -> str | None:
    return shutil.which("redocly")


@pytest.mark.parametrize("which", ["scaffold", "example", "integrations"])
def test_redocly_recommended_lint_is_clean(which: str, design: Path, tmp_path: Path) -> None:
    if _redocly() is None:
        # CI installs it (.ci/run); there a missing linter is a failure, never a skip.
        if os.environ.get("CI") == "true":
            pytest.fail("redocly CLI is not on PATH (CI=true): install @redocly/cli")
        pytest.skip("redocly CLI is not installed (npm install -g @redocly/cli)")
    if which == "integrations":
        _with_integrations(design)
    doc = _doc(EXAMPLE if which == "example" else design)
    target = tmp_path / "openapi.yaml"
    target.write_text(dump_yaml(doc), encoding="utf-8")
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    run = subprocess.run(
        [str(_redocly()), "lint", "--extends", "recommended", "--format", "json", str(target)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    out = run.stdout[run.stdout.index("{"):] if "{" in run.stdout else run.stdout
    problems = json.loads(out)["problems"] if out.strip() else None
    assert run.returncode == 0 and problems == [], run.stdout + run.stderr
