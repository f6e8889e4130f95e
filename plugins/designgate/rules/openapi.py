"""OpenAPI (O): the assembled document is a valid OpenAPI 3.1 contract.

O001 runs the checks of openapi-spec-validator (the reference validator) over the generated
document and reports every error at the design-source line it came from. The other rules catch contract problems the validator
cannot see, because the generator had to drop or could not express them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from designgate.findings import Severity, json_pointer
from designgate.generate.jsonschema_tools import (
    component_refs,
    named_closure,
    openapi_errors,
    schema_errors,
)
from designgate.generate.openapi import build_openapi
from designgate.model.design import Design
from designgate.model.source import Loc
from designgate.rules.registry import Hit, register

Path = tuple[str | int, ...]

# --- O001: the document is valid OpenAPI 3.1 ------------------------------------------


def _fallback(design: Design) -> Loc | None:
    if design.project.loc is not None:
        return design.project.loc
    return Loc(design.sources[0]) if design.sources else None


@register("O001", "openapi-invalid", Severity.ERROR,
          "The generated OpenAPI document is invalid.")
def check_openapi_valid(design: Design) -> Iterator[Hit]:
    """
    The OpenAPI 3.1 document designgate generates from the design gets the checks of
    openapi-spec-validator, the reference validator: the document's structure, every
    payload schema against the OpenAPI 3.1 schema dialect, `default` values, unique
    operation ids and parameters, and path parameters — plus the schemas of request
    bodies, response headers, webhooks and event payloads, which that validator skips. The brief is contract-first ("API spec is the
    source of truth before any code"), so the contract implementers receive must be valid.

    Each error is reported at the design line it came from: a payload schema keyword, a
    parameter, or a field of an endpoint's raw `openapi:` escape hatch. The message quotes
    the validator and the pointer inside the generated document. Fix the value in the design:

    ```yaml
    schemas:
      Task:
        type: object          # not `objct`
        properties:
          title: {type: string}
    ```
    """
    result = build_openapi(design)
    fallback = _fallback(design)
    seen: set[tuple[Path, str]] = set()
    for path, message in openapi_errors(result.document):
        if (path, message) in seen:
            continue
        seen.add((path, message))
        loc = result.locate(path) or fallback
        if loc is not None:
            yield Hit(loc, f"invalid OpenAPI: {message} (at openapi pointer "
                      f"{json_pointer(path) or '/'})")
    # Event payloads live in `x-events`, which no OpenAPI validator reads: their schemas
    # (named ones that only events use, and inline ones) are checked here.
    components = result.document.get("components", {}).get("schemas", {})
    for name, ns in design.schemas.items():
        if name not in components:
            for path, message in schema_errors(ns.schema):
                yield Hit(ns.loc.at(*path), f"invalid schema '{name}': {message}")
    for ev in design.events:
        schema = ev.payload.schema if ev.payload is not None else None
        if isinstance(schema, dict) and set(schema) != {"$ref"} and ev.payload is not None:
            for path, message in schema_errors(schema):
                yield Hit(ev.payload.loc.at("schema", *path),
                          f"invalid payload schema of event '{ev.name}': {message}")


# --- O002: path parameters ----------------------------------------------------------------


@register("O002", "path-param-not-in-path", Severity.ERROR,
          "A path parameter is declared but does not occur in the path.")
def check_path_params(design: Design) -> Iterator[Hit]:
    """
    Every entry of an endpoint's `path_params:` must name a `{parameter}` of its `path:`.
    A declared parameter that is not in the path is dropped from the OpenAPI operation (a
    path parameter that is not in the path is invalid OpenAPI), so what the design says and
    what the contract says would disagree — usually the path was renamed and the parameter
    was not, or the other way round. Rename the parameter to match the path, or remove it:

    ```yaml
    path: /tasks/{taskId}
    path_params:
      taskId: {description: The task's id., schema: {type: string, format: uuid}}
    ```
    """
    for ep in design.endpoints:
        names = set(ep.path_param_names)
        for name, p in ep.path_params.items():
            if name not in names:
                yield Hit(p.loc, f"path parameter '{name}' of '{ep.id}' is not in its path "
                          f"'{ep.path}'; rename it to a {{parameter}} of the path or remove it",
                          key=True)


# --- O003: unused named schemas -----------------------------------------------------------


@register("O003", "unused-schema", Severity.WARNING,
          "A named schema is used by no endpoint, webhook or event.")
def check_unused_schemas(design: Design) -> Iterator[Hit]:
    """
    A named schema (in a `kind: schemas` file) should be reachable from something the API
    exposes: an endpoint's parameters, request or responses, a webhook or event payload, or
    another named schema that is itself reachable. An unused schema is dead contract —
    implementers cannot tell whether it is meant to be served, and OpenAPI linters flag it
    (Redocly's `no-unused-components`). Reference it where it belongs, or delete it:

    ```yaml
    response:
      status: 200
      schema: {$ref: "#/components/schemas/Task"}
    ```
    """
    if not design.schemas:
        return
    roots: list[Any] = []
    for ep in design.endpoints:
        roots.extend(ep.schemas())
        roots.append(ep.openapi)
    for item in (*design.webhooks, *design.events):
        if item.payload is not None:
            roots.append(item.payload.schema)
    used = named_closure(design, component_refs(roots))
    for name, ns in design.schemas.items():
        if name not in used and not _is_problem_override(name, design):
            yield Hit(ns.loc, f"schema '{name}' is used by no endpoint, webhook, event or "
                      "used schema; reference it or delete it", key=True)


def _is_problem_override(name: str, design: Design) -> bool:
    """A designed `Problem` replaces the built-in error schema; errors use it implicitly."""
    return name == "Problem" and any(ep.errors for ep in design.endpoints)


# --- O004: servers agree with the base path ------------------------------------------------


@register("O004", "server-base-path", Severity.ERROR,
          "A server URL does not end with the project's base path.")
def check_server_base_path(design: Design) -> Iterator[Hit]:
    """
    Endpoint paths are written without the version prefix (`/tasks`), and the generated
    document puts the prefix in the server URLs, as OpenAPI intends. When `api.base_path`
    says `/v1` but a server URL ends elsewhere, clients built from the contract call the
    wrong URLs (`https://api.example.com/tasks` instead of `.../v1/tasks`). Make every server
    URL end with the base path:

    ```yaml
    api:
      base_path: /v1
      servers:
        - url: https://api.teamboard.dev/v1
    ```
    """
    project = design.project
    base = project.base_path.rstrip("/")
    if not base or project.loc is None:
        return
    for i, server in enumerate(project.servers):
        url = server["url"]
        path = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", url).split("?")[0].rstrip("/")
        if not path.endswith(base):
            yield Hit(project.loc.at("api", "servers", i, "url"),
                      f"server URL '{url}' does not end with the base path '{base}'; "
                      f"append it ('{url.rstrip('/')}{base}')")
