"""Response rules (R): success, error and validation responses in the standard format."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import assert_finding, check, edit, in_endpoint, line_in, line_of, only

API = "design/api/notes.yaml"


def _api(design: Path) -> Path:
    return design / "api" / "notes.yaml"




def test_scaffold_has_no_response_findings(design: Path) -> None:
    assert [f.rule for f in check(design).findings if f.rule.startswith("R")] == []


def test_r001_no_success_response(design: Path) -> None:
    in_endpoint(design, "deleteNote",
                 "    response:\n      status: 204\n      description: The note is gone.\n", "")
    f = assert_finding(check(design), "R001", API, line_of(_api(design), "id: deleteNote"))
    assert "deleteNote" in f.message


@pytest.mark.parametrize(
    ("endpoint", "old", "new", "advice"),
    [
        ("createNote", "status: 201", "status: 200", "201 Created"),
        ("getNote", "status: 200", "status: 201", "GET answers 200"),
        ("updateNote", "status: 200", "status: 201", "PATCH answers 200"),
        ("deleteNote", "status: 204", "status: 302", "not 2xx"),
        ("deleteNote", "status: 204", "status: 200", "without a response body"),
    ],
)
def test_r002_success_status_does_not_fit_method(
    design: Path, endpoint: str, old: str, new: str, advice: str
) -> None:
    in_endpoint(design, endpoint, old, new)
    f = assert_finding(check(design), "R002", API, line_in(design, endpoint, new))
    assert advice in f.message


@pytest.mark.parametrize(
    ("endpoint", "old", "new"),
    [
        ("createNote", "status: 201", "status: 202"),  # asynchronous creation
        ("deleteNote", "status: 204", "status: 202"),
        ("updateNote", "method: PATCH", "method: PUT"),
    ],
)
def test_r002_accepts_fitting_statuses(design: Path, endpoint: str, old: str, new: str) -> None:
    in_endpoint(design, endpoint, old, new)
    assert only(check(design), "R002") == []


def test_r002_post_action_on_an_item(design: Path) -> None:
    # A POST on an item path is an action: 201 is wrong there, 200 fits.
    in_endpoint(design, "updateNote", "method: PATCH", "method: POST")
    in_endpoint(design, "updateNote", "status: 200", "status: 201")
    f = assert_finding(check(design), "R002", API, line_in(design, "updateNote", "status: 201"))
    assert "action on an item" in f.message


def test_r003_no_error_response(design: Path) -> None:
    in_endpoint(design, "deleteNote", "errors: [400, 401, 403, 404]",
                 "errors: []\n    default_errors: []")
    report = check(design)
    line = line_in(design, "deleteNote", "errors: []")
    assert_finding(report, "R003", API, line)
    # the same empty list misses every specific response too
    for rule in ("R004", "R006", "R007"):
        assert_finding(report, rule, API, line)


def test_r003_without_errors_key_points_at_the_id(design: Path) -> None:
    in_endpoint(design, "deleteNote", "    errors: [400, 401, 403, 404]\n",
                 "    default_errors: []\n")
    assert_finding(check(design), "R003", API, line_of(_api(design), "id: deleteNote"))


def test_r004_body_without_validation_response(design: Path) -> None:
    in_endpoint(design, "createNote", "errors: [401, 403, 422]",
                 "errors: [401, 403]\n    default_errors: [500]")
    f = assert_finding(check(design), "R004", API, line_in(design, "createNote", "errors:"))
    assert "400" in f.message and "422" in f.message


def test_r004_list_takes_page_parameters(design: Path) -> None:
    in_endpoint(design, "listNotes", "errors: [400, 401, 403]",
                 "errors: [401, 403]\n    default_errors: []")
    assert_finding(check(design), "R004", API, line_in(design, "listNotes", "errors:"))


def _error_block(design: Path, entry: str) -> int:
    """Give createNote a full 422 error response; return the line of its `status: 422`."""
    in_endpoint(design, "createNote", "    errors: [401, 403, 422]\n",
                 "    errors:\n      - 401\n      - 403\n      - status: 422\n"
                 "        description: The note is invalid.\n" + entry)
    return line_in(design, "createNote", "status: 422")


def test_r005_error_with_another_content_type(design: Path) -> None:
    line = _error_block(design, "        content_type: application/json\n")
    f = assert_finding(check(design), "R005", API, line + 2)
    assert "application/problem+json" in f.message


def test_r005_error_schema_not_a_problem(design: Path) -> None:
    line = _error_block(
        design, "        schema: {type: object, properties: {message: {type: string}}}\n"
    )
    f = assert_finding(check(design), "R005", API, line + 2)
    assert "title" in f.message and "status" in f.message


def test_r005_problem_member_with_the_wrong_type(design: Path) -> None:
    line = _error_block(
        design, "        schema:\n          type: object\n          properties:\n"
        "            title: {type: string}\n            status: {type: string}\n"
    )
    f = assert_finding(check(design), "R005", API, line + 2)
    assert "`status` is not an integer" in f.message


def test_r005_extended_problem_passes(design: Path) -> None:
    edit(design / "schemas" / "notes.yaml", "schemas:\n",
         "schemas:\n  Problem:\n    type: object\n    properties:\n"
         "      type: {type: string, format: uri}\n      title: {type: string}\n"
         "      status: {type: integer}\n      detail: {type: string}\n")
    _error_block(
        design,
        "        content_type: application/problem+json\n"
        "        schema:\n          allOf:\n"
        "            - {$ref: \"#/components/schemas/Problem\"}\n"
        "            - properties: {errors: {type: array, items: {type: string}}}\n",
    )
    assert only(check(design), "R005") == []


@pytest.mark.parametrize(("errors", "missing"), [("[400, 401]", "403"), ("[400, 403]", "401"),
                                                 ("[400]", "401 and 403")])
def test_r006_protected_endpoint_without_auth_errors(
    design: Path, errors: str, missing: str
) -> None:
    in_endpoint(design, "listNotes", "errors: [400, 401, 403]", f"errors: {errors}")
    f = assert_finding(check(design), "R006", API, line_in(design, "listNotes", "errors:"))
    assert f"does not list {missing};" in f.message


def test_r006_public_endpoint_needs_no_auth_errors(design: Path) -> None:
    in_endpoint(design, "listNotes", "errors: [400, 401, 403]", "errors: [400]")
    in_endpoint(design, "listNotes", "permission: notes:read", "permission: public")
    assert only(check(design), "R006") == []


def test_r007_item_path_without_404(design: Path) -> None:
    in_endpoint(design, "getNote", "errors: [400, 401, 403, 404]", "errors: [400, 401, 403]")
    f = assert_finding(check(design), "R007", API, line_in(design, "getNote", "errors:"))
    assert "/notes/{noteId}" in f.message


@pytest.mark.parametrize("field", ["schema: {type: object}", "example: {}"])
def test_r008_204_with_a_body(design: Path, field: str) -> None:
    in_endpoint(design, "deleteNote", "      description: The note is gone.\n",
                 f"      description: The note is gone.\n      {field}\n")
    assert_finding(check(design), "R008", API, line_in(design, "deleteNote", field))


def test_r009_success_without_schema(design: Path) -> None:
    in_endpoint(design, "createNote",
                 '      schema: {$ref: "#/components/schemas/Note"}\n', "")
    f = assert_finding(check(design), "R009", API, line_in(design, "createNote", "response:"))
    assert "201" in f.message


def test_r009_accepted_may_have_no_body(design: Path) -> None:
    in_endpoint(design, "createNote", "status: 201", "status: 202")
    in_endpoint(design, "createNote", '      schema: {$ref: "#/components/schemas/Note"}\n', "")
    assert only(check(design), "R009") == []


@pytest.mark.parametrize(("errors", "bad"), [("[401, 403, 422, 200]", "not an error status"),
                                             ("[401, 403, 422, 403]", "listed twice")])
def test_r010_error_entries(design: Path, errors: str, bad: str) -> None:
    in_endpoint(design, "createNote", "errors: [401, 403, 422]", f"errors: {errors}")
    f = assert_finding(check(design), "R010", API, line_in(design, "createNote", "errors:"))
    assert bad in f.message
