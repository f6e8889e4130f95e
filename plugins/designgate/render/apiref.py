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
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from designgate.render.text import anchor, escape

OAD_TEMPLATES = Path(__file__).parent / "oad"
_PARAM = re.compile(r"\{([^{}/]+)\}")


def route(path: str) -> Markup:
    """A path with its parameters highlighted, every character from the design escaped."""
    out: list[str] = []
    pos = 0
    for m in _PARAM.finditer(path):
        out.append(escape(path[pos : m.start()]))
        out.append(f'<span class="route-param">&#123;{escape(m.group(1))}&#125;</span>')
        pos = m.end()
    out.append(escape(path[pos:]))
    return Markup("".join(out))


def api_reference(document: dict[str, Any], templates_dir: Path | None = None) -> str:
    """Markdown (with pymdownx tabs and details) for every operation and schema."""
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
    # The library warns (warnings + its own logger) about features it renders partially; the
    # contract is validated by our own rules, so these notes would only be noise here.
    quiet = logging.getLogger("openapidocs")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handler = OpenAPIV3DocumentationHandler(document, writer=writer, style="MKDOCS")
            return handler.write()
    finally:
        quiet.setLevel(level)
