"""OpenAPI (O), continued: a contract its consumers can take as it is.

Mock servers, fuzzers, linters and client generators read the generated document without
asking what was meant. These rules catch what they trip on although the document is
valid: an array whose items nobody knows, inputs with no bound an attacker cannot exceed,
raw OpenAPI that silently undoes the design, a created resource nobody can find.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from designgate.findings import Severity
from designgate.generate.jsonschema_tools import component_refs, named_refs, subschemas
from designgate.generate.openapi import build_openapi
from designgate.model.design import Design, Endpoint
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register


@dataclass(frozen=True, slots=True)
class SchemaSite:
    """A payload schema written in the design, where, and which way its data travels."""

    what: str
    schema: Any
    loc: Loc
    #: "request" (the API reads it), "response" (the API writes it) or "named".
    side: str


def schema_sites(design: Design) -> Iterator[SchemaSite]:
    """Every schema the design writes: named schemas, parameters, bodies, headers, payloads."""
    for name, ns in design.schemas.items():
        yield SchemaSite(f"schema '{name}'", ns.schema, ns.loc, "named")
    for ep in design.endpoints:
        for p in (*ep.path_params.values(), *ep.filters, *ep.query, *ep.headers):
            if p.schema is not None:
                yield SchemaSite(f"a parameter schema of '{ep.id}'", p.schema,
                                 p.loc.at("schema"), "request")
        if ep.request is not None and ep.request.schema is not None:
            yield SchemaSite(f"a schema of '{ep.id}'", ep.request.schema,
                             ep.request.loc.at("schema"), "request")
        for r in (ep.response, *ep.errors):
            if r is None:
                continue
            if r.schema is not None:
                yield SchemaSite(f"a schema of '{ep.id}'", r.schema, r.loc.at("schema"),
                                 "response")
            for hname, header in r.headers.items():
                if isinstance(header, dict) and isinstance(header.get("schema"), dict):
                    yield SchemaSite(f"header '{hname}' of '{ep.id}'", header["schema"],
                                     r.loc.at("headers", hname, "schema"), "response")
    for item in (*design.webhooks, *design.events):
        if item.payload is not None and item.payload.schema is not None:
            yield SchemaSite(f"the payload schema of '{item.name}'", item.payload.schema,
                             item.payload.loc.at("schema"), "response")


def _types(schema: dict[str, Any]) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    return [x for x in t if isinstance(x, str)] if isinstance(t, list) else []


# --- O005: arrays say what they hold -------------------------------------------------------


@register("O005", "array-without-items", Severity.ERROR,
          "An array schema does not say what its items are.")
def check_array_items(design: Design) -> Iterator[Hit]:
    """
    A schema of `type: array` needs `items` (or `prefixItems` for a tuple). JSON Schema
    accepts an array of anything without it, but the contract's consumers do not: client
    generators drop the whole model (openapi-python-client: "type array must have items"),
    typed clients get `unknown[]`, and mock servers invent items of no shape. Say what the
    array holds — `items: {}` when it really holds any JSON value:

    ```yaml
    changes:
      type: object
      additionalProperties:
        type: array
        minItems: 2
        maxItems: 2
        items: {type: [string, number, boolean, "null"]}   # [old, new]
    ```
    """
    for site in schema_sites(design):
        for path, sub in subschemas(site.schema):
            if "array" in _types(sub) and "items" not in sub and "prefixItems" not in sub:
                yield Hit(site.loc.at(*path, "type"), f"an array in {site.what} does not say "
                          "what its items are; add `items:` (or `prefixItems:`)")


# --- O006: the escape hatch does not undo the design ---------------------------------------


@register("O006", "openapi-override-conflict", Severity.ERROR,
          "An endpoint's raw `openapi:` contradicts what the design generates.")
def check_override_conflicts(design: Design) -> Iterator[Hit]:
    """
    The raw `openapi:` mapping of an endpoint adds what the format does not model: extra
    parameters, `externalDocs`, a `style` on a generated parameter. It is merged into the
    generated operation — parameters by name and location (`in`), so a raw parameter
    named like a generated one extends it. It must not contradict the design: a parameter
    field set to another value than the design generates (a larger `limit` maximum, a
    filter made required) and a `security` other than the endpoint's permission both mean
    the contract and the design disagree — and the design is what the other rules
    checked. Change the value in the design, or leave it out of `openapi:`:

    ```yaml
    openapi:
      parameters:
        - name: X-Request-Id     # a new header: added
          in: header
          schema: {type: string, maxLength: 64}
        - name: status           # the generated filter: extended
          in: query
          explode: false
    ```
    """
    for loc, message in build_openapi(design).conflicts:
        yield Hit(loc, message)


# --- O007: inputs are bounded --------------------------------------------------------------

#: Keywords that bound a value of each type.
_BOUNDS = {
    "string": ("maxLength",),
    "array": ("maxItems",),
    "integer": ("maximum", "exclusiveMaximum"),
}
_WHAT = {"string": "a string without maxLength", "array": "an array without maxItems",
         "integer": "an integer without maximum"}


def _unbounded(sub: dict[str, Any]) -> str | None:
    if "enum" in sub or "const" in sub:
        return None
    for t in _types(sub):
        keys = _BOUNDS.get(t)
        if keys is not None and not any(k in sub for k in keys):
            return _WHAT[t]
    return None


def _unbounded_in(schema: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, what) of every unbounded subschema, except inside read-only properties
    (the server writes those; a client never sends them)."""
    found = list(subschemas(schema))
    read_only = [p for p, sub in found if sub.get("readOnly") is True]
    for path, sub in sorted(found, key=lambda x: [str(k) for k in x[0]]):
        if any(path[:len(r)] == r for r in read_only):
            continue
        what = _unbounded(sub)
        if what is not None:
            yield path, what


@register("O007", "unbounded-input", Severity.WARNING,
          "A request-side string, array or integer has no upper bound.")
def check_bounded_inputs(design: Design) -> Iterator[Hit]:
    """
    Everything a client sends — parameters, headers, request bodies and the named schemas
    they use — should have an upper bound: `maxLength` (or `enum`/`const`) on strings,
    `maxItems` on arrays, `maximum` on integers. Without one, the contract accepts a
    10 MB title or a million-item list, and every layer that trusts it (validation,
    database, search index) must cope (OWASP API4:2023, unrestricted resource
    consumption). `format` and `pattern` do not bound a length: in JSON Schema 2020-12
    `format` is an annotation that many validators do not assert. Read-only properties
    are exempt (the server writes them).

    ```yaml
    title: {type: string, minLength: 1, maxLength: 200}
    label_ids: {type: array, maxItems: 20, items: {type: string, format: uuid, maxLength: 36}}
    position: {type: integer, minimum: 0, maximum: 1000000}
    ```
    """
    named: dict[str, str] = {}  # named schema → the first endpoint that reads it
    for ep in design.endpoints:
        for what, schema, loc in _request_schemas(ep):
            if schema is None:
                yield Hit(loc, f"{what} of '{ep.id}' has no schema, so it is an unbounded "
                          "string; give it one with `maxLength` or `enum`")
                continue
            for path, problem in _unbounded_in(schema):
                yield Hit(loc.at(*path), f"{what} of '{ep.id}' accepts {problem}; bound it")
            for name in component_refs(schema):
                named.setdefault(name, ep.id)
    done: set[str] = set()
    todo = sorted(named)
    while todo:
        name = todo.pop(0)
        ns = design.schemas.get(name)
        if name in done or ns is None:
            continue
        done.add(name)
        for path, problem in _unbounded_in(ns.schema):
            yield Hit(ns.loc.at(*path), f"schema '{name}' is sent by clients (as in "
                      f"'{named[name]}') and accepts {problem}; bound it")
        for inner in sorted(named_refs(design, name) - done):
            named.setdefault(inner, named[name])
            todo.append(inner)


def _request_schemas(ep: Endpoint) -> Iterator[tuple[str, Any, Loc]]:
    for name, p in ep.path_params.items():
        if p.schema is not None:
            yield f"path parameter '{name}'", p.schema, p.loc.at("schema")
    for kind, params in (("filter", ep.filters), ("query parameter", ep.query),
                         ("header", ep.headers)):
        for p in params:
            yield (f"{kind} '{p.name}'", p.schema,
                   p.loc.at("schema") if p.schema is not None else p.loc)
    if ep.request is not None and ep.request.schema is not None:
        yield "the request body", ep.request.schema, ep.request.loc.at("schema")


# --- O008: a created resource can be found --------------------------------------------------


@register("O008", "created-without-location", Severity.WARNING,
          "A 201 response has no Location header and none can be derived.")
def check_created_location(design: Design) -> Iterator[Hit]:
    """
    A `201 Created` tells the client where the new resource is: the `Location` header
    (RFC 9110 §15.3.2). designgate derives it from the collection's item path — `POST
    /tasks` creates at `/tasks/{taskId}` when the design has an endpoint on that path —
    and documents it on the response. When there is no item path, design the header
    yourself, or answer 200 if nothing addressable is created:

    ```yaml
    response:
      status: 201
      headers:
        Location:
          description: The new export job, polled until it is done.
          schema: {type: string, format: uri-reference, maxLength: 2048}
    ```
    """
    for ep in design.endpoints:
        r = ep.response
        if r is None or r.status != 201:
            continue
        if any(h.lower() == "location" for h in r.headers):
            continue
        op = build_openapi(design).document.get("paths", {}).get(ep.path, {}).get(
            ep.method.lower(), {})
        headers = (op.get("responses", {}).get("201") or {}).get("headers") or {}
        if "Location" not in headers:
            yield Hit(r.loc.at("status"), f"the 201 response of '{ep.id}' has no Location "
                      "header and no item path to derive it from; add `headers: {Location: "
                      "...}` or an endpoint on the created item's path")


# --- O009: idempotency keys go where a retry could repeat work ------------------------------


@register("O009", "idempotency-key-method", Severity.WARNING,
          "An idempotency key is declared on a method that is idempotent already.")
def check_idempotency_key(design: Design) -> Iterator[Hit]:
    """
    `idempotency_key:` adds the IETF httpapi `Idempotency-Key` request header, with which
    a client retries a request that is not idempotent (POST, PATCH) without the server
    doing it twice. GET, PUT and DELETE are idempotent by definition (RFC 9110 §9.2.2):
    the header would promise nothing and every client would still have to send it.
    Remove it there:

    ```yaml
    - id: createTask
      method: POST
      idempotency_key: optional
    ```
    """
    for ep in design.endpoints:
        if ep.idempotency_key and ep.method not in ("POST", "PATCH"):
            yield Hit(ep.loc.at("idempotency_key"), f"'{ep.id}' is a {ep.method}, which is "
                      "idempotent already; remove `idempotency_key:`")
