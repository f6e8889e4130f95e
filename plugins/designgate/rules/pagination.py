"""Pagination (P): every list endpoint pages, by the project's convention, with a bound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from designgate.findings import Severity
from designgate.load.refs import COMPONENT_PREFIX
from designgate.model.design import Design, Endpoint, JsonSchema
from designgate.rules.registry import Hit, register

# --- reading payload schemas (shared with the response rules) ---------------------------


def object_properties(
    design: Design, schema: JsonSchema | None, seen: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The properties an object schema declares, through ``$ref`` and ``allOf`` members."""
    if not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    ref = schema.get("$ref")
    name = _ref_name(ref) if isinstance(ref, str) else None
    if name is not None and name not in seen and name in design.schemas:
        out.update(object_properties(design, design.schemas[name].schema, seen | {name}))
    for member in _all_of(schema):
        out.update(object_properties(design, member, seen))
    props = schema.get("properties")
    if isinstance(props, dict):
        out.update(props)
    return out


def schema_types(
    design: Design, schema: JsonSchema | None, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The JSON types a schema allows (``type`` through ``$ref`` and ``allOf``); empty when
    unconstrained."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        name = _ref_name(schema["$ref"])
        if name is None or name in seen or name not in design.schemas:
            return set()
        return schema_types(design, design.schemas[name].schema, seen | {name})
    if not isinstance(schema, dict):
        return set()
    t = schema.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    out: set[str] = set()
    for member in _all_of(schema):
        out |= schema_types(design, member, seen)
    return out


def _ref_name(ref: str) -> str | None:
    return unquote(ref[len(COMPONENT_PREFIX):]) if ref.startswith(COMPONENT_PREFIX) else None


def _all_of(schema: dict[str, Any]) -> list[Any]:
    members = schema.get("allOf")
    return members if isinstance(members, list) else []


# --- the rules ---------------------------------------------------------------------------


def _mvp_deferred(design: Design, ep: Endpoint) -> bool:
    """In release mode mvp, a list traced only to non-MVP requirements may defer pagination."""
    if not design.project.mvp:
        return False
    reqs = [r for r in (design.requirement(fr) for fr in ep.fr_ids) if r is not None]
    return bool(reqs) and not any(r.mvp for r in reqs)


@register("P001", "list-without-pagination", Severity.ERROR,
          "A list endpoint does not define pagination.", scope=True)
def check_list_pagination(design: Design) -> Iterator[Hit]:
    """
    *"List endpoints must define pagination from the start"* — the seed names *"Skipping
    pagination for list endpoints ('we'll add it later')"* as a bad habit to eliminate, because
    adding it later breaks every client. A list endpoint is a GET whose path ends in a literal
    segment and that is not marked `singleton: true`. In release mode `mvp` the seed allows
    deferring pagination for non-critical lists, so lists traced only to non-MVP
    requirements are exempt there.

    ```yaml
    - id: listNotes
      method: GET
      path: /notes
      pagination: {style: cursor, default_page_size: 25, max_page_size: 100}
    ```
    """
    for ep in design.endpoints:
        if ep.is_list and ep.pagination is None and not _mvp_deferred(design, ep):
            yield Hit(ep.loc.at("id"), f"list endpoint {ep.id} (GET {ep.path}) defines no "
                      "pagination; add `pagination:` (or `singleton: true` if it returns one "
                      "object)")


@register("P002", "pagination-style", Severity.ERROR,
          "An endpoint's pagination style differs from the project convention.")
def check_style(design: Design) -> Iterator[Hit]:
    """
    The project chooses one pagination style (`conventions.pagination.style`: `cursor` or
    `page`) so that clients page every list the same way. An endpoint that declares the
    other style breaks that contract. Either follow the convention (omit `style:` to inherit
    it) or change the convention for the whole API.

    ```yaml
    pagination: {max_page_size: 100}   # style comes from the project convention
    ```
    """
    conv = design.project.pagination.style
    for ep in design.endpoints:
        p = ep.pagination
        if p is not None and p.style is not None and p.style != conv:
            yield Hit(p.loc.at("style"), f"{ep.id} pages by '{p.style}' but the project "
                      f"convention is '{conv}'; use '{conv}' or drop `style:` to inherit it")


PAGE_SIZE_LIMIT = 1000  # the most rows one page may hold


@register("P003", "unbounded-page-size", Severity.ERROR,
          "The page size is unbounded or inconsistent with the maximum.")
def check_page_size(design: Design) -> Iterator[Hit]:
    """
    A bounded page size protects the database and the response time: a client must not be
    able to ask for a million rows. The maximum comes from the endpoint's `max_page_size` or
    else the project convention; this rule reports an endpoint maximum above the
    convention's, a default page size above the maximum that applies, sizes below 1, and a
    maximum above 1,000 rows (also in the project convention itself) — a bound nobody would
    serve in one response is no bound.

    ```yaml
    # project.yaml
    conventions:
      pagination: {style: cursor, default_page_size: 25, max_page_size: 100}
    # an endpoint that pages by 50, still within the project maximum
    pagination: {default_page_size: 50, max_page_size: 100}
    ```
    """
    conv = design.project.pagination
    ploc = design.project.loc
    if ploc is not None and conv.max_page_size > PAGE_SIZE_LIMIT:
        yield Hit(ploc.at("conventions", "pagination", "max_page_size"), f"a maximum page "
                  f"size of {conv.max_page_size:,} rows bounds nothing; keep it at "
                  f"{PAGE_SIZE_LIMIT:,} or below (100 is common)")
    if ploc is not None and conv.default_page_size > conv.max_page_size:
        where = ploc.at("conventions", "pagination", "default_page_size")
        yield Hit(where, f"the default page size {conv.default_page_size} is above the "
                  f"maximum {conv.max_page_size}; lower it or raise the maximum")
    for ep in design.endpoints:
        p = ep.pagination
        if p is None:
            continue
        for field, value in (("max_page_size", p.max_page_size),
                             ("default_page_size", p.default_page_size)):
            if value is not None and value < 1:
                yield Hit(p.loc.at(field), f"{ep.id}: `{field}` must be at least 1 (got {value})")
        if p.max_page_size is not None and p.max_page_size > PAGE_SIZE_LIMIT and \
                conv.max_page_size > PAGE_SIZE_LIMIT:
            yield Hit(p.loc.at("max_page_size"), f"{ep.id} allows pages of "
                      f"{p.max_page_size:,} rows, which bounds nothing; keep it at "
                      f"{PAGE_SIZE_LIMIT:,} or below")
        elif p.max_page_size is not None and p.max_page_size > conv.max_page_size:
            yield Hit(p.loc.at("max_page_size"), f"{ep.id} allows pages of {p.max_page_size}, "
                      f"above the project maximum {conv.max_page_size}; lower it")
        if p.max_page_size is None and p.default_page_size is None:
            continue  # both inherited: a bad convention is reported once, at the project
        limit = p.max_page_size if p.max_page_size is not None else conv.max_page_size
        default = p.default_page_size if p.default_page_size is not None \
            else conv.default_page_size
        if limit >= 1 and default > limit:
            at = "default_page_size" if p.default_page_size is not None else "max_page_size"
            yield Hit(p.loc.at(at), f"{ep.id}: the default page size {default} is above the "
                      f"maximum {limit}; lower the default or raise the maximum")


@register("P004", "page-envelope", Severity.ERROR,
          "A paginated response does not carry the items array and the next cursor / totals.")
def check_envelope(design: Design) -> Iterator[Hit]:
    """
    A page is an envelope object, not a bare array: it carries the items in
    `conventions.pagination.items_field` (an array, default `data`) and, for cursor
    pagination, the cursor of the next page in `cursor_field` (default `next_cursor`), or,
    for page pagination, the total count in `total_field` (default `total`). Without them a
    client cannot tell whether there are more pages. Properties are read through `$ref`s to
    named schemas and `allOf` members.

    ```yaml
    NotePage:
      type: object
      required: [data, next_cursor]
      properties:
        data: {type: array, items: {$ref: "#/components/schemas/Note"}}
        next_cursor: {type: [string, "null"]}
    ```
    """
    conv = design.project.pagination
    for ep in design.endpoints:
        if not ep.is_list or ep.pagination is None:
            continue
        resp = ep.response
        if resp is None or resp.schema is None:
            continue  # R001 / R009 report the missing response or schema
        style = ep.pagination.style or conv.style
        props = object_properties(design, resp.schema)
        missing = []
        items = props.get(conv.items_field)
        if items is None:
            missing.append(f"the items array `{conv.items_field}`")
        elif "array" not in schema_types(design, items):
            missing.append(f"`{conv.items_field}` typed as an array")
        marker = conv.cursor_field if style == "cursor" else conv.total_field
        if marker not in props:
            what = "next cursor" if style == "cursor" else "total count"
            missing.append(f"the {what} `{marker}`")
        if missing:
            yield Hit(resp.loc.at("schema"), f"the {style} page of {ep.id} lacks "
                      f"{' and '.join(missing)}; return an envelope object that carries them",
                      True)


@register("P005", "pagination-on-non-list", Severity.WARNING,
          "Pagination is declared on an endpoint that is not a list.")
def check_non_list(design: Design) -> Iterator[Hit]:
    """
    Only list endpoints (a GET on a path ending in a literal segment, not `singleton: true`)
    page; pagination on a single-object GET or on a mutation generates page parameters that
    do nothing and confuses clients. Remove the `pagination:` block — or, if the endpoint
    does return a list, fix its method or path (and drop `singleton: true`).

    ```yaml
    - id: getNote
      method: GET
      path: /notes/{noteId}   # one note: no pagination
    ```
    """
    for ep in design.endpoints:
        if ep.pagination is not None and not ep.is_list:
            why = "a singleton" if ep.singleton else (
                f"a {ep.method}" if ep.method != "GET" else "a single item")
            yield Hit(ep.pagination.loc, f"{ep.id} is {why}, not a list, but declares "
                      "pagination; remove `pagination:`", key=True)
