"""The API reference page: the generated OpenAPI document through essentials-openapi.

This is the library behind neoteroi-mkdocs' OAD plugin; we call it directly so that the page
needs no extra plugin in ``mkdocs.yml``, and so that two of its templates can be replaced:
``partial/info.html`` (the page has its own title) and ``partial/path-items.html`` (every
operation gets an ``op-<operationId>`` anchor the endpoint inventory links to, and paths are
escaped). Descriptions are Markdown, as OpenAPI defines them; the site sanitises the HTML
they become (``render.sanitize``).
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from designgate.render.text import anchor, escape, inline

OAD_TEMPLATES = Path(__file__).parent / "oad"
_PARAM = re.compile(r"\{([^{}/]+)\}")


def route(path: Any) -> Markup:
    """A path with its parameters highlighted, every character from the design escaped, and
    a line-break opportunity after each ``/`` (long paths wrap there on a phone)."""
    path = str(path)
    out: list[str] = []
    pos = 0
    for m in _PARAM.finditer(path):
        out.append(_wrap(path[pos : m.start()]))
        out.append(f'<span class="route-param">&#123;{escape(m.group(1))}&#125;</span>')
        pos = m.end()
    out.append(_wrap(path[pos:]))
    return Markup("".join(out))


def _wrap(segment: str) -> str:
    return str(escape(segment)).replace("/", "/<wbr>")


def split_by_tag(document: dict[str, Any]) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Operations grouped by their first tag, in document order (untagged under "")."""
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if isinstance(op, dict) and method in _METHODS:
                tags = op.get("tags") or [""]
                out.setdefault(str(tags[0]), []).append((method, path, op))
    return out


def api_pages(document: dict[str, Any], schemas_url: Callable[[str], str],
              templates_dir: Path | None, failures: list[str],
              review: Callable[[str, str], str] | None = None,
              schema_source: Callable[[str], str] | None = None,
              index_url: Callable[[str], str] | None = None
              ) -> tuple[dict[str, str], str]:
    """Markdown per tag (operations only) and for the schemas page.

    A page of one resource is rendered from a document holding only its operations and the
    schemas they reach, so each page costs in proportion to itself and a large API becomes
    many readable pages instead of one that no browser scrolls. ``schemas_url(tag)`` is the
    URL of the schemas page as seen from that tag's page (schema links point there), and
    ``review(tag, operationId)`` the Markdown shown under each operation's heading (who may
    call it, what it serves, where it is defined); ``schema_source(name)`` where a named
    schema is defined, and ``index_url(tag)`` the API reference's first page (where the shared
    response headers are described).

    The pages show each operation whole: a response the document shares through
    ``components/responses`` is written out where it is used (a reference page has no other
    place for it), and security requirements are said once, not listed as parameters.

    A part the renderer cannot cope with (a design with errors: a schema that is not one)
    becomes a notice on its page, and a line in ``failures``; the other pages still render.
    """
    writer = _writer(templates_dir)
    schemas = (document.get("components") or {}).get("schemas") or {}
    pages: dict[str, str] = {}
    for tag, ops in split_by_tag(document).items():
        paths: dict[str, dict[str, Any]] = {}
        for method, path, op in ops:
            shown = _whole(document, op)
            if review is not None:
                shown["dg_review"] = review(tag, str(op.get("operationId", "")))
            paths.setdefault(path, {})[method] = shown
        names = _closure(schemas, _refs(paths))
        part = {k: v for k, v in document.items() if k not in ("paths", "webhooks")}
        part["paths"] = paths
        part["components"] = {**(document.get("components") or {}),
                              "schemas": {n: schemas[n] for n in schemas if n in names}}
        part["dg_part"] = "paths"
        part["dg_schemas_url"] = schemas_url(tag)
        part["dg_api_index"] = index_url(tag) if index_url else ""
        pages[tag] = _write(writer, part, f"the operations of '{tag}'", failures)
    whole = {**document, "paths": {}, "dg_part": "schemas", "dg_schemas_url": "",
             "dg_schema_src": {n: schema_source(n) for n in schemas} if schema_source else {}}
    return pages, _write(writer, whole, "the schemas", failures)


def _whole(document: dict[str, Any], op: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``op`` whose shared responses and parameters are written out in place."""
    components = document.get("components") or {}

    def resolve(node: Any, section: str) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        prefix = f"#/components/{section}/"
        if isinstance(ref, str) and ref.startswith(prefix):
            target = (components.get(section) or {}).get(ref[len(prefix):])
            if isinstance(target, dict):
                return {**target, "dg_shared": ref[len(prefix):]}
        return node

    shown = dict(op)
    if isinstance(op.get("responses"), dict):
        shown["responses"] = {code: resolve(r, "responses") for code, r in op["responses"].items()}
    if isinstance(op.get("parameters"), list):
        shown["parameters"] = [resolve(p, "parameters") for p in op["parameters"]]
    return shown


def constraints(schema: Any, schemas: dict[str, Any] | None = None) -> Markup:
    """What a schema allows besides its type, in words: enum values, bounds, lengths, item
    counts, pattern, default, read/write-only; ``&mdash;`` when nothing. A property that is
    a named schema shows what that schema allows, when it is not an object (``TaskStatus``:
    its values), so a payload reads whole."""
    if not isinstance(schema, dict):
        return Markup("&mdash;")
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_PREFIX) and schemas is not None:
        target = schemas.get(ref[len(_PREFIX):])
        if isinstance(target, dict) and not target.get("properties") and "$ref" not in target:
            return constraints({**target, **{k: v for k, v in schema.items() if k != "$ref"}},
                               schemas)
        return Markup("&mdash;")
    out: list[Markup] = []

    def code(v: Any) -> Markup:
        return Markup("<code>{}</code>").format(escape(json.dumps(v, ensure_ascii=False)
                                                       if not isinstance(v, str) else v))

    if isinstance(schema.get("enum"), list):
        out.append(Markup("one of ") + Markup(", ").join(code(v) for v in schema["enum"]))
    if "const" in schema:
        out.append(Markup("always ") + code(schema["const"]))
    for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                      ("exclusiveMaximum", "<")):
        v = schema.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(Markup(f"{sign} ") + escape(v))
    for low, high, unit in (("minLength", "maxLength", "characters"),
                            ("minItems", "maxItems", "items"),
                            ("minProperties", "maxProperties", "properties")):
        lo, hi = schema.get(low), schema.get(high)
        if lo is not None and hi is not None:
            out.append(escape(f"{lo}–{hi} {unit}" if lo != hi else f"exactly {lo} {unit}"))
        elif hi is not None:
            out.append(escape(f"at most {hi} {unit}"))
        elif lo:
            out.append(escape(f"at least {lo} {unit}"))
    if schema.get("uniqueItems"):
        out.append(Markup("unique items"))
    if isinstance(schema.get("pattern"), str):
        out.append(Markup("matches ") + code(schema["pattern"]))
    if "default" in schema:
        out.append(Markup("default ") + code(schema["default"]))
    if schema.get("readOnly"):
        out.append(Markup("read-only (responses only)"))
    if schema.get("writeOnly"):
        out.append(Markup("write-only (requests only)"))
    if schema.get("deprecated"):
        out.append(Markup("deprecated"))
    if schema.get("additionalProperties") is False and schema.get("properties"):
        out.append(Markup("no other properties"))
    items = schema.get("items")
    if isinstance(items, dict):
        inner = constraints(items, schemas)
        if str(inner) != "&mdash;":
            out.append(Markup("each item: ") + inner)
    if "example" in schema and not isinstance(schema["example"], (dict, list)):
        out.append(Markup("e.g. ") + code(schema["example"]))
    return Markup("; ").join(out) if out else Markup("&mdash;")


def example_json(value: Any) -> Markup:
    """An example value for a fenced JSON block."""
    return Markup(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _writer(templates_dir: Path | None) -> Any:
    # Imported here: essentials-openapi is only needed when the site is built.
    from openapidocs.mk.jinja import Jinja2DocumentsWriter, OutputStyle
    from openapidocs.mk.v3 import OpenAPIV3DocumentationHandler

    package = OpenAPIV3DocumentationHandler.__module__
    writer = Jinja2DocumentsWriter(package, views_style=OutputStyle.MKDOCS)
    loaders: list[Any] = [FileSystemLoader(str(OAD_TEMPLATES)), writer.env.loader]
    if templates_dir is not None and (templates_dir / "oad").is_dir():
        loaders.insert(0, FileSystemLoader(str(templates_dir / "oad")))
    writer.env.loader = ChoiceLoader(loaders)
    # The library prints values as they are (its autoescape is off): every value a template
    # prints is escaped as design text is everywhere on the site, unless it is markup the
    # templates made on purpose (`| safe`, our filters), so the pages are safe as written.
    writer.env.finalize = _finalize
    writer.env.filters["dg_route"] = route
    writer.env.filters["dg_anchor"] = anchor
    writer.env.filters["dg_inline"] = inline
    writer.env.filters["dg_example"] = example_json
    return writer


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if value is None:
        return ""
    return escape(value)


def _write(writer: Any, document: dict[str, Any], part: str, failures: list[str]) -> str:
    from openapidocs.mk.v3 import OpenAPIV3DocumentationHandler

    # The library warns (warnings + its own logger) about features it renders partially; the
    # contract is validated by our own rules, so these notes would only be noise here.
    quiet = logging.getLogger("openapidocs")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    schemas = (document.get("components") or {}).get("schemas") or {}
    writer.env.filters["dg_constraints"] = lambda s: constraints(s, schemas)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handler = OpenAPIV3DocumentationHandler(document, writer=writer, style="MKDOCS")
            return _no_includes(str(handler.write()))
    except Exception as exc:  # the library (and templates) on a design with errors
        reason = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        failures.append(f"API reference: {part} could not be rendered ({reason}); "
                        "the design's findings say what is wrong")
        return (f'!!! failure "Not rendered"\n\n    The API reference of {escape(part)} could '
                f"not be rendered from the generated document ({escape(reason)}). The "
                "design's findings say what is wrong with it: fix them and build again.\n")
    finally:
        quiet.setLevel(level)


#: A pymdownx.snippets include line (`--8<-- "file"`, `;--8<--` escaped, or a block marker).
_SNIPPET = re.compile(r"^([ \t]*;*)-(?=-*8<-)", re.M)


def _no_includes(markdown: str) -> str:
    """The reference with every snippet marker line written with ``&#45;`` for its first dash:
    OpenAPI descriptions are Markdown, and in a site that enables pymdownx.snippets (which
    reads these lines before any other syntax) a description could otherwise include any file
    under the snippet base path. Our templates write no such line; the text reads the same."""
    return _SNIPPET.sub(r"\1&#45;", markdown)


_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_PREFIX = "#/components/schemas/"


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str) and ref.startswith(_PREFIX):
                found.add(ref[len(_PREFIX):])
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return found


def _closure(schemas: dict[str, Any], names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = [n for n in names if n in schemas]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(n for n in _refs(schemas[name]) if n in schemas and n not in seen)
    return seen
