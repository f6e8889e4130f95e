"""The traceability map: FR-ID → endpoints → tables → permissions."""

from __future__ import annotations

import json
from pathlib import Path

from designgate import load_design
from designgate.generate import build_traceability
from support import edit


def _trace(design: Path) -> dict:
    loaded = load_design(design)
    assert loaded.findings == []
    return build_traceability(loaded.design)


def test_scaffold_traceability(design: Path) -> None:
    trace = _trace(design)
    assert trace["project"] == "Notes API"
    assert trace["version"] == "0.1.0"
    assert trace["release"] == "full"
    assert [r["id"] for r in trace["requirements"]] == ["FR-001", "FR-002"]
    fr1 = trace["requirements"][0]
    assert fr1["title"] == "Write notes"
    assert (fr1["priority"], fr1["mvp"], fr1["in_scope"]) == ("P0", True, True)
    assert fr1["endpoints"] == [
        {"id": "createNote", "method": "POST", "path": "/notes", "permission": "notes:write"},
        {"id": "deleteNote", "method": "DELETE", "path": "/notes/{noteId}",
         "permission": "notes:delete"},
        {"id": "getNote", "method": "GET", "path": "/notes/{noteId}",
         "permission": "notes:read"},
        {"id": "updateNote", "method": "PATCH", "path": "/notes/{noteId}",
         "permission": "notes:write"},
    ]
    assert fr1["tables"] == ["notes"]
    assert fr1["permissions"] == ["notes:delete", "notes:read", "notes:write"]
    assert fr1["flows"] == ["UF-01"]
    assert fr1["webhooks"] == [] and fr1["events"] == []
    assert trace["requirements"][1]["flows"] == ["UF-02"]
    assert trace["uncovered"] == []


def test_endpoint_entries_list_roles_with_inheritance(design: Path) -> None:
    endpoints = _trace(design)["endpoints"]
    assert list(endpoints) == sorted(endpoints)
    # writer inherits reader, so both hold notes:read; only writer holds notes:write.
    assert endpoints["getNote"] == {
        "method": "GET", "path": "/notes/{noteId}", "fr_ids": ["FR-001", "FR-002"],
        "tables": ["notes"], "permission": "notes:read", "roles": ["reader", "writer"],
    }
    assert endpoints["createNote"]["roles"] == ["writer"]


def test_public_endpoint_has_no_roles(design: Path) -> None:
    edit(design / "api" / "notes.yaml", "    permission: notes:read\n    filters:",
         "    permission: public\n    filters:")
    trace = _trace(design)
    assert trace["endpoints"]["listNotes"]["permission"] == "public"
    assert trace["endpoints"]["listNotes"]["roles"] == []
    fr2 = next(r for r in trace["requirements"] if r["id"] == "FR-002")
    assert fr2["permissions"] == ["notes:read"]  # from getNote; `public` is no permission


def test_uncovered_lists_in_scope_requirements_without_endpoints(design: Path) -> None:
    prd = design / "prd.yaml"
    prd.write_text(prd.read_text(encoding="utf-8") + (
        "  - id: FR-004\n    title: Export notes\n    priority: P0\n"
        "  - id: FR-003\n    title: Share notes\n    priority: P1\n"
    ), encoding="utf-8")
    trace = _trace(design)
    assert [r["id"] for r in trace["requirements"]] == ["FR-001", "FR-002", "FR-003", "FR-004"]
    assert trace["uncovered"] == ["FR-004"]  # P1 is out of scope in a full release
    fr3 = trace["requirements"][2]
    assert (fr3["in_scope"], fr3["endpoints"]) == (False, [])


def test_mvp_scope_follows_the_mvp_tag(design: Path) -> None:
    edit(design / "project.yaml", "release: full", "release: mvp")
    edit(design / "prd.yaml", "    priority: P0\n    mvp: true\n    stories:\n      - id: US-002",
         "    priority: P0\n    mvp: false\n    stories:\n      - id: US-002")
    trace = _trace(design)
    assert trace["release"] == "mvp"
    assert [r["in_scope"] for r in trace["requirements"]] == [True, False]


def test_output_is_deterministic_json(design: Path) -> None:
    first = json.dumps(_trace(design), sort_keys=False)
    assert first == json.dumps(_trace(design), sort_keys=False)
    # Moving an endpoint to the end of its file does not change the map.
    api = design / "api" / "notes.yaml"
    text = api.read_text(encoding="utf-8")
    start, end = text.index("  - id: listNotes"), text.index("  - id: createNote")
    api.write_text(text[:start] + text[end:].rstrip("\n") + "\n\n" + text[start:end],
                   encoding="utf-8")
    assert load_design(design).design.endpoints[-1].id == "listNotes"
    assert json.dumps(_trace(design), sort_keys=False) == first
