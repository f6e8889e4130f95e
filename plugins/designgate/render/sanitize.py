"""Allowlist HTML sanitiser for the content of generated site pages.

Design text reaches the site through Python-Markdown, pymdownx and neoteroi (which inserts
OpenAPI descriptions verbatim), so the rendered HTML of a generated page is untrusted. It is
parsed with the standard library's ``HTMLParser`` and written out again from scratch: only
allowlisted elements and attributes survive, every text node and attribute value is escaped
by us, and every open element is closed. Because nothing of the input is copied through
unparsed, differences between ``HTMLParser`` and a browser's parser cannot smuggle markup
past us: whatever the browser parses is what we wrote. None of the elements we write holds
raw text (script, style, ...), so escaped text stays text in the browser too.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Final, Literal

__all__ = ["SAFE_URL_SCHEMES", "is_local_image", "is_safe_url", "sanitize_html"]


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Content elements of Python-Markdown and its common extensions, plus page sectioning.
_HTML_TAGS: Final = _names(
    """a abbr article aside b blockquote br caption cite code col colgroup dd del details dfn
    div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img input ins kbd label
    li mark nav ol p pre q s samp section small span strong sub summary sup table tbody td tfoot
    th thead time tr u ul var wbr"""
)
# Inline SVG (server-side charts). ``svg`` may open anywhere; the rest only inside an ``svg``,
# where they mean something (an HTML ``<title>`` in the body would be odd, not useful).
_SVG_TAGS: Final = _names(
    """g rect line circle ellipse path polyline polygon text tspan title desc defs
    marker"""
)
# Dropped together with everything inside them: they run script, load documents, or hold
# content that is not text (``use``/``image`` reference other documents, ``animate``/``set``
# can rewrite an ``href`` to ``javascript:``).
_DROP_WITH_CONTENT: Final = _names(
    """script style iframe object embed template noscript foreignobject use image set
    animate animatemotion animatetransform animatecolor discard handler listener"""
)
# Elements with no content in HTML (never closed); ``image`` is parsed as ``img`` by browsers
# outside SVG. Only the first row can be written out.
_VOID: Final = _names(
    """br col hr img input wbr
    area base basefont bgsound embed frame keygen link meta param source track"""
)

_GLOBAL_ATTRS: Final = frozenset({"class", "id", "title", "lang", "dir", "role"})
_TABLE_CELL: Final = frozenset({"colspan", "rowspan", "align", "scope", "style"})
_TAG_ATTRS: Final[dict[str, frozenset[str]]] = {
    "a": frozenset({"href", "name", "target"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "td": _TABLE_CELL,
    "th": _TABLE_CELL,
    "ol": frozenset({"start", "type", "reversed"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "details": frozenset({"open"}),
    "input": frozenset({"type", "name", "checked", "disabled"}),
    "label": frozenset({"for"}),
    "time": frozenset({"datetime"}),
}
_SVG_ATTRS: Final = _names(
    """viewbox width height x y x1 y1 x2 y2 cx cy r rx ry d points transform fill stroke
    stroke-width stroke-dasharray opacity fill-opacity text-anchor dominant-baseline font-size
    font-weight font-family xmlns preserveaspectratio role aria-label focusable marker-end refx
    refy markerwidth markerheight orient"""
)
# HTMLParser lowercases names; write SVG's camelCase back so the markup also works as XML.
_SVG_CASE: Final = {
    "viewbox": "viewBox",
    "preserveaspectratio": "preserveAspectRatio",
    "refx": "refX",
    "refy": "refY",
    "markerwidth": "markerWidth",
    "markerheight": "markerHeight",
}
_ARIA: Final = re.compile(r"aria-[a-z]+")
_DATA: Final = re.compile(r"data-[a-z0-9-]+")
# mkdocs-material finds its own components through ``data-md-*`` and ``#__config`` (a JSON
# script placed *after* the content): content must not be able to impersonate them (DOM
# clobbering). ``__`` ids that pymdownx generates (tabs, code line anchors) stay allowed.
_THEME_DATA: Final = "data-md-"
_RESERVED_ID: Final = re.compile(r"__(?!(?:tabbed|codelineno|span)[-_])")
_ID_LIKE: Final = frozenset({"id", "name", "for"})
# Python-Markdown's ``tables`` writes column alignment as a style; that one style is kept.
_TEXT_ALIGN: Final = re.compile(r"\s*text-align\s*:\s*(left|right|center)\s*;?\s*", re.I)
# Paint and marker references: only fragments within the page, never another document.
_PAINT_ATTRS: Final = frozenset({"fill", "stroke", "marker-end"})
_URL_FUNCTION: Final = re.compile(r"url\((?!#)")

SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
"""URL schemes :func:`is_safe_url` accepts; anything else (``javascript:``...) is refused."""
_IGNORED_IN_SCHEME: Final = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME: Final = re.compile(r"([a-z][a-z0-9+.-]*):")
_PATH_END: Final = re.compile(r"[/?#]")
_DATA_IMAGE: Final = re.compile(r"data:image/(?:png|gif|jpeg|webp);base64,")

_EMIT, _SKIP, _DROP = 0, 1, 2  # an open element: written out, left out, or dropped with content


def is_safe_url(url: str, *, image: bool = False) -> bool:
    """True if ``url`` (entities already decoded) may be used as a link, or ``image`` source.

    Relative references and the :data:`SAFE_URL_SCHEMES` are safe; ``image`` also allows
    base64 PNG, GIF, JPEG and WebP ``data:`` URLs (never SVG, which can carry script).
    Browsers ignore control characters and whitespace in a scheme, so we remove them anywhere
    before looking at it: ``"java\\tscript:"`` is ``javascript:``.
    """
    cleaned = _IGNORED_IN_SCHEME.sub("", url).lower()
    scheme = _SCHEME.match(cleaned)
    if scheme is None:
        # Not a scheme by the URL standard: a colon before the path starts is still refused,
        # since it would be a scheme to someone (it is never needed in a relative path).
        return ":" not in _PATH_END.split(cleaned, maxsplit=1)[0]
    if scheme.group(1) in SAFE_URL_SCHEMES:
        return True
    return image and _DATA_IMAGE.match(cleaned) is not None


def is_local_image(url: str) -> bool:
    """True if an image at ``url`` loads from the site itself (or is inline ``data:``).

    Stricter than :func:`is_safe_url`: an image loads while the page is read, so an
    ``https:`` or protocol-relative (``//host``, ``/\\host``) source would make the site
    reach another host.
    """
    cleaned = _IGNORED_IN_SCHEME.sub("", url).lower()
    if cleaned[:2] in ("//", "\\\\", "/\\", "\\/"):
        return False
    if _SCHEME.match(cleaned):
        return _DATA_IMAGE.match(cleaned) is not None
    return is_safe_url(url, image=True)


def sanitize_html(html_text: str, *, svg: bool = False) -> str:
    """``html_text`` (an HTML fragment) with only allowlisted markup, re-serialised.

    Idempotent, and leaves the output of Python-Markdown and the usual extensions as it was,
    but for cosmetics (``<br>`` for ``<br />``, characters for character references).
    ``svg`` allows inline SVG (a chart we drew); elsewhere an ``<svg>`` is dropped, keeping
    its text, since in a description it would only hide what follows it.
    """
    parser = _Sanitizer(svg)
    try:
        parser.feed(html_text)
        # feed() stops at a tag, comment or declaration left open up to the end of the input.
        # A browser swallows the rest of the input into it, so we drop the rest too, rather
        # than call close(): without CPython's gh-135462 fix (3.11.13, 3.12.11, 3.13.4) it
        # re-scans the rest once per "<" in it, quadratic time. A lone final "<" is text.
        rest = parser.rawdata
        if not (rest.startswith("<") and len(rest) > 1):
            parser.close()
    except AssertionError:
        # HTMLParser asserts on some malformed declarations; failing safe means plain text.
        return html.escape(html_text, quote=False)
    return parser.result()


class _Sanitizer(HTMLParser):
    def __init__(self, svg: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self._allow_svg = svg
        self._out: list[str] = []
        self._stack: list[tuple[str, int]] = []
        # Open elements per tag name, so that a stray end tag costs O(1), not a stack scan.
        self._open: dict[str, int] = {}
        self._dropping = 0  # _DROP elements on the stack: while > 0 nothing is written
        self._svg = 0  # written <svg> elements on the stack
        # Generated pages repeat the same few start tags (``<span class="n">`` thousands of
        # times in highlighted code): deciding about each distinct one once saves much time.
        self._plans: dict[
            tuple[str, tuple[tuple[str, str | None], ...], bool, bool, bool],
            tuple[str, int | None],
        ] = {}

    def result(self) -> str:
        while self._stack:
            self._pop()
        return "".join(self._out)

    # HTMLParser callbacks. Comments, declarations, processing instructions and CDATA
    # sections keep the base class's do-nothing handlers: they are dropped.

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, self_closing=True)

    def handle_endtag(self, tag: str) -> None:
        if not self._open.get(tag):
            return  # stray end tag
        while self._pop() != tag:
            pass  # an end tag closes the elements left open inside its element

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self._out.append(html.escape(data, quote=False))

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # The base class raises on an unknown ``<![...``; browsers read it as a bogus
        # comment up to the next ``>``, and so do we.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)

    # The stack.

    def _push(self, tag: str, kind: int) -> None:
        self._stack.append((tag, kind))
        self._open[tag] = self._open.get(tag, 0) + 1
        if kind == _DROP:
            self._dropping += 1
        elif kind == _EMIT and tag == "svg":
            self._svg += 1

    def _pop(self) -> str:
        tag, kind = self._stack.pop()
        self._open[tag] -= 1
        if kind == _DROP:
            self._dropping -= 1
        elif kind == _EMIT:
            self._out.append(f"</{tag}>")
            if tag == "svg":
                self._svg -= 1
        return tag

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], *, self_closing: bool) -> None:
        key = (tag, tuple(attrs), self._svg > 0, self_closing, self._allow_svg)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _plan(*key)
        written, kind = plan
        if self._dropping:
            # Inside a dropped element nothing is written, but elements still open and
            # close, so that end tags keep matching the start tags they belong to.
            if kind is not None:
                self._push(tag, _DROP if kind == _DROP else _SKIP)
            return
        if written:
            self._out.append(written)
        if kind is not None:
            self._push(tag, kind)


def _plan(
    tag: str, attrs: tuple[tuple[str, str | None], ...], in_svg: bool, self_closing: bool,
    allow_svg: bool,
) -> tuple[str, int | None]:
    """What a start tag writes, and how it stays open (``None``: it does not)."""
    void = tag in _VOID or (tag == "image" and not in_svg)
    # "/>" closes an element only in SVG (and on void elements); in HTML a browser opens
    # a "<script/>" all the same, so its content must be dropped. For elements we keep,
    # closing at once matches the markup's evident intent.
    opens = not void and not (self_closing and (in_svg or tag not in _DROP_WITH_CONTENT))
    if tag in _DROP_WITH_CONTENT:
        return "", _DROP if opens else None
    allowed = tag in _HTML_TAGS or (tag == "svg" and allow_svg) or (in_svg and tag in _SVG_TAGS)
    if tag == "input":
        kind = next((v for n, v in attrs if n == "type"), None)
        allowed = (kind or "").lower() in ("radio", "checkbox")
    if not allowed:
        return "", _SKIP if opens else None  # the tag goes, its content stays
    written = f"<{tag}{_attributes(tag, attrs, in_svg or tag == 'svg')}>"
    if opens:
        return written, _EMIT
    return (written if void else f"{written}</{tag}>"), None


def _attributes(tag: str, attrs: tuple[tuple[str, str | None], ...], svg: bool) -> str:
    """The allowed attributes of ``tag``, serialised with a leading space each."""
    own = _TAG_ATTRS.get(tag, frozenset())
    seen: set[str] = set()
    out: list[str] = []
    blank_target = False
    for name, raw in attrs:
        if name in seen:
            continue  # browsers use the first of repeated attributes
        seen.add(name)
        if not (
            name in _GLOBAL_ATTRS
            or name in own
            or (svg and name in _SVG_ATTRS)
            or _ARIA.fullmatch(name)
            or (_DATA.fullmatch(name) and not name.startswith(_THEME_DATA))
        ):
            continue
        value = _attribute_value(tag, name, raw)
        if value is False:
            continue
        if name == "target" and value == "_blank":
            blank_target = True
        written = _SVG_CASE.get(name, name) if svg else name
        out.append(f" {written}" if value is None else f' {written}="{html.escape(value)}"')
    if blank_target:
        # The opened page must not get a handle on ours (window.opener) nor our URL.
        out.append(' rel="noopener noreferrer"')
    return "".join(out)


def _attribute_value(tag: str, name: str, value: str | None) -> str | Literal[False] | None:
    """The value to write for an allowed attribute name; ``False`` drops the attribute."""
    if value is None:
        # A bare attribute: fine for booleans (checked, open), meaningless for a URL.
        return False if name in ("href", "src", "target", "style") else None
    if name == "src" and tag == "img":
        return value if is_local_image(value) else False
    if name in ("href", "src"):
        return value if is_safe_url(value, image=tag == "img") else False
    if name == "target":
        target = value.strip().lower()
        return target if target in ("_blank", "_self") else False
    if name == "type" and tag == "input":
        return value.lower()
    if name in _ID_LIKE and _RESERVED_ID.match(value):
        return False
    if name == "style":
        align = _TEXT_ALIGN.fullmatch(value)
        return f"text-align: {align.group(1).lower()};" if align else False
    if name in _PAINT_ATTRS:
        compact = _IGNORED_IN_SCHEME.sub("", value).lower().replace('"', "").replace("'", "")
        return False if "\\" in compact or _URL_FUNCTION.search(compact) else value
    return value
