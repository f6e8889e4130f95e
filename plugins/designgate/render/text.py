"""Text from the design, made safe for the Markdown pages of the site.

Design text is plain text: it may not become markup, script, a link or a Markdown construct
(an emphasis, a list, an ``{: attr_list }``, a snippet include). Every character that HTML or
a Markdown extension could read as syntax is written as a numeric character reference, which
both Python-Markdown and browsers pass through as the literal character. The one construct we
keep is the code span (`` `X-Request-Id` ``), written as ``<code>`` by us.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup

# HTML specials, and every punctuation character that Python-Markdown or a common extension
# (attr_list, tables, pymdownx.snippets / mark / caret / tilde / emoji / arithmatex, abbr,
# footnotes) reads as syntax somewhere.
_SPECIAL = "&<>\"'\\`*_{}[]()#+-.!|~=^:$%@"
_TABLE = {ord(c): f"&#{ord(c)};" for c in _SPECIAL}
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_SPACE = re.compile(r"\s+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def escape(value: Any) -> Markup:
    """``value`` as literal text, on one line (newlines become spaces)."""
    if value is None:
        return Markup("")
    if isinstance(value, Markup):
        return value
    return Markup(_SPACE.sub(" ", str(value)).strip().translate(_TABLE))


def literal(value: Any) -> Markup:
    """``value`` as literal text, whitespace kept as written."""
    return Markup(str(value).translate(_TABLE))


def _with_code(text: str) -> str:
    out: list[str] = []
    pos = 0
    for m in _CODE_SPAN.finditer(text):
        out.append(text[pos : m.start()].translate(_TABLE))
        out.append(f"<code>{m.group(1).translate(_TABLE)}</code>")
        pos = m.end()
    out.append(text[pos:].translate(_TABLE))
    return "".join(out)


def inline(value: Any) -> Markup:
    """One line of design text; `code spans` kept as code."""
    if value is None:
        return Markup("")
    return Markup(_with_code(_SPACE.sub(" ", str(value)).strip()))


def paragraphs(value: Any) -> Markup:
    """Design prose as HTML paragraphs (blank lines separate them); code spans kept."""
    if value is None or not str(value).strip():
        return Markup("")
    paras = [_SPACE.sub(" ", p).strip() for p in _PARAGRAPHS.split(str(value).strip())]
    return Markup("\n".join(f"<p>{_with_code(p)}</p>" for p in paras if p))


def code_json(value: Any) -> Markup:
    """A JSON document for a fenced code block: the fence itself escapes its content."""
    return Markup(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str))


def code_text(value: Any) -> Markup:
    """Verbatim text for a fenced code block (a line starting with a fence is indented)."""
    text = str(value).rstrip("\n")
    return Markup(re.sub(r"(?m)^(\s*)(`{3,}|~{3,})", r"\1 \2", text))


_ANCHOR_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def anchor(*parts: Any) -> str:
    """An HTML id / URL fragment made of safe characters only (stable for the same input)."""
    return "-".join(_ANCHOR_BAD.sub("-", str(p)).strip("-") or "x" for p in parts)


def sentence(value: Any) -> Markup:
    """One line of design text as a sentence: a full stop is added unless it already ends
    with one (or with ``!``, ``?``, ``:``)."""
    raw = _SPACE.sub(" ", "" if value is None else str(value)).strip()
    if raw and raw[-1] not in ".!?:":
        raw += "."
    return inline(raw)


def value(v: Any) -> Markup:
    """A design value for reading, never as a Python or JSON literal: text as written, a
    list as its items, a mapping as ``key: value`` pairs, booleans as yes/no."""
    if v is None:
        return Markup("&mdash;")
    if isinstance(v, bool):
        return Markup("yes" if v else "no")
    if isinstance(v, (list, tuple)):
        return Markup(", ").join(value(i) for i in v) if v else Markup("&mdash;")
    if isinstance(v, dict):
        return Markup("; ").join(Markup(f"{label(k)}: {value(x)}") for k, x in v.items())
    return inline(v)


def label(key: Any) -> Markup:
    """A design field name as a label: ``max_attempts`` → ``Max attempts``."""
    words = str(key).replace("_", " ").strip()
    return escape(words[:1].upper() + words[1:])
