"""Examples (E): every request and response has an example, and every example fits its schema.

Examples are what implementers and client developers read first; an example that does not
match its schema is a contract that contradicts itself. Examples are validated as JSON
Schema 2020-12 with formats asserted, named-schema references resolved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from designgate.findings import Severity
from designgate.generate.jsonschema_tools import (
    ExampleValidator,
    error_message,
    subschemas,
)
from designgate.generate.openapi import PROBLEM, PROBLEM_REF, id_schema, problem_schema
from designgate.model.design import Design, Param, Response
from designgate.model.source import Loc
from designgate.rules.contract import schema_sites
from designgate.rules.registry import Hit, register

#: Errors reported per example value; the rest are usually consequences of the first.
MAX_ERRORS_PER_EXAMPLE = 10


def _has_body(r: Response) -> bool:
    return r.schema is not None and r.status not in (204, 304)


@register("E001", "request-example-missing", Severity.ERROR,
          "A request body has no example.")
def check_request_examples(design: Design) -> Iterator[Hit]:
    """
    Every request body needs an `example:`. The brief's Phase 6 asks to "add
    request/response examples for each endpoint": an example is the fastest way for a
    reviewer to see what the schema means, and for an implementer to write the first test.
    The example is copied into the OpenAPI operation and validated against the schema
    (rule E003). Add one under `request:`:

    ```yaml
    request:
      schema: {$ref: "#/components/schemas/TaskInput"}
      example: {title: Write the release notes, due_on: "2026-12-01"}
    ```
    """
    for ep in design.endpoints:
        b = ep.request
        if b is not None and not b.has_example:
            yield Hit(b.loc, f"request body of '{ep.id}' has no example; add `example:` under "
                      "`request:`", key=True)


@register("E002", "response-example-missing", Severity.ERROR,
          "A response with a body has no example.")
def check_response_examples(design: Design) -> Iterator[Hit]:
    """
    Every response that has a body schema needs an `example:` — the success response and
    any error response that brings its own schema (error responses that use the standard
    problem format get a generated RFC 9457 example). Responses without a body, such as
    `204 No Content`, need none. The brief asks for "request/response examples for each
    endpoint" and for error and empty states to be designed, not only the happy path:

    ```yaml
    response:
      status: 200
      schema: {$ref: "#/components/schemas/TaskPage"}
      example: {data: [], next_cursor: null}
    ```
    """
    for ep in design.endpoints:
        r = ep.response
        if r is not None and _has_body(r) and not r.has_example:
            yield Hit(r.loc, f"the {r.status} response of '{ep.id}' has a body schema but no "
                      "example; add `example:` under `response:`", key=True)
        for e in ep.errors:
            if e.schema is not None and not e.has_example:
                yield Hit(e.loc, f"the {e.status} error response of '{ep.id}' has its own "
                          "schema but no example; add `example:` to it")


def example_validator(design: Design) -> ExampleValidator:
    """One validator per design: named schemas (and the built-in Problem) resolve."""
    cached = design.cache.get("example_validator")
    if cached is None:
        components: dict[str, Any] = {name: ns.schema for name, ns in design.schemas.items()}
        components.setdefault(PROBLEM, problem_schema())
        cached = design.cache["example_validator"] = ExampleValidator(components)
    return cached


def _examples(design: Design) -> Iterator[tuple[str, Any, Any, Loc]]:
    """Every (what, schema, example, where) the design gives."""
    default_id = id_schema(design.project.id_format)
    problem = {"$ref": PROBLEM_REF}
    for ep in design.endpoints:
        for name, p in ep.path_params.items():
            if p.has_example:
                yield (f"path parameter '{name}' of '{ep.id}'", _param_schema(p, default_id),
                       p.example, p.loc.at("example"))
        for p in (*ep.filters, *ep.query):
            if p.has_example:
                yield (f"query parameter '{p.name}' of '{ep.id}'",
                       _param_schema(p, {"type": "string"}), p.example, p.loc.at("example"))
        b = ep.request
        if b is not None and b.has_example and b.schema is not None:
            yield f"the request of '{ep.id}'", b.schema, b.example, b.loc.at("example")
        r = ep.response
        if r is not None and r.has_example and _has_body(r):
            yield f"the {r.status} response of '{ep.id}'", r.schema, r.example, r.loc.at("example")
        for e in ep.errors:
            if e.has_example:
                yield (f"the {e.status} error of '{ep.id}'", e.schema if e.schema is not None
                       else problem, e.example, e.loc.at("example"))
    for kind, items in (("webhook", design.webhooks), ("event", design.events)):
        for item in items:
            pl = item.payload
            if pl is not None and pl.has_example and pl.schema is not None:
                yield (f"the payload of {kind} '{item.name}'", pl.schema, pl.example,
                       pl.loc.at("example"))


def _param_schema(p: Param, default: Any) -> Any:
    return p.schema if p.schema is not None else default


def _schema_examples(design: Design) -> Iterator[tuple[str, Any, Any, Loc]]:
    """`example` / `examples` written inside payload schemas, with the subschema they sit in."""
    for site in schema_sites(design):
        if not isinstance(site.schema, dict):
            continue
        for path, sub in subschemas(site.schema):
            if "example" in sub:
                yield site.what, sub, sub["example"], site.loc.at(*path, "example")
            values = sub.get("examples")
            if isinstance(values, list):
                for i, v in enumerate(values):
                    yield site.what, sub, v, site.loc.at(*path, "examples", i)


@register("E003", "example-invalid", Severity.ERROR,
          "An example does not match its schema.")
def check_examples_valid(design: Design) -> Iterator[Hit]:
    """
    Every example — request and response bodies, error responses with their own example,
    path and query parameters, webhook and event payloads, and `example`/`examples` inside
    payload schemas — is validated against its schema as JSON Schema 2020-12, with formats
    (`uuid`, `date-time`, `email`, `int32`...) asserted and named-schema references
    (`#/components/schemas/...`) resolved. An example that contradicts its schema
    misleads every reader of the contract, and OpenAPI linters reject it. Each problem is
    reported at the example's line (as deep inside the example as the source allows).
    Fix the example, or the schema if the example shows what is really meant:

    ```yaml
    schema: {type: string, format: uuid}
    example: 6f1c1c56-3f7e-4b55-9a59-1f2d3c4b5a69   # not "abc"
    ```
    """
    validator = example_validator(design)
    for source in (_examples(design), _schema_examples(design)):
        for what, schema, example, loc in source:
            errors = validator.errors(schema, example)
            for err in errors[:MAX_ERRORS_PER_EXAMPLE]:
                yield Hit(loc.at(*err.absolute_path), f"the example of {what} does not match "
                          f"its schema: {error_message(err)}; fix the example or the schema")


@register("E004", "parameter-example-missing", Severity.WARNING,
          "A filter or query parameter has no example.")
def check_parameter_examples(design: Design) -> Iterator[Hit]:
    """
    Filters and other query parameters should carry an `example:`; it shows the accepted
    format (an enum value, a date, a comma-separated list) better than a description, and
    it is validated against the parameter's schema (rule E003). Path parameters are
    exempt: their format follows the project's `api.id_format`.

    ```yaml
    filters:
      - name: status
        schema: {type: string, enum: [open, done]}
        example: open
    ```
    """
    for ep in design.endpoints:
        for kind, params in (("filter", ep.filters), ("query parameter", ep.query)):
            for p in params:
                if not p.has_example:
                    yield Hit(p.loc, f"{kind} '{p.name}' of '{ep.id}' has no example; add "
                              "`example:`")
