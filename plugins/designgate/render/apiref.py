"""The API reference page: the generated OpenAPI document through essentials-openapi.

This is the library behind neoteroi-mkdocs' OAD plugin; we call it directly so that the page
needs no extra plugin in ``mkdocs.yml``, and so that two of its templates can be replaced:
``partial/info.html`` (the page has its own title) and ``partial/path-items.html`` (every
operation gets an ``op-<operationId>`` anchor the endpoint inventory links to, and paths are
escaped). Descriptions are Markdown, as OpenAPI defines them; the site sanitises the HTML
they become (``render.sanitize``).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from designgate.render.text import anchor, escape

OAD_TEMPLATES = Path(__file__).parent / "oad"
_PARAM = re.compile(r"\{([^{}/]+)\}")


def route(path: Any) -> Markup:
    """A path with its parameters highlighted, every character from the design escaped."""
    path = str(path)
    out: list[str] = []
    pos = 0
    for m in _PARAM.finditer(path):
        out.append(escape(path[pos : m.start()]))
        out.append(f'<span class="route-param">&#123;{escape(m.group(1))}&#125;</span>')
        pos = m.end()
    out.append(escape(path[pos:]))
    return Markup("".join(out))


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
              templates_dir: Path | None, failures: list[str]) -> tuple[dict[str, str], str]:
    """Markdown per tag (operations only) and for the schemas page.

    A page of one resource is rendered from a document holding only its operations and the
    schemas they reach, so each page costs in proportion to itself and a large API becomes
    many readable pages instead of one that no browser scrolls. ``schemas_url(tag)`` is the
    URL of the schemas page as seen from that tag's page (schema links point there).

    A part the renderer cannot cope with (a design with errors: a schema that is not one)
    becomes a notice on its page, and a line in ``failures``; the other pages still render.
    """
    writer = _writer(templates_dir)
    schemas = (document.get("components") or {}).get("schemas") or {}
    pages: dict[str, str] = {}
    for tag, ops in split_by_tag(document).items():
        paths: dict[str, dict[str, Any]] = {}
        for method, path, op in ops:
            paths.setdefault(path, {})[method] = op
        names = _closure(schemas, _refs(paths))
        part = {k: v for k, v in document.items() if k not in ("paths", "webhooks")}
        part["paths"] = paths
        part["components"] = {**(document.get("components") or {}),
                              "schemas": {n: schemas[n] for n in schemas if n in names}}
        part["dg_part"] = "paths"
        part["dg_schemas_url"] = schemas_url(tag)
        pages[tag] = _write(writer, part, f"the operations of '{tag}'", failures)
    whole = {**document, "paths": {}, "dg_part": "schemas", "dg_schemas_url": ""}
    return pages, _write(writer, whole, "the schemas", failures)


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
    writer.env.filters["dg_route"] = route
    writer.env.filters["dg_anchor"] = anchor
    return writer


def _write(writer: Any, document: dict[str, Any], part: str, failures: list[str]) -> str:
    from openapidocs.mk.v3 import OpenAPIV3DocumentationHandler

    # The library warns (warnings + its own logger) about features it renders partially; the
    # contract is validated by our own rules, so these notes would only be noise here.
    quiet = logging.getLogger("openapidocs")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
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
