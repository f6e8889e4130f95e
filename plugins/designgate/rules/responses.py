"""Responses (R): success, error and validation-failure responses, in the standard format.

The success response is ``response:``; the error responses are ``errors:`` (4xx/5xx). An
error given as a bare status code gets the project's problem+json response generated.
"""

from __future__ import annotations

from collections.abc import Iterator

from designgate.findings import Severity
from designgate.model.design import Design, Endpoint, JsonSchema, Response
from designgate.model.source import Loc
from designgate.rules.pagination import object_properties, schema_types
from designgate.rules.registry import Hit, register

PROBLEM_JSON = "application/problem+json"
#: RFC 9457 members and the JSON type each must have.
PROBLEM_MEMBERS = {"type": "string", "title": "string", "status": "integer",
                   "detail": "string", "instance": "string"}


def is_error(status: int) -> bool:
    return 400 <= status <= 599


def error_statuses(ep: Endpoint) -> set[int]:
    return {e.status for e in ep.errors if is_error(e.status)}


def _errors_at(ep: Endpoint) -> tuple[Loc, bool]:
    """Where a finding about the error list goes: the `errors:` key, else the endpoint id."""
    if ep.loc.has("errors"):
        return ep.loc.at("errors"), True
    return ep.loc.at("id"), False


def _status_at(r: Response) -> Loc:
    """A full response's `status:`; a bare status code is its own node."""
    return r.loc.at("status") if r.loc.has("status") else r.loc


@register("R001", "no-success-response", Severity.ERROR,
          "An endpoint has no success response.")
def check_success_present(design: Design) -> Iterator[Hit]:
    """
    *"Every endpoint must specify success, error, and validation failure responses."* The
    success response (`response:`) fixes the status code and the body implementers return
    and clients parse; without it the contract says nothing about the happy path.

    ```yaml
    response:
      status: 200
      description: The note.
      schema: {$ref: "#/components/schemas/Note"}
    ```
    """
    for ep in design.endpoints:
        if ep.response is None:
            yield Hit(ep.loc.at("id"), f"endpoint {ep.id} has no success response; add "
                      "`response:` with its status, description and schema")


def _expected(ep: Endpoint) -> tuple[set[int], str]:
    """The success statuses that fit the method (and path), with the advice to give."""
    if ep.method == "GET":
        return {200, 206}, "a GET answers 200 OK (206 for a partial range)"
    if ep.method == "POST":
        if ep.is_item:
            return {200, 202, 204}, ("a POST action on an item answers 200 OK, 202 Accepted "
                                     "or 204 No Content")
        return {201, 202}, ("a POST that creates in a collection answers 201 Created "
                            "(202 Accepted when creation is asynchronous)")
    if ep.method == "PUT":
        return {200, 201, 204}, "a PUT answers 200 OK or 204 No Content (201 if it created)"
    if ep.method == "PATCH":
        return {200, 204}, "a PATCH answers 200 OK or 204 No Content"
    return {200, 202, 204}, ("a DELETE answers 204 No Content (200 OK only with a body, "
                             "202 Accepted when deletion is asynchronous)")


@register("R002", "success-status-fits-method", Severity.ERROR,
          "The success status does not fit the method.")
def check_success_status(design: Design) -> Iterator[Hit]:
    """
    Status codes carry meaning clients rely on (*"201 on create, 204 on delete without
    body"*). Allowed success statuses: GET 200 (206 for ranges); POST on a collection path
    201 (202 when asynchronous); POST on an item path (an action) 200, 202 or 204; PUT 200 or
    204 (201 when it created the resource); PATCH 200 or 204; DELETE 204, 200 only with a
    body, or 202. A success status outside 2xx is always wrong: redirects and errors are
    not the happy path.

    ```yaml
    - id: createNote
      method: POST
      path: /notes
      response: {status: 201, description: The note as stored.}
    ```
    """
    for ep in design.endpoints:
        r = ep.response
        if r is None:
            continue
        allowed, advice = _expected(ep)
        if not 200 <= r.status <= 299:
            yield Hit(_status_at(r), f"{ep.id}: success status {r.status} is not 2xx; "
                      f"{advice}")
        elif r.status not in allowed:
            yield Hit(_status_at(r), f"{ep.id}: {advice}, not {r.status}")
        elif ep.method == "DELETE" and r.status == 200 and r.schema is None:
            yield Hit(_status_at(r), f"{ep.id}: a DELETE without a response body answers 204 "
                      "No Content; use 204 or add the body's schema")


@register("R003", "no-error-response", Severity.ERROR,
          "An endpoint has no error response.")
def check_errors_present(design: Design) -> Iterator[Hit]:
    """
    *"Designing endpoints without error response formats"* and *"Designing only the happy
    path"* are bad habits the seed asks to eliminate: every endpoint lists the 4xx/5xx
    responses it can return in `errors:` — as status codes (the standard problem+json
    response is generated) or as full responses.

    ```yaml
    errors: [401, 403, 404]
    ```
    """
    for ep in design.endpoints:
        if not error_statuses(ep):
            where, key = _errors_at(ep)
            yield Hit(where, f"endpoint {ep.id} lists no error response (4xx/5xx); add the "
                      "ones it can return to `errors:`", key)


@register("R004", "no-validation-response", Severity.ERROR,
          "An endpoint that takes input has no validation-failure response (400/422).")
def check_validation_response(design: Design) -> Iterator[Hit]:
    """
    *"Every endpoint must specify success, error, and validation failure responses."* An
    endpoint that takes input — a request body, path parameters, filters, sorts, query
    parameters, or the page parameters of a list — can receive invalid input, and clients
    need to know how that is reported: 400 Bad Request for malformed parameters, 422
    Unprocessable Content for a well-formed body that fails validation.

    ```yaml
    errors: [401, 403, 404, 422]
    ```
    """
    for ep in design.endpoints:
        if ep.takes_input and not error_statuses(ep) & {400, 422}:
            where, key = _errors_at(ep)
            yield Hit(where, f"endpoint {ep.id} takes input but has no validation-failure "
                      "response; add 400 (bad parameters) or 422 (invalid body) to `errors:`",
                      key)


def _problem_shape(design: Design, schema: JsonSchema) -> str | None:
    """Why ``schema`` is not an RFC 9457 problem object (None when it is one)."""
    props = object_properties(design, schema)
    if "title" not in props or "status" not in props:
        return "it does not declare the problem members `title` and `status`"
    for member, want in PROBLEM_MEMBERS.items():
        if member not in props:
            continue
        types = schema_types(design, props[member])
        ok = {want, "number"} if want == "integer" else {want}
        if types and not types & ok:
            return f"its `{member}` is not a{'n' if want[0] == 'i' else ''} {want}"
    return None


@register("R005", "error-format", Severity.ERROR,
          "An error response does not use the standard error format (problem+json).")
def check_error_format(design: Design) -> Iterator[Hit]:
    """
    One error format for the whole API (the seed: *"Define standard error format"*) lets
    clients handle every failure with one code path. designgate's standard is RFC 9457
    Problem Details, `application/problem+json`. An error listed as a bare status code gets
    it automatically. A full error response may set its own schema only if it is a problem
    object — declaring at least `title` and `status` (read through `$ref` and `allOf`), with
    the RFC's member types — extended with your own members (to reference a `Problem`
    schema, define it in a `kind: schemas` file); its `content_type`, if given, must be
    `application/problem+json`.

    ```yaml
    errors:
      - 404
      - status: 409
        description: The title is taken.
        schema:
          allOf:
            - {$ref: "#/components/schemas/Problem"}
            - properties: {conflicting_id: {type: string}}
    ```
    """
    for ep in design.endpoints:
        for e in ep.errors:
            ctype = e.content_type.split(";", 1)[0].strip().lower()
            if ctype and ctype != PROBLEM_JSON:
                yield Hit(e.loc.at("content_type"), f"{ep.id}: error {e.status} is sent as "
                          f"'{e.content_type}'; errors use {PROBLEM_JSON} (drop `content_type:`)")
            if e.schema is not None:
                why = _problem_shape(design, e.schema)
                if why:
                    yield Hit(e.loc.at("schema"), f"{ep.id}: the schema of error {e.status} is "
                              f"not an RFC 9457 problem object ({why}); extend the problem "
                              "shape or list just the status code", True)


@register("R006", "auth-error-responses", Severity.ERROR,
          "A protected endpoint does not list 401 and 403.")
def check_auth_errors(design: Design) -> Iterator[Hit]:
    """
    Every endpoint that is not explicitly `permission: public` requires a signed-in caller
    with a permission, so it can fail in two ways clients must tell apart: 401 Unauthorized
    (no or invalid credentials: sign in again) and 403 Forbidden (signed in, not allowed:
    do not retry). Both belong in the contract (*"Leaving auth 'for later'... affects every
    endpoint"*).

    ```yaml
    permission: notes:write
    errors: [401, 403, 422]
    ```
    """
    for ep in design.endpoints:
        if ep.public:
            continue
        have = error_statuses(ep)
        missing = [str(s) for s in (401, 403) if s not in have]
        if missing:
            where, key = _errors_at(ep)
            yield Hit(where, f"protected endpoint {ep.id} does not list "
                      f"{' and '.join(missing)}; add {' and '.join(missing)} to `errors:`", key)


@register("R007", "item-not-found", Severity.ERROR,
          "An endpoint with a path parameter does not list 404.")
def check_not_found(design: Design) -> Iterator[Hit]:
    """
    A path with a parameter (`/tasks/{taskId}`, `/projects/{projectId}/tasks`) addresses
    something that may not exist — or that the caller may not see, which RLS makes look the
    same. The contract must say so with 404 Not Found.

    ```yaml
    path: /notes/{noteId}
    errors: [400, 401, 403, 404]
    ```
    """
    for ep in design.endpoints:
        if ep.path_param_names and 404 not in error_statuses(ep):
            where, key = _errors_at(ep)
            yield Hit(where, f"endpoint {ep.id} addresses {ep.path}, which may not exist, but "
                      "does not list 404; add 404 to `errors:`", key)


@register("R008", "no-content-with-body", Severity.ERROR,
          "A 204 No Content response declares a body.")
def check_204_body(design: Design) -> Iterator[Hit]:
    """
    A 204 No Content response has no body by definition (RFC 9110), so a schema or an example
    on it is a contradiction: either implementers send a body clients will never read, or the
    documentation shows one that never comes. Drop the schema and example, or answer 200 with
    the body.

    ```yaml
    response:
      status: 204
      description: The note is gone.
    ```
    """
    for ep in design.endpoints:
        r = ep.response
        if r is None or r.status != 204:
            continue
        for field, present in (("schema", r.schema is not None), ("example", r.has_example)):
            if present:
                yield Hit(r.loc.at(field), f"{ep.id}: a 204 response has no body; remove "
                          f"`{field}:` or answer 200 with the body", True)


@register("R009", "success-without-schema", Severity.ERROR,
          "A success response with a body declares no schema.")
def check_success_schema(design: Design) -> Iterator[Hit]:
    """
    A GET, POST, PUT or PATCH that answers with a body (any 2xx but 204, and 202 which may
    legitimately be empty) must say what the body is, or clients cannot parse it and the
    examples cannot be validated. Add the schema — usually a `$ref` to a named schema — or
    answer 204 if there really is no body.

    ```yaml
    response:
      status: 200
      description: The note.
      schema: {$ref: "#/components/schemas/Note"}
    ```
    """
    for ep in design.endpoints:
        r = ep.response
        if r is None or ep.method == "DELETE" or r.status in (202, 204):
            continue
        if 200 <= r.status <= 299 and r.schema is None:
            yield Hit(r.loc, f"{ep.id}: the {r.status} response has no schema; add `schema:` "
                      "(or answer 204 when there is no body)", True)


@register("R010", "error-status", Severity.ERROR,
          "An entry of `errors:` is not a 4xx/5xx status, or is listed twice.")
def check_error_statuses(design: Design) -> Iterator[Hit]:
    """
    `errors:` holds the error responses, so every entry is a 4xx or 5xx status, each listed
    once. A 2xx or 3xx there is a success or redirect mistaken for an error; a status listed
    twice would make one of the two responses silently disappear from the OpenAPI document.

    ```yaml
    errors: [400, 401, 403, 404]
    ```
    """
    for ep in design.endpoints:
        seen: set[int] = set()
        for e in ep.errors:
            if not is_error(e.status):
                yield Hit(_status_at(e), f"{ep.id}: {e.status} is not an error status; "
                          "`errors:` lists 4xx and 5xx responses only")
            elif e.status in seen:
                yield Hit(_status_at(e), f"{ep.id}: error {e.status} is listed twice; keep one")
            seen.add(e.status)
