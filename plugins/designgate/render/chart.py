"""The Impact/Effort 2x2 of a design's endpoints as a self-contained inline SVG.

The SVG is built server-side for a raw HTML block of the design site: no script, no
``style`` attributes, no ``<use>``/``<foreignObject>``, no external resources. Colours are
explicit presentation attributes so the chart looks right without any CSS, and every
element carries a ``dg-`` class so a stylesheet can still restyle it.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from designgate.model.design import QUADRANT_ORDER, Endpoint

__all__ = ["impact_effort_svg"]

# --- geometry (viewBox units) ------------------------------------------------------------
# The viewBox is 560 wide; on a 390-px phone one unit is ~0.7 px, so the smallest font
# (13 units) still renders at ~9 px.
_W = 560
_ML, _MR, _MT, _MB = 58, 18, 44, 56  # margins: left (ticks + axis label), right, top, bottom
_CW, _CH = 96.0, 70.0  # one score cell
_BAND = 28.0  # strip at the outer edge of each quadrant for its label, kept free of markers
_PAD = 6.0  # inner padding of a cell
_PLOT_W = 5 * _CW
_PLOT_H = 5 * _CH + 2 * _BAND
_H = _MT + _PLOT_H + _MB
_SPLIT = 3  # scores >= 3 count as high (designgate.model.design.quadrant)

_MAX_PITCH = 18.0  # distance between marker centres when a cell has room
_MAX_R = 7.0
_CELL_CAP = 40  # up to this many markers a cell shows every endpoint
_OVERFLOW_SHOWN = 36  # a fuller cell shows this many and one "+N" marker for the rest
_PILL_H = 17.0

_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
_TEXT = "#1f2933"
_MUTED = "#52606d"


@dataclass(frozen=True, slots=True)
class _Style:
    label: str  # plural, as on the chart
    css: str
    tint: str  # quadrant background
    mark: str  # marker fill
    ink: str  # label text


# Colour is never the only cue (every quadrant is labelled), the hues stay apart for the
# common colour-vision deficiencies, and markers are dark enough for white outlines.
_STYLES: dict[str, _Style] = {
    "Quick Win": _Style("Quick Wins", "dg-q-quick-win", "#e6f4ea", "#1e8e3e", "#13612b"),
    "Major Project": _Style("Major Projects", "dg-q-major-project", "#e8f0fe", "#1a73e8",
                            "#174ea6"),
    "Fill-In": _Style("Fill-Ins", "dg-q-fill-in", "#f1f3f4", "#6b7280", "#3c4043"),
    "Thankless Task": _Style("Thankless Tasks", "dg-q-thankless-task", "#fdecea", "#d93025",
                             "#a50e0e"),
}
assert tuple(_STYLES) == QUADRANT_ORDER  # one style per quadrant, same order

# Characters XML 1.0 forbids even as references; a design file could still smuggle them in.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Browsers drop these before reading a URL's scheme ("java\tscript:", " javascript:").
_URL_IGNORED = re.compile("[\x00-\x20\x7f]")
_SAFE_SCHEMES = frozenset({"http", "https"})


def impact_effort_svg(
    endpoints: Sequence[Endpoint],
    *,
    link: Callable[[Endpoint], str] | None = None,
    title: str = "Impact / Effort",
) -> str:
    """Render the endpoints on the Impact/Effort 2x2 as an inline SVG string.

    One marker per scored endpoint (unscored ones are left out: the caller lists them);
    scores outside 1-5 sit on the chart edge. ``link`` gives each marker's URL; only
    relative and http(s) URLs become links.
    """
    scored = [e for e in endpoints if e.impact is not None and e.effort is not None]
    counts = dict.fromkeys(QUADRANT_ORDER, 0)
    cells: dict[tuple[int, int], list[Endpoint]] = {}
    for ep in scored:
        counts[ep.quadrant or ""] += 1
        cells.setdefault((_clamp(ep.effort), _clamp(ep.impact)), []).append(ep)

    summary = ", ".join(f"{_STYLES[q].label} {counts[q]}" for q in QUADRANT_ORDER)
    noun = "endpoint" if len(scored) == 1 else "endpoints"
    aria = f"{title}: {len(scored)} scored {noun} by impact and effort. {summary}."
    out = [
        # No height: browsers derive it from the viewBox, so the chart scales with the page.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dg-chart dg-impact-effort" '
        f'role="group"\naria-label="{_esc(aria)}"\nviewBox="0 0 {_W} {_n(_H)}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet"\nfont-family="{_FONT}" fill="{_TEXT}">',
        # Own light background: the chart stays legible on a dark site theme too.
        f'<rect class="dg-bg" x="0" y="0" width="{_W}" height="{_n(_H)}" rx="8" '
        f'fill="#ffffff" stroke="#dadce0"/>',
        f'<text class="dg-title" x="{_ML}" y="28" font-size="16" font-weight="600">'
        f"{_esc(title)}</text>",
    ]
    out += _quadrants(counts)
    out += _axes()
    out.append('<g class="dg-points" stroke="#ffffff" stroke-width="1.5">')
    # Top row first, left to right: a stable order whatever order the cells filled in.
    for effort, impact in sorted(cells, key=lambda c: (-c[1], c[0])):
        out += _cell(effort, impact, cells[(effort, impact)], link)
    out.append("</g>")
    if not scored:
        out.append(
            f'<text class="dg-empty" x="{_n(_ML + _PLOT_W / 2)}" y="{_n(_MT + _PLOT_H / 2)}" '
            f'font-size="14" text-anchor="middle" fill="{_MUTED}">No scored endpoints</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- parts ---------------------------------------------------------------------------------


def _quadrants(counts: dict[str, int]) -> list[str]:
    """Shaded quadrant backgrounds, cell grid, split lines and the labelled counts."""
    split_x = _x_edge(_SPLIT)  # left edge of effort 3
    split_y = _y_edge(_SPLIT)  # bottom edge of impact 3
    top, bottom = _MT, _MT + _PLOT_H
    left, right = _ML, _ML + _PLOT_W
    boxes = {  # quadrant -> x0, y0, x1, y1
        "Quick Win": (left, top, split_x, split_y),
        "Major Project": (split_x, top, right, split_y),
        "Fill-In": (left, split_y, split_x, bottom),
        "Thankless Task": (split_x, split_y, right, bottom),
    }
    out = ['<g class="dg-quadrants">']
    for q in QUADRANT_ORDER:
        x0, y0, x1, y1 = boxes[q]
        out.append(f'<rect class="dg-quadrant {_STYLES[q].css}" x="{_n(x0)}" y="{_n(y0)}" '
                   f'width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" fill="{_STYLES[q].tint}"/>')
    out.append("</g>")
    # Thin white cell lines: they show where a score's cluster ends without adding ink.
    out.append('<g class="dg-grid" stroke="#ffffff" stroke-width="1.5">')
    for y in (top + _BAND, bottom - _BAND):  # the label bands are not score cells
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(right)}" y2="{_n(y)}"/>')
    for s in range(2, 6):
        if s != _SPLIT:  # column lines stop short of the label bands
            out.append(f'<line x1="{_n(_x_edge(s))}" y1="{_n(top + _BAND)}" '
                       f'x2="{_n(_x_edge(s))}" y2="{_n(bottom - _BAND)}"/>')
            out.append(f'<line x1="{_n(left)}" y1="{_n(_y_edge(s))}" x2="{_n(right)}" '
                       f'y2="{_n(_y_edge(s))}"/>')
    out.append("</g>")
    out.append('<g class="dg-split" stroke="#80868b" stroke-width="1.5">')
    out.append(f'<line x1="{_n(split_x)}" y1="{_n(top)}" x2="{_n(split_x)}" y2="{_n(bottom)}"/>')
    out.append(f'<line x1="{_n(left)}" y1="{_n(split_y)}" x2="{_n(right)}" y2="{_n(split_y)}"/>')
    out.append(f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(_PLOT_W)}" '
               f'height="{_n(_PLOT_H)}" fill="none"/>')
    out.append("</g>")
    out.append('<g class="dg-quadrant-labels" font-size="14" text-anchor="middle">')
    for q in QUADRANT_ORDER:
        x0, y0, x1, y1 = boxes[q]
        # Top quadrants label their top band, bottom quadrants their bottom band.
        y = y0 + _BAND - 9 if y0 == top else y1 - 9
        st = _STYLES[q]
        out.append(f'<text class="dg-quadrant-label {st.css}" x="{_n((x0 + x1) / 2)}" '
                   f'y="{_n(y)}" fill="{st.ink}"><tspan font-weight="600">{st.label}</tspan> '
                   f'<tspan class="dg-quadrant-count">({counts[q]})</tspan></text>')
    out.append("</g>")
    return out


def _axes() -> list[str]:
    """Tick numbers at the cell centres and the two axis titles."""
    bottom = _MT + _PLOT_H
    out = [f'<g class="dg-axes" font-size="13" fill="{_MUTED}">']
    out.append('<g class="dg-ticks-x" text-anchor="middle">')
    out += [f'<text x="{_n(_x_mid(s))}" y="{_n(bottom + 18)}">{s}</text>' for s in range(1, 6)]
    out.append("</g>")
    out.append('<g class="dg-ticks-y" text-anchor="end">')
    out += [f'<text x="{_ML - 8}" y="{_n(_y_mid(s) + 4.5)}">{s}</text>' for s in range(1, 6)]
    out.append("</g>")
    out.append(f'<text class="dg-axis-label" x="{_n(_ML + _PLOT_W / 2)}" y="{_n(bottom + 42)}" '
               f'text-anchor="middle" font-weight="600" fill="{_TEXT}">Effort '
               f'<tspan font-weight="400" fill="{_MUTED}">(1 low → 5 high)</tspan></text>')
    mid_y = _MT + _PLOT_H / 2
    out.append(f'<text class="dg-axis-label" x="20" y="{_n(mid_y)}" text-anchor="middle" '
               f'transform="rotate(-90 20 {_n(mid_y)})" font-weight="600" fill="{_TEXT}">Impact '
               f'<tspan font-weight="400" fill="{_MUTED}">(1 low → 5 high)</tspan></text>')
    out.append("</g>")
    return out


def _cell(
    effort: int, impact: int, eps: list[Endpoint], link: Callable[[Endpoint], str] | None
) -> list[str]:
    """The markers of one score cell, packed in a centred grid; "+N" when crowded."""
    cx, cy = _x_mid(effort), _y_mid(impact)
    w, h = _CW - 2 * _PAD, _CH - 2 * _PAD
    shown, hidden = (eps, 0) if len(eps) <= _CELL_CAP else (
        eps[:_OVERFLOW_SHOWN], len(eps) - _OVERFLOW_SHOWN)
    if hidden:  # keep the bottom strip of the cell for the "+N" marker
        h -= _PILL_H + 2
        cy -= (_PILL_H + 2) / 2
    points, pitch = _pack(len(shown), cx, cy, w, h)
    r = _n(min(_MAX_R, pitch * 0.4))
    out: list[str] = []
    for ep, (x, y) in zip(shown, points, strict=True):
        css = _STYLES[ep.quadrant or ""].css
        fill = _STYLES[ep.quadrant or ""].mark
        marker = (f'<circle class="dg-pt {css}" cx="{_n(x)}" cy="{_n(y)}" r="{r}" '
                  f'fill="{fill}"><title>{_esc(_tooltip(ep))}</title></circle>')
        href = _safe_href(link(ep)) if link is not None else None
        out.append(f'<a href="{_esc(href)}">{marker}</a>' if href is not None else marker)
    if hidden:
        out += _overflow(effort, impact, hidden, eps[0])
    return out


def _overflow(effort: int, impact: int, hidden: int, sample: Endpoint) -> list[str]:
    """One pill standing for the endpoints of a crowded cell that are not drawn."""
    st = _STYLES[sample.quadrant or ""]
    text = f"+{hidden}"
    pw = 12 + 8 * len(text)  # wide enough for bold 13-unit digits
    px = _x_mid(effort) - pw / 2
    py = _y_mid(impact) + _CH / 2 - _PAD - _PILL_H
    tip = (f"{hidden} more endpoints at impact {impact}, effort {effort}, "
           "not drawn one by one")
    return [
        f'<g class="dg-overflow {st.css}"><title>{tip}</title>',
        f'<rect x="{_n(px)}" y="{_n(py)}" width="{pw}" height="{_n(_PILL_H)}" '
        f'rx="{_n(_PILL_H / 2)}" fill="{st.mark}"/>',
        f'<text x="{_n(px + pw / 2)}" y="{_n(py + _PILL_H - 4.5)}" font-size="13" '
        f'font-weight="600" text-anchor="middle" fill="#ffffff" stroke="none">{text}</text>',
        "</g>",
    ]


def _pack(
    n: int, cx: float, cy: float, w: float, h: float
) -> tuple[list[tuple[float, float]], float]:
    """``n`` grid positions centred on (cx, cy) inside w x h; rows as full as possible."""
    if n == 0:
        return [], _MAX_PITCH
    cols = max(1, min(n, math.ceil(math.sqrt(n * w / h))))
    rows = math.ceil(n / cols)
    cols = math.ceil(n / rows)  # same row count, fewer gaps in the last row
    pitch = min(_MAX_PITCH, w / cols, h / rows)
    points = []
    for i in range(n):
        row, col = divmod(i, cols)
        in_row = min(cols, n - row * cols)  # the last row may be shorter: centre it too
        points.append((cx + (col - (in_row - 1) / 2) * pitch,
                       cy + (row - (rows - 1) / 2) * pitch))
    return points, pitch


# --- helpers -------------------------------------------------------------------------------


def _tooltip(ep: Endpoint) -> str:
    head = f"{ep.method} {ep.path}" + (f" — {ep.summary}" if ep.summary else "")
    off = "" if (ep.impact, ep.effort) == (_clamp(ep.impact), _clamp(ep.effort)) else (
        "; outside 1–5, drawn at the edge")
    return f"{head} (impact {ep.impact}, effort {ep.effort}{off})"


def _clamp(score: int | None) -> int:
    return min(5, max(1, score or 1))


def _x_edge(effort: int) -> float:
    """Left edge of the effort column."""
    return _ML + (effort - 1) * _CW


def _x_mid(effort: int) -> float:
    return _x_edge(effort) + _CW / 2


def _y_edge(impact: int) -> float:
    """Bottom edge of the impact row (impact grows upwards)."""
    return _MT + _BAND + (6 - impact) * _CH


def _y_mid(impact: int) -> float:
    return _y_edge(impact) - _CH / 2


def _n(v: float) -> str:
    """A coordinate with at most one decimal: short, and identical on every run."""
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _esc(text: str) -> str:
    """Escape for XML/HTML text and attributes (also drops what XML cannot hold)."""
    return html.escape(_XML_INVALID.sub("\ufffd", text), quote=True)


def _safe_href(url: str) -> str | None:
    """``url`` when it is relative or http(s); ``None`` for anything else (``javascript:``)."""
    probe = _URL_IGNORED.sub("", url)
    if not probe:
        return None
    end = len(probe)
    for sep in "/?#":
        i = probe.find(sep)
        if i != -1:
            end = min(end, i)
    colon = probe.find(":", 0, end)
    if colon == -1:
        return url  # no scheme: relative
    return url if probe[:colon].lower() in _SAFE_SCHEMES else None
